package imagetext

import (
	"image"
	"image/color"
	"iter"
	"slices"
)

// Preparing a strip for OCR. Tesseract reads dark text on a light, clean background best, at a
// cap height of 20 px or more; text over a photo is neither. Each strip is therefore upscaled
// when small and binarised several ways, each giving black text on white (pages):
//
//   - Its luma at multi-level Otsu thresholds, in both polarities: the Otsu level t, then the
//     Otsu level of the pixels above t, and of those above that (light text), and likewise
//     below (dark text). Text is drawn in a colour at an extreme of its strip, and a single
//     level often falls between two parts of the photo instead (sky and trees; a dark
//     background and a light stem under white text); the finer levels cut the text from the
//     nearer part.
//   - Its chroma (Cb, Cr) at their Otsu level in both polarities, when the strip is coloured:
//     blue, red or yellow text can have the luma of its background (blue on bark, blue on a
//     black and white wing) and still stand far from it in colour.
//
// Each page keeps only its glyphs on a line (keepGlyphs), and pages are ranked by how many
// glyphs share one bottom line and height (alignedGlyphs): text lines up, texture does not.
// Only the best few are read (MaxOCRPages); the engine keeps the reading it is most confident
// of.

// MinOCRHeight is the strip height below which a strip is upscaled ×2 before OCR: 24 px text
// gives strips of about 40–60 px, where Tesseract's recognition is weakest.
var MinOCRHeight = 96

// MaxOCRPages is the number of binarisations of a strip read by OCR, the most text-like ones.
// Every page read costs a Tesseract run (reading stops at the first contact); the text of
// nearly every strip is in the first three.
var MaxOCRPages = 3

const (
	// minPageGlyphs is the fewest aligned glyphs a page needs to be read. A contact has at
	// least six letters or digits (a WeChat id 6–20, a mobile number 11); one less leaves room
	// for two glyphs that binarisation joined. Most strips of pure texture have fewer.
	minPageGlyphs = 5
	otsuDepth     = 3 // multi-level Otsu thresholds tried in each polarity of the luma
	// minChromaRange is the spread of Cb or Cr (on 0–255) below which a strip has no colour
	// worth a page: grey photos and grey text skip the chroma pages.
	minChromaRange = 32
)

// page is one binarisation of a strip.
type page struct {
	img     *image.Gray
	aligned int // alignedGlyphs of its line glyphs
}

// ocrPages returns the binarisations of img worth reading (at least minPageGlyphs aligned
// glyphs), most text-like first, at most MaxOCRPages, each cropped to its glyphs.
func ocrPages(img image.Image) []*image.Gray {
	var pages []page
	for b := range binarisations(img) {
		glyphs := keepGlyphs(b)
		if n := alignedGlyphs(glyphs); n >= minPageGlyphs {
			pages = append(pages, page{croppedTo(b, glyphs), n})
		}
	}
	slices.SortStableFunc(pages, func(a, b page) int { return b.aligned - a.aligned })
	out := make([]*image.Gray, 0, MaxOCRPages)
	for _, p := range pages[:min(len(pages), MaxOCRPages)] {
		out = append(out, p.img)
	}
	return out
}

// worthReading reports whether ocrPages would give OCR at least one page of img to read,
// stopping at the first: a strip without one costs no OCR, so the pre-check drops it.
func worthReading(img image.Image) bool {
	for b := range binarisations(img) {
		if alignedGlyphs(keepGlyphs(b)) >= minPageGlyphs {
			return true
		}
	}
	return false
}

// binarisations yields the binarisations of img (see the top of this file): its luma at the
// multi-level Otsu thresholds in both polarities, then each coloured chroma plane at its Otsu
// level in both polarities, upscaled first when img is under MinOCRHeight. The most common
// way text comes apart (the luma at its Otsu level) comes first.
func binarisations(img image.Image) iter.Seq[*image.Gray] {
	return func(yield func(*image.Gray) bool) {
		for i, ch := range channels(img) {
			if ch.Rect.Dy() < MinOCRHeight {
				ch = upscaled2(ch)
			}
			pad := max(8, ch.Rect.Dy()/8)
			hist := histogram(ch)
			depth := otsuDepth
			if i > 0 { // chroma: coloured text stands apart at the first level
				depth = 1
			}
			for _, light := range []bool{false, true} {
				for _, t := range otsuLevels(&hist, light, depth) {
					if !yield(binarised(ch, t, light, pad)) {
						return
					}
				}
			}
		}
	}
}

