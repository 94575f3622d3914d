// Package ocrfixture generates the test photos of the OCR tests: real photos (the repository's
// testdata/images) scaled to a platform upload width, with a contact (a WeChat id or a mobile
// number, in Chinese or English) rendered on them in WenQuanYi Micro Hei (Debian's
// fonts-wqy-microhei) at 24–48 px, in several positions and colours, then JPEG-encoded as an
// upload would be. Generation is deterministic: the same index always gives the same case.
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
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// FontPath is where Debian's fonts-wqy-microhei installs WenQuanYi Micro Hei.
const FontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// ErrNoFont means the font is not installed (apt-get install fonts-wqy-microhei).
var ErrNoFont = errors.New("ocrfixture: " + FontPath + " not found: apt-get install fonts-wqy-microhei")

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
	Style   string          // StyleOutline, StyleLabel or StylePlain
	Box     image.Rectangle // where the text was drawn
	JPEG    []byte          // the upload
	Image   image.Image     // the decoded upload
}

// Generator renders cases. It is safe for concurrent use.
type Generator struct {
	dir    string // testdata/images
	face   func(size float64) (font.Face, error)
	mu     sync.Mutex
	photos map[string]image.Image
}

// New returns a generator reading photos from dir (the repository's testdata/images).
func New(dir string) (*Generator, error) {
	b, err := os.ReadFile(FontPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoFont
	}
	if err != nil {
		return nil, err
	}
	ttf, err := alignedFont(b, 0)
	if err != nil {
		return nil, err
	}
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("ocrfixture: parse font: %w", err)
	}
	g := &Generator{dir: dir, photos: map[string]image.Image{}}
	g.face = func(size float64) (font.Face, error) {
		return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	}
	return g, nil
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
// round r gives photo p the size and style that photo p+r had in round 0.
func (g *Generator) Case(i int) (Case, error) {
	c := Case{
		Photo:   Photos[(i+i/Round)%len(Photos)],
		Contact: Contacts[(i+i/len(Photos))%len(Contacts)],
		Size:    Sizes[i%len(Sizes)],
	}
	c.Name = fmt.Sprintf("%02d_%s_%gpx_%s", i, c.Photo, c.Size, Styles[i%len(Styles)])
	photo, err := g.Photo(c.Photo)
	if err != nil {
		return c, err
	}
	img := image.NewRGBA(photo.Bounds())
	draw.Copy(img, image.Point{}, photo, photo.Bounds(), draw.Src, nil)
	face, err := g.face(c.Size)
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
	box := image.Rect(x, y, x+adv, y+asc+desc)
	c.Box = box
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

// Line renders text black on white at size px with a margin, as a clean scan.
func (g *Generator) Line(text string, size float64) (image.Image, error) {
	face, err := g.face(size)
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
