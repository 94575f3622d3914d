package imagetext

import (
	"image"
	"image/draw"
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

// oriented returns img turned the way it is displayed, given its EXIF orientation o (1–8;
// anything else means 1, and img itself is returned): OCR reads horizontal lines only, and a
// phone photo is often stored on its side with orientation 6 or 8. A JPEG keeps its colour
// planes (as 4:4:4); other images become RGBA.
func oriented(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	w, h := W, H
	if o >= 5 { // the transposing orientations swap the sides
		w, h = H, W
	}
	// src maps a displayed pixel (x, y) to the stored one, relative to b.Min.
	src := func(x, y int) (int, int) {
		switch o {
		case 2:
			return W - 1 - x, y
		case 3:
			return W - 1 - x, H - 1 - y
		case 4:
			return x, H - 1 - y
		case 5:
			return y, x
		case 6:
			return y, H - 1 - x
		case 7:
			return W - 1 - y, H - 1 - x
		}
		return W - 1 - y, x // 8
	}
	if m, ok := img.(*image.YCbCr); ok {
		out := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio444)
		for y := range h {
			for x := range w {
				sx, sy := src(x, y)
				sx, sy = sx+b.Min.X, sy+b.Min.Y
				i, c := y*out.YStride+x, m.COffset(sx, sy)
				out.Y[i], out.Cb[i], out.Cr[i] = m.Y[m.YOffset(sx, sy)], m.Cb[c], m.Cr[c]
			}
		}
		return out
	}
	in := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(in, in.Rect, img, b.Min, draw.Src)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sx, sy := src(x, y)
			copy(out.Pix[out.PixOffset(x, y):][:4], in.Pix[in.PixOffset(sx, sy):])
		}
	}
	return out
}
