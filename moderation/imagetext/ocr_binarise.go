package imagetext

import "image"

// Preparing a strip for OCR. Tesseract reads dark text on a light, clean background best, at a
// cap height of 20 px or more; text over a photo is neither. Each strip is therefore upscaled
// when small, thresholded at its Otsu level and read in both polarities (dark text on light,
// light text on dark, inverted to dark on light): the engine keeps the reading it is most
// confident of.

// MinOCRHeight is the strip height below which a strip is upscaled ×2 before OCR: 24 px text
// gives strips of about 40–60 px, where Tesseract's recognition is weakest.
var MinOCRHeight = 96

// otsu returns the threshold t that best separates g's luma histogram into ≤ t and > t
// (Otsu's method: maximal between-class variance).
func otsu(g *image.Gray) uint8 {
	var hist [256]int
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := range h {
		for _, v := range g.Pix[y*g.Stride:][:w] {
			hist[v]++
		}
	}
	total := w * h
	var sum float64
	for v, n := range hist {
		sum += float64(v * n)
	}
	var best float64
	var t uint8
	var n0 int
	var sum0 float64
	for v := range 255 {
		n0 += hist[v]
		sum0 += float64(v * hist[v])
		n1 := total - n0
		if n0 == 0 || n1 == 0 {
			continue
		}
		m0, m1 := sum0/float64(n0), (sum-sum0)/float64(n1)
		if d := float64(n0) * float64(n1) * (m0 - m1) * (m0 - m1); d > best {
			best, t = d, uint8(v)
		}
	}
	return t
}

// binarised returns g thresholded at t as black text on white, with a white margin of pad
// pixels: pixels above t are text when light is set, pixels at or below t otherwise.
func binarised(g *image.Gray, t uint8, light bool, pad int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w+2*pad, h+2*pad))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := range h {
		row := g.Pix[y*g.Stride:][:w]
		dst := out.Pix[(y+pad)*out.Stride+pad:][:w]
		for x, v := range row {
			if (v > t) == light {
				dst[x] = 0
			}
		}
	}
	return out
}

// upscaled2 returns g enlarged ×2 by bilinear interpolation, as a new image at (0, 0).
func upscaled2(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, 2*w, 2*h))
	at := func(x, y int) int { return int(g.Pix[min(y, h-1)*g.Stride+min(x, w-1)]) }
	for y := range h {
		for x := range w {
			a, b, c, d := at(x, y), at(x+1, y), at(x, y+1), at(x+1, y+1)
			o := 2*y*out.Stride + 2*x
			out.Pix[o] = uint8(a)
			out.Pix[o+1] = uint8((a + b + 1) / 2)
			out.Pix[o+out.Stride] = uint8((a + c + 1) / 2)
			out.Pix[o+out.Stride+1] = uint8((a + b + c + d + 2) / 4)
		}
	}
	return out
}
