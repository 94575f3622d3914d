package imagehash

import (
	"bytes"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite golden files and generated test images in testdata/images")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testdataDir is the repository's testdata/images.
var testdataDir = filepath.Join("..", "..", "testdata", "images")

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generated lists the test images made from the copied originals by TestGenerateTestdata
// (run with -update). They are committed, so the hashes of the golden test do not depend on
// the encoders of the Go version running the tests.
var generated = map[string]func(t *testing.T) []byte{
	// PNG of cv_lake.
	"lake.png": func(t *testing.T) []byte { return encodePNG(t, decodeTestdata(t, "cv_lake.jpg")) },
	// GIF (first frame) of cv_tree, plus a second frame that must be ignored.
	"tree.gif": func(t *testing.T) []byte {
		src := decodeTestdata(t, "cv_tree.jpg")
		p1 := image.NewPaletted(src.Bounds(), grayPalette())
		p2 := image.NewPaletted(src.Bounds(), grayPalette())
		for y := src.Bounds().Min.Y; y < src.Bounds().Max.Y; y++ {
			for x := src.Bounds().Min.X; x < src.Bounds().Max.X; x++ {
				p1.Set(x, y, src.At(x, y))
			}
		}
		var b bytes.Buffer
		if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{p1, p2}, Delay: []int{10, 10}}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	},
	// cv_lake stored rotated 90° counter-clockwise with EXIF orientation 6 ("rotate 90° clockwise
	// to display"): its fingerprint must equal cv_lake's (up to re-encoding).
	"lake_exif6.jpg": func(t *testing.T) []byte {
		src := toGray(decodeTestdata(t, "cv_lake.jpg"))
		rot := transformGray(src, 4) // rot270 cw = 90° ccw
		var b bytes.Buffer
		if err := jpeg.Encode(&b, rot, &jpeg.Options{Quality: 92}); err != nil {
			t.Fatal(err)
		}
		return withEXIFOrientation(b.Bytes(), 6)
	},
	// A 341-byte-class PNG whose header claims 30000×30000 pixels.
	"bomb_30000.png": func(t *testing.T) []byte { return pngBomb(30000, 30000) },
	// A small JPEG whose frame header claims 60000×60000 pixels.
	"bomb_huge.jpg": func(t *testing.T) []byte {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
			t.Fatal(err)
		}
		j := b.Bytes()
		i := bytes.Index(j, []byte{0xFF, 0xC0})
		binary.BigEndian.PutUint16(j[i+5:], 60000) // height
		binary.BigEndian.PutUint16(j[i+7:], 60000) // width
		return j
	},
	// The first 40% of cv_tree.jpg.
	"truncated.jpg": func(t *testing.T) []byte { b := readTestdata(t, "cv_tree.jpg"); return b[:len(b)*2/5] },
	// Not an image at all.
	"not_image.txt": func(t *testing.T) []byte { return []byte("<html><body>this is not an image</body></html>\n") },
	// A flat grey image: too uniform to match anything.
	"flat.png": func(t *testing.T) []byte {
		g := image.NewGray(image.Rect(0, 0, 200, 150))
		for i := range g.Pix {
			g.Pix[i] = 128
		}
		return encodePNG(t, g)
	},
}

func TestGenerateTestdata(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata/images")
	}
	for name, gen := range generated {
		if err := os.WriteFile(filepath.Join(testdataDir, name), gen(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func decodeTestdata(t *testing.T, name string) image.Image {
	t.Helper()
	d, err := DecodeGuarded(readTestdata(t, name), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d.Image
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func toGray(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

func grayPalette() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{Y: uint8(i)}
	}
	return p
}

// withEXIFOrientation inserts an APP1 EXIF segment with the orientation tag after SOI.
func withEXIFOrientation(j []byte, o uint16) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// pngBomb returns a valid PNG signature and IHDR claiming w×h pixels, with a tiny IDAT.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		_ = binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func absTestdata(name string) (string, error) { return filepath.Abs(filepath.Join(testdataDir, name)) }
