// Package ocrfixture generates the test photos of the OCR tests: real photos (the repository's
// testdata/images) scaled to a platform upload width, with a contact (a WeChat id or a mobile
// number, in Chinese or English) rendered on them in a common Chinese font (one per round of
// cases: WenQuanYi Micro Hei, Noto Sans CJK SC, Noto Serif CJK SC, from Debian's
// fonts-wqy-microhei and fonts-noto-cjk) at 24–48 px, in several positions and colours, then
// JPEG-encoded as an upload would be. Generation is deterministic: the same index always gives
// the same case.
package ocrfixture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Font is a font the cases are rendered in: font Index of the collection at Path, installed
// by the Debian package Package.
type Font struct {
	Name    string
	Path    string
	Index   int
	Package string
}

// Fonts are the fonts of the cases, one per round (Round cases): a sans-serif common on Linux,
// the sans-serif of most phone apps (Noto Sans CJK is Source Han Sans) and a Song (serif) face.
var Fonts = []Font{
	{"WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"},
	{"Noto Sans CJK SC", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, "fonts-noto-cjk"},
	{"Noto Serif CJK SC", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2, "fonts-noto-cjk"},
}

// ErrNoFont means a font of Fonts is not installed; the error names the package to install.
var ErrNoFont = errors.New("ocrfixture: font not found")

// Photos are the photos of testdata/images the cases are drawn on: no text of their own.
var Photos = []string{"cv_apple", "cv_fruits", "cv_squirrel", "cv_butterfly", "cv_plant", "cv_orange", "cv_lake", "cv_tree"}

// Contact is a contact line rendered on a photo and what the contact detectors must find.
type Contact struct {
	Text string // the rendered line
	Type string // the contact type expected: "wechat" or "phone"
}

// Contacts are the lines rendered, Chinese and English, WeChat ids and mobile numbers.
var Contacts = []Contact{
	{"V: abc_123", "wechat"},
	{"微信 xyz789", "wechat"},
	{"加微信 wx_tea2024 看详情", "wechat"},
	{"vx: shop_9988", "wechat"},
	{"WeChat: lucky_cat88", "wechat"},
	{"电话 138 1234 5678", "phone"},
	{"手机:13912345678", "phone"},
	{"咨询 186-0011-2233", "phone"},
}

// Sizes are the font sizes in pixels, cycled through the cases.
var Sizes = []float64{24, 32, 40, 48}

// Round is the number of cases after which photo, size and style would repeat together
// (the least common multiple of len(Photos), len(Sizes) and len(Styles)).
const Round = 24

// Width is the width photos are scaled to, that of a typical phone upload.
const Width = 1080

// Case is one generated photo.
type Case struct {
	Name    string
	Photo   string
	Contact Contact
	Size    float64
	Font    int             // its font: an index into Fonts
	Style   string          // StyleOutline, StyleLabel or StylePlain
	Box     image.Rectangle // the glyphs' bounds (an outline adds 2 px around them)
	JPEG    []byte          // the upload
	Image   image.Image     // the decoded upload
}

// Generator renders cases. It is safe for concurrent use.
type Generator struct {
	dir    string           // testdata/images
	fonts  []*opentype.Font // parsed Fonts
	mu     sync.Mutex
	photos map[string]image.Image
}

// New returns a generator reading photos from dir (the repository's testdata/images). It
// fails with ErrNoFont when a font of Fonts is not installed.
func New(dir string) (*Generator, error) {
	g := &Generator{dir: dir, photos: map[string]image.Image{}}
	for _, fo := range Fonts {
		b, err := os.ReadFile(fo.Path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s (%s): apt-get install %s", ErrNoFont, fo.Name, fo.Path, fo.Package)
		}
		if err != nil {
			return nil, err
		}
		ttf, err := alignedFont(b, fo.Index)
		if err != nil {
			return nil, fmt.Errorf("ocrfixture: %s: %w", fo.Name, err)
		}
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("ocrfixture: parse %s: %w", fo.Name, err)
		}
		g.fonts = append(g.fonts, f)
	}
	return g, nil
}

// face returns font i of Fonts at size px.
func (g *Generator) face(i int, size float64) (font.Face, error) {
	return opentype.NewFace(g.fonts[i], &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// Photo returns photo name scaled to Width.
func (g *Generator) Photo(name string) (image.Image, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if img, ok := g.photos[name]; ok {
		return img, nil
	}
	fh, err := os.Open(filepath.Join(g.dir, name+".jpg"))
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	src, err := jpeg.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("ocrfixture: %s: %w", name, err)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, Width, Width*b.Dy()/b.Dx()))
	draw.CatmullRom.Scale(dst, dst.Rect, src, b, draw.Src, nil)
	g.photos[name] = dst
	return dst, nil
}

// PhotoJPEG returns photo name scaled to Width and JPEG-encoded, without text.
func (g *Generator) PhotoJPEG(name string) ([]byte, error) {
	img, err := g.Photo(name)
	if err != nil {
		return nil, err
	}
	return encode(img)
}

