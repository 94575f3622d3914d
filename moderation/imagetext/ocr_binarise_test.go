package imagetext

import (
	"image"
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
	if n := keepGlyphs(b); n != 4 {
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
