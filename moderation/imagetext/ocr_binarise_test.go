package imagetext

import (
	"image"
	"image/color"
	"image/draw"
	"slices"
	"testing"
)

// TestKeepGlyphsDropsTexture binarises a strip holding a line of glyph-like blocks with a
// colon, a lone blob of texture and a speck, and checks that only the line survives.
func TestKeepGlyphsDropsTexture(t *testing.T) {
	t.Parallel()
	g := image.NewGray(image.Rect(0, 0, 400, 100))
	for i := range g.Pix {
		g.Pix[i] = 200
	}
	fill := func(r image.Rectangle, v uint8) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				g.Pix[y*g.Stride+x] = v
			}
		}
	}
	for i := range 4 { // glyphs: 20×30 rings
		x := 20 + 30*i
		fill(image.Rect(x, 30, x+20, 60), 30)
		fill(image.Rect(x+5, 35, x+15, 55), 200)
	}
	fill(image.Rect(142, 38, 146, 42), 30) // a colon's dot beside the line
	fill(image.Rect(250, 5, 390, 95), 30)  // texture: a blob as tall as the strip
	fill(image.Rect(200, 80, 203, 83), 30) // a speck away from the line
	th := otsu(g)
	if th < 30 || th >= 200 {
		t.Fatalf("otsu = %d, want between the two levels", th)
	}
	b := binarised(g, th, false, 4)
	if n := len(keepGlyphs(b)); n != 4 {
		t.Fatalf("kept %d line glyphs, want 4", n)
	}
	black := func(x, y int) bool { return b.Pix[(y+4)*b.Stride+x+4] == 0 }
	if !black(20, 30) || !black(143, 39) {
		t.Error("a glyph or the colon's dot was removed")
	}
	if black(300, 50) || black(201, 81) {
		t.Error("the texture blob or the speck was kept")
	}
	if up := upscaled2(g); up.Rect.Dx() != 800 || up.Pix[60*up.Stride+40] != 30 {
		t.Errorf("upscaled2: %v, pixel %d", up.Rect, up.Pix[60*up.Stride+40])
	}
}

// TestOtsuLevelsStepTowardsTheExtreme checks the multi-level thresholds on four grey levels:
// each level splits off the values nearer the extreme of its polarity.
func TestOtsuLevelsStepTowardsTheExtreme(t *testing.T) {
	t.Parallel()
	var hist [256]int
	for _, v := range []int{20, 90, 160, 240} {
		hist[v] = 1000
	}
	// A level t splits the values into ≤ t and > t; the search stops when one value is left.
	if light := otsuLevels(&hist, true, 3); !slices.Equal(light, []uint8{90, 160}) {
		t.Errorf("light levels %v, want [90 160]: 20+90 | 160+240, then 160 | 240", light)
	}
	if dark := otsuLevels(&hist, false, 3); !slices.Equal(dark, []uint8{90, 20}) {
		t.Errorf("dark levels %v, want [90 20]: 20+90 | 160+240, then 20 | 90", dark)
	}
	if one := otsuLevels(&hist, true, 1); len(one) != 1 {
		t.Errorf("depth 1 gave %v", one)
	}
}

// TestOCRPagesReadColourFromChroma draws glyph-like rings in blue on a grey of the same luma:
// no luma threshold separates them, the Cb page does.
func TestOCRPagesReadColourFromChroma(t *testing.T) {
	t.Parallel()
	grey := color.RGBA{42, 42, 42, 255} // the luma of the blue below
	blue := color.RGBA{16, 32, 160, 255}
	img := image.NewRGBA(image.Rect(0, 0, 400, 100))
	draw.Draw(img, img.Rect, image.NewUniform(grey), image.Point{}, draw.Src)
	for i := range 8 { // glyphs: 20×30 rings
		x := 20 + 30*i
		draw.Draw(img, image.Rect(x, 30, x+20, 60), image.NewUniform(blue), image.Point{}, draw.Src)
		draw.Draw(img, image.Rect(x+5, 35, x+15, 55), image.NewUniform(grey), image.Point{}, draw.Src)
	}
	if ch := channels(img); len(ch) != 2 { // luma and Cb; Cr hardly changes
		t.Fatalf("%d channels, want luma and Cb", len(ch))
	}
	pages := ocrPages(img)
	if len(pages) == 0 {
		t.Fatal("no page")
	}
	if n := alignedGlyphs(keepGlyphs(pages[0])); n != 8 {
		t.Fatalf("best page has %d aligned glyphs, want the 8 rings", n)
	}
	if g := image.NewGray(img.Rect); len(channels(g)) != 1 {
		t.Fatal("a grey image has chroma channels")
	}
}