// croppedTo returns b cut left and right to the columns of glyphs, widened by the height of
// the tallest (for the dots and strokes keepGlyphs keeps beside them): Tesseract's time grows
// with the width of the line it reads.
func croppedTo(b *image.Gray, glyphs []image.Rectangle) *image.Gray {
	var span image.Rectangle
	tall := 0
	for _, g := range glyphs {
		span, tall = span.Union(g), max(tall, g.Dy())
	}
	r := image.Rect(span.Min.X-tall, b.Rect.Min.Y, span.Max.X+tall, b.Rect.Max.Y).Intersect(b.Rect)
	return b.SubImage(r).(*image.Gray)
}

// channels returns the planes of img that are binarised: its luma, then its Cb and Cr planes
// when their values spread over at least minChromaRange.
func channels(img image.Image) []*image.Gray {
	out := []*image.Gray{lumaOf(img)}
	if _, grey := img.(*image.Gray); grey {
		return out
	}
	cb, cr := chroma(img)
	for _, c := range []*image.Gray{cb, cr} {
		lo, hi := slices.Min(c.Pix), slices.Max(c.Pix)
		if int(hi)-int(lo) >= minChromaRange {
			out = append(out, c)
		}
	}
	return out
}

// chroma returns the Cb and Cr planes of img at its full resolution, at (0, 0). A JPEG's
// planes are read in place (subsampled planes repeat their samples); other images are
// converted.
func chroma(img image.Image) (cb, cr *image.Gray) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cb, cr = image.NewGray(image.Rect(0, 0, w, h)), image.NewGray(image.Rect(0, 0, w, h))
	if m, ok := img.(*image.YCbCr); ok {
		for y := range h {
			for x := range w {
				o := m.COffset(b.Min.X+x, b.Min.Y+y)
				cb.Pix[y*w+x], cr.Pix[y*w+x] = m.Cb[o], m.Cr[o]
			}
		}
		return cb, cr
	}
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			_, cb.Pix[y*w+x], cr.Pix[y*w+x] = color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
		}
	}
	return cb, cr
}

func histogram(g *image.Gray) [256]int {
	var hist [256]int
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := range h {
		for _, v := range g.Pix[y*g.Stride:][:w] {
			hist[v]++
		}
	}
	return hist
}

// otsuLevels returns up to depth distinct thresholds of a multi-level Otsu split towards one
// end of hist: the Otsu level t of the whole histogram, then that of the values above t (when
// light) or at or below t, and so on, each level closer to the extreme.
func otsuLevels(hist *[256]int, light bool, depth int) []uint8 {
	var out []uint8
	lo, hi := 0, 255
	for range depth {
		t, ok := otsuRange(hist, lo, hi)
		if !ok {
			break
		}
		out = append(out, t)
		if light {
			lo = int(t) + 1
		} else {
			hi = int(t)
		}
	}
	return out
}

// otsu returns the threshold t that best separates g's luma histogram into ≤ t and > t
// (Otsu's method: maximal between-class variance).
func otsu(g *image.Gray) uint8 {
	hist := histogram(g)
	t, _ := otsuRange(&hist, 0, 255)
	return t
}

// otsuRange returns Otsu's threshold t of the values in [lo, hi] of hist (splitting them into
// ≤ t and > t), and false when they hold fewer than two distinct values.
func otsuRange(hist *[256]int, lo, hi int) (uint8, bool) {
	total := 0
	var sum float64
	for v := lo; v <= hi; v++ {
		total += hist[v]
		sum += float64(v * hist[v])
	}
	var best float64
	var t uint8
	var n0 int
	var sum0 float64
	found := false
	for v := lo; v < hi; v++ {
		n0 += hist[v]
		sum0 += float64(v * hist[v])
		n1 := total - n0
		if n0 == 0 || n1 == 0 {
			continue
		}
		m0, m1 := sum0/float64(n0), (sum-sum0)/float64(n1)
		if d := float64(n0) * float64(n1) * (m0 - m1) * (m0 - m1); d > best {
			best, t, found = d, uint8(v), true
		}
	}
	return t, found
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
