package imagetext

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"

	"github.com/trustd/trustd/moderation/text/texttest"
)

func TestPrecheckFindsRenderedText(t *testing.T) {
	t.Parallel()
	cases := ocrCases(t, ocrAllFonts)
	found := 0
	for _, c := range cases {
		p := CheckText(c.Image)
		for _, r := range p.Regions {
			if c.Box.In(r) {
				found++
				break
			}
		}
	}
	// Skipping an image with text loses its contact, so the pre-check must let (nearly)
	// every one through, with a region that holds the whole line.
	t.Logf("text lines inside a region: %d/%d", found, len(cases))
	if found < len(cases)*95/100 {
		t.Fatalf("text lines inside a region: %d/%d, want ≥ 95%%", found, len(cases))
	}
}

func TestPrecheckSkipsImagesWithoutText(t *testing.T) {
	t.Parallel()
	flat := image.NewGray(image.Rect(0, 0, 1080, 1440))
	for i := range flat.Pix {
		flat.Pix[i] = 180
	}
	gradient := image.NewRGBA(image.Rect(0, 0, 1080, 1440))
	for y := range 1440 {
		for x := range 1080 {
			gradient.Set(x, y, color.RGBA{uint8(x / 5), uint8(y / 6), 128, 255})
		}
	}
	for name, img := range map[string]image.Image{"flat": flat, "gradient": gradient} {
		if p := CheckText(img); p.Text() {
			t.Errorf("%s: regions %v, want none", name, p.Regions)
		}
	}
	skipped, byGlyphs := 0, 0
	photos := plainPhotos(t)
	for name, b := range photos {
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		p, edges := CheckText(img), edgeLines(img)
		t.Logf("%s without text: %d of %d line strips worth reading, %d text cells", name, len(p.Lines), len(edges.Lines), p.TextCells)
		if !p.Text() {
			skipped++
			if edges.Text() {
				byGlyphs++
			}
		}
	}
	t.Logf("photos without text skipped: %d/%d (%d by the glyph test)", skipped, len(photos), byGlyphs)
	// Smooth photos (fruit on a plain background) skip OCR at the edge stage; photos with a
	// few edge lines (a lake shore, fruit skins) skip at the glyph test; strongly textured ones
	// (foliage, fur, feathers) may not, which only costs an OCR run.
	if skipped == 0 || byGlyphs == 0 {
		t.Fatalf("photos without text skipped: %d/%d, %d by the glyph test; want some of each", skipped, len(photos), byGlyphs)
	}
}

// BenchmarkPrecheck is the cost of the pre-check of one 1080-wide photo, with text (the
// generated cases) and without (their photos), of its edge stage alone (edgeLines) and in
// full (CheckText: edges, then the glyph test of each line strip). cpu-ns/op is the process's
// CPU time per photo.
func BenchmarkPrecheck(b *testing.B) {
	var plain []image.Image
	for _, j := range plainPhotos(b) {
		img, err := jpeg.Decode(bytes.NewReader(j))
		if err != nil {
			b.Fatal(err)
		}
		plain = append(plain, img)
	}
	var text []image.Image
	for _, c := range ocrCases(b, ocrAllFonts) {
		text = append(text, c.Image)
	}
	for _, set := range []struct {
		name string
		imgs []image.Image
	}{{"text", text}, {"plain", plain}} {
		for _, stage := range []struct {
			name  string
			check func(image.Image) Precheck
		}{{"edges", edgeLines}, {"full", CheckText}} {
			b.Run(set.name+"/"+stage.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				c0 := texttest.CPUTime()
				for b.Loop() {
					stage.check(set.imgs[i%len(set.imgs)])
					i++
				}
				texttest.ReportCPU(b, c0, 0)
			})
		}
	}
}

func TestLineRunsCutTallRunsIntoWindows(t *testing.T) {
	t.Parallel()
	const cols, rows = 2, 40
	line := make([]bool, cols*rows)
	on := func(lo, hi int) {
		for cy := lo; cy < hi; cy++ {
			line[cy*cols] = true
		}
	}
	on(2, 5)   // a line three rows tall: one strip, lineMargin above and below
	on(10, 25) // a run of 15 rows (text touching texture): windows of maxLineRows
	got := lineRuns(line, cols, rows)
	want := [][2]int{{1, 6}, {9, 19}, {12, 22}, {15, 25}, {18, 26}}
	if !slices.Equal(got, want) {
		t.Fatalf("lineRuns = %v, want %v", got, want)
	}
}
