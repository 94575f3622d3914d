package imagetext

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"
)

func TestPrecheckFindsRenderedText(t *testing.T) {
	t.Parallel()
	cases := ocrCases(t, 24)
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
	skipped := 0
	photos := plainPhotos(t)
	for name, b := range photos {
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		p := CheckText(img)
		t.Logf("%s without text: %d regions, %d text cells", name, len(p.Regions), p.TextCells)
		if !p.Text() {
			skipped++
		}
	}
	// Smooth photos (fruit on a plain background) skip OCR; textured ones (foliage, fur)
	// may not, which only costs an OCR run.
	if skipped == 0 {
		t.Fatalf("no photo without text was skipped (of %d)", len(photos))
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
