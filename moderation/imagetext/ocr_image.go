package imagetext

import (
	"bytes"
	"image"
	"strconv"
)

// reduced returns g averaged over k×k blocks (g itself when k ≤ 1).
func reduced(g *image.Gray, k int) *image.Gray {
	if k <= 1 {
		return g
	}
	return scaled(g, g.Rect, k)
}

// factorFor returns the smallest integer reduction factor that brings a w×h image within
// maxSide on its longest side (maxSide > 0) and within maxPixels pixels (maxPixels > 0).
func factorFor(w, h, maxSide int, maxPixels int64) int {
	k := 1
	if maxSide > 0 {
		k = max(k, (max(w, h)+maxSide-1)/maxSide)
	}
	for maxPixels > 0 && int64(w/k)*int64(h/k) > maxPixels {
		k++
	}
	return k
}

// encodePGM encodes g as a binary PGM (P5), the cheapest format Leptonica reads from memory.
func encodePGM(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var b bytes.Buffer
	b.Grow(w*h + 32)
	b.WriteString("P5\n" + strconv.Itoa(w) + " " + strconv.Itoa(h) + "\n255\n")
	for y := range h {
		b.Write(g.Pix[y*g.Stride:][:w])
	}
	return b.Bytes()
}