// Case returns case i (any i ≥ 0; the cases cycle through photos, contacts, sizes,
// positions and colours so that consecutive cases differ in all of them). Photos, sizes and
// styles repeat together every Round cases, so each round draws its photos one further on:
// round r gives photo p the size and style that photo p+r had in round 0, and is rendered in
// font r of Fonts (cycling).
func (g *Generator) Case(i int) (Case, error) {
	fi := (i / Round) % len(Fonts)
	c := Case{
		Photo:   Photos[(i+i/Round)%len(Photos)],
		Contact: Contacts[(i+i/len(Photos))%len(Contacts)],
		Size:    Sizes[i%len(Sizes)],
		Font:    fi,
	}
	c.Name = fmt.Sprintf("%02d_%s_%gpx_%s_%s", i, c.Photo, c.Size, Styles[i%len(Styles)], strings.ReplaceAll(Fonts[fi].Name, " ", ""))
	photo, err := g.Photo(c.Photo)
	if err != nil {
		return c, err
	}
	img := image.NewRGBA(photo.Bounds())
	draw.Copy(img, image.Point{}, photo, photo.Bounds(), draw.Src, nil)
	face, err := g.face(fi, c.Size)
	if err != nil {
		return c, err
	}
	defer face.Close()
	d := &font.Drawer{Dst: img, Face: face}
	adv := d.MeasureString(c.Contact.Text).Ceil()
	m := face.Metrics()
	asc, desc := m.Ascent.Ceil(), m.Descent.Ceil()
	W, H := img.Rect.Dx(), img.Rect.Dy()
	margin := W / 20
	var x, y int // top-left of the text box
	switch i % 5 {
	case 0: // top left
		x, y = margin, margin
	case 1: // centre
		x, y = (W-adv)/2, (H-asc-desc)/2
	case 2: // bottom right
		x, y = W-adv-margin, H-asc-desc-margin
	case 3: // bottom left
		x, y = margin, H-asc-desc-margin
	case 4: // top right, a third down
		x, y = W-adv-margin, H/3
	}
	box := image.Rect(x, y, x+adv, y+asc+desc) // the layout box, from the font's metrics
	d.Dot = fixed.P(x, y+asc)
	ink, _ := d.BoundString(c.Contact.Text) // the glyphs' own bounds: a font's ascent may leave room above them
	c.Box = image.Rect(ink.Min.X.Floor(), ink.Min.Y.Floor(), ink.Max.X.Ceil(), ink.Max.Y.Ceil())
	c.Style = Styles[i%len(Styles)]
	fg, bg := pickColours(img, box, i)
	switch c.Style {
	case StyleOutline: // the default of phone photo editors: a one-pixel contrasting stroke
		d.Src = image.NewUniform(bg)
		for _, o := range [][2]int{{-2, 0}, {2, 0}, {0, -2}, {0, 2}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}} {
			d.Dot = fixed.P(x+o[0], y+asc+o[1])
			d.DrawString(c.Contact.Text)
		}
	case StyleLabel: // a translucent label behind the text
		pad := int(c.Size) / 4
		draw.Draw(img, box.Inset(-pad), image.NewUniform(withAlpha(bg, 0xb0)), image.Point{}, draw.Over)
	}
	d.Src = image.NewUniform(fg)
	d.Dot = fixed.P(x, y+asc)
	d.DrawString(c.Contact.Text)
	c.Image = img
	if c.JPEG, err = encode(img); err != nil {
		return c, err
	}
	dec, err := jpeg.Decode(bytes.NewReader(c.JPEG))
	if err != nil {
		return c, err
	}
	c.Image = dec
	return c, nil
}

// Text styles.
const (
	StyleOutline = "outline" // a contrasting stroke around the glyphs
	StyleLabel   = "label"   // a translucent contrasting box behind the text
	StylePlain   = "plain"   // the glyphs alone
)

// Styles are cycled through the cases.
var Styles = []string{StyleOutline, StyleLabel, StylePlain}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	f := uint32(a)
	return color.RGBA{uint8(r >> 8 * f / 255), uint8(g >> 8 * f / 255), uint8(b >> 8 * f / 255), a}
}

// Line renders text black on white at size px in font i of Fonts with a margin, as a clean scan.
func (g *Generator) Line(text string, size float64, i int) (image.Image, error) {
	face, err := g.face(i, size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	d := &font.Drawer{Face: face, Src: image.Black}
	m := face.Metrics()
	pad := int(size) / 2
	img := image.NewRGBA(image.Rect(0, 0, d.MeasureString(text).Ceil()+2*pad, m.Ascent.Ceil()+m.Descent.Ceil()+2*pad))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	d.Dst, d.Dot = img, fixed.P(pad, pad+m.Ascent.Ceil())
	d.DrawString(text)
	return img, nil
}

// pickColours chooses a text colour that a person posting the photo would, and a contrasting
// one for outlines and labels: a light one (white, yellow) on a dark area, a dark one (black,
// red, blue) on a light one.
func pickColours(img *image.RGBA, box image.Rectangle, i int) (fg, bg color.Color) {
	box = box.Intersect(img.Rect)
	var sum, n int
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			sum += (299*int(p[0]) + 587*int(p[1]) + 114*int(p[2])) / 1000
			n++
		}
	}
	light := []color.Color{color.White, color.RGBA{255, 221, 0, 255}}
	dark := []color.Color{color.Black, color.RGBA{200, 16, 16, 255}, color.RGBA{16, 32, 160, 255}}
	if n > 0 && sum/n < 128 {
		return light[i%len(light)], color.Black
	}
	return dark[i%len(dark)], color.White
}

func encode(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
