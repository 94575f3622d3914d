package imagehash

import (
	"fmt"
	"image"
	"math"
	"math/bits"
	"sync"

	"github.com/corona10/goimagehash"
	"github.com/corona10/goimagehash/etcs"
	"github.com/corona10/goimagehash/transforms"
	"golang.org/x/image/draw"
)

// Variant names reported in moderation.ImageMatch.Variant: which query variant matched.
const (
	VariantNone       = ""           // the image as uploaded (after border trimming)
	VariantMirror     = "mirror"     // horizontal mirror
	VariantRot90      = "rot90"      // rotated 90° clockwise
	VariantRot180     = "rot180"     // rotated 180°
	VariantRot270     = "rot270"     // rotated 270° clockwise
	VariantTranspose  = "transpose"  // mirror of rot90
	VariantTransverse = "transverse" // mirror of rot270
	VariantFlip       = "flip"       // vertical flip
	VariantCrop       = "crop"       // central crop of one side matched the other whole
	VariantContent    = "content"    // the main content block (a screenshot of the photo)
)

// dihedralNames names the eight dihedral transforms in the order Fingerprint.Dihedral holds them.
var dihedralNames = [8]string{VariantNone, VariantMirror, VariantRot90, VariantRot180, VariantRot270,
	VariantTranspose, VariantTransverse, VariantFlip}

// Tuning of the normalisation. Changing any of these changes stored hashes: the golden hash
// test notices it.
const (
	workMax      = 256  // longest side of the working grey image
	hashSide     = 64   // side of the image the pHash DCT sees
	trimTol      = 10   // a border row/column is uniform when max-min ≤ 2*trimTol
	cropFrac     = 0.8  // the centre-crop hash keeps this fraction of each side
	minQuality   = 12.0 // standard deviation (0–255) below which an image is too flat to match
	contentTol   = 8    // a pixel differs from the background colour when |Δ| > contentTol
	contentFill  = 0.5  // a row/column belongs to the content block when this fraction differs
	contentEdges = 0.1  // ... or when this fraction of adjacent pixel pairs differ (texture)
	contentMin   = 0.25 // the content block must span this fraction of each side
)

// Fingerprint is everything the index needs about one image: the primary pHash, the dHash,
// the centre-crop pHash, the pHashes of the dihedral variants (index 0 is PHash) and, when the
// image looks like a screenshot, the pHash of its main content block.
type Fingerprint struct {
	PHash    uint64
	DHash    uint64
	Crop     uint64
	Dihedral [8]uint64
	// DihedralD holds the dHashes of the same variants (index 0 is DHash).
	DihedralD [8]uint64
	Content   uint64
	// CropD and ContentD are the dHashes of the centre crop and the content block.
	CropD, ContentD uint64
	// HasContent reports whether Content was computed (a distinct content block was found).
	HasContent bool
	// Quality is the standard deviation of the normalised grey image (0–255).
	Quality float64
	// LowQuality marks near-uniform images: they are never matched nor indexed.
	LowQuality bool
}

// Hex formats a 64-bit hash as 16 lower-case hex digits.
func Hex(h uint64) string { return fmt.Sprintf("%016x", h) }

// Distance is the Hamming distance of two 64-bit hashes.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// FingerprintImage computes the fingerprint of a decoded image. orientation is the EXIF
// orientation (1–8; anything else means 1). The cost does not grow much with the image size:
// the image is reduced to at most 512 px on its longest side first.
func FingerprintImage(img image.Image, orientation int) (Fingerprint, error) {
	work := shrink(img)
	defer releaseGray(work)
	g := trim(orient(work, orientation))
	var fp Fingerprint
	in := newIntegral(g)
	defer in.release()
	small := in.toHashSize(g.Bounds())
	fp.Quality = stddev(small)
	fp.LowQuality = fp.Quality < minQuality
	fp.Dihedral = phashDihedral(small)
	var err error
	if fp.DihedralD, err = dhashDihedral(small); err != nil {
		return fp, err
	}
	fp.PHash, fp.DHash = fp.Dihedral[0], fp.DihedralD[0]
	b := g.Bounds()
	cw, ch := int(float64(b.Dx())*cropFrac+0.5), int(float64(b.Dy())*cropFrac+0.5)
	x0, y0 := b.Min.X+(b.Dx()-cw)/2, b.Min.Y+(b.Dy()-ch)/2
	cr := image.Rect(x0, y0, x0+cw, y0+ch)
	if fp.Crop, fp.CropD, err = phashD(in.toHashSize(cr)); err != nil {
		return fp, err
	}
	if r, ok := contentBox(g); ok {
		if fp.Content, fp.ContentD, err = phashD(in.toHashSize(r)); err != nil {
			return fp, err
		}
		fp.HasContent = true
	}
	return fp, nil
}

func phashD(img *image.RGBA) (uint64, uint64, error) {
	p, err := phash(img)
	if err != nil {
		return 0, 0, err
	}
	d, err := dhash(img)
	return p, d, err
}

// dhash is goimagehash's difference hash of a hash-size image. It is given the 9×8 image the
// hash compares, averaged here, so goimagehash does not resize (its resizer starts goroutines
// and allocates per call).
func dhash(img *image.RGBA) (uint64, error) {
	small := areaScale(img.Pix, img.Stride, 4, img.Bounds().Dx(), img.Bounds().Dy(), 9, 8)
	d, err := goimagehash.DifferenceHash(small)
	if err != nil {
		return 0, fmt.Errorf("dhash: %w", err)
	}
	return d.GetHash(), nil
}

// coefMap says how dihedral transform k acts on the DCT-II coefficients C(v, u) of a square
// image: a mirror of output x multiplies C by (-1)^u, of output y by (-1)^v, and a transpose
// swaps u and v. It is derived from mapPoint so the two cannot disagree.
var coefMap = func() (m [8]struct{ transpose, mx, my bool }) {
	const n = 64
	for k := range 8 {
		x0, y0 := mapPoint(k, 0, 0, n, n)
		x1, y1 := mapPoint(k, 1, 0, n, n) // one step along source x
		x2, y2 := mapPoint(k, 0, 1, n, n) // one step along source y
		t := y1 != y0
		m[k].transpose = t
		if t {
			m[k].mx, m[k].my = x2 < x0, y1 < y0
		} else {
			m[k].mx, m[k].my = x1 < x0, y2 < y0
		}
	}
	return m
}()

// phashDihedral returns goimagehash's pHash of the eight dihedral transforms of a hash-size
// image from one DCT: transforms of the image only permute and negate the DCT coefficients, so
// the hash of each transform follows from the coefficients of the original. It uses
// goimagehash's own grey conversion, DCT, flattening and median, so index 0 equals
// goimagehash.PerceptionHash(img) (a test checks every variant against hashing the
// transformed pixels).
func phashDihedral(img *image.RGBA) [8]uint64 {
	pixels := make([]float64, hashSide*hashSide)
	transforms.Rgb2GrayFast(img, &pixels)
	transforms.DCT2DFast64(&pixels)
	low := transforms.FlattenPixelsFast64(pixels, 8, 8) // low[v*8+u] = C(v, u)
	var out [8]uint64
	var c [64]float64
	for k, m := range coefMap {
		for v := range 8 {
			for u := range 8 {
				x := low[v*8+u]
				if m.transpose {
					x = low[u*8+v]
				}
				if m.mx && u%2 == 1 {
					x = -x
				}
				if m.my && v%2 == 1 {
					x = -x
				}
				c[v*8+u] = x
			}
		}
		median := etcs.MedianOfPixelsFast64(c[:])
		var h uint64
		for idx, p := range c {
			if p > median {
				h |= 1 << (64 - idx - 1)
			}
		}
		out[k] = h
	}
	return out
}

func phash(img *image.RGBA) (uint64, error) {
	h, err := goimagehash.PerceptionHash(img)
	if err != nil {
		return 0, fmt.Errorf("phash: %w", err)
	}
	return h.GetHash(), nil
}

// shrink returns a grey copy of img whose longest side is at most workMax. JPEG (YCbCr) and grey
// images are reduced by exact box averaging of the luma plane, which reads every source pixel
// once; other types are scaled with golang.org/x/image/draw.
func shrink(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := (max(w, h) + workMax - 1) / workMax
	switch src := img.(type) {
	case *image.YCbCr:
		return boxGray(src.Y, src.YStride, src.YOffset(b.Min.X, b.Min.Y), w, h, k)
	case *image.Gray:
		return boxGray(src.Pix, src.Stride, src.PixOffset(b.Min.X, b.Min.Y), w, h, k)
	}
	dw, dh := max(1, w/k), max(1, h/k)
	rgba := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// Transparent pixels are composed onto white, as a viewer would show them.
	draw.Draw(rgba, rgba.Bounds(), image.White, image.Point{}, draw.Src)
	draw.BiLinear.Scale(rgba, rgba.Bounds(), img, b, draw.Over, nil)
	g := newGray(dw, dh)
	for i := 0; i < dw*dh; i++ {
		p := rgba.Pix[4*i : 4*i+3 : 4*i+3]
		g.Pix[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
	return g
}

// boxGray averages k×k blocks of an 8-bit plane.
func boxGray(pix []uint8, stride, off, w, h, k int) *image.Gray {
	dw, dh := max(1, w/k), max(1, h/k)
	g := newGray(dw, dh)
	if k == 1 {
		for y := range dh {
			copy(g.Pix[y*dw:(y+1)*dw], pix[off+y*stride:off+y*stride+dw])
		}
		return g
	}
	// Average a regular grid of 2×2 (or 3×3 for odd k) samples of each k×k block: after the further
	// reduction to 64×64 this is indistinguishable from the full average, and it reads at most
	// a quarter of the pixels of large uploads. Even k (most uploads: 6 for 1080×1440) takes
	// the four samples of each block directly; odd k sums the samples of each block row by row.
	step := max(1, k/2)
	if k%2 == 0 { // samples at 0 and k/2 of each side
		for y := range dh {
			r0 := pix[off+y*k*stride:][:dw*k]
			r1 := pix[off+(y*k+step)*stride:][:dw*k]
			out := g.Pix[y*dw : (y+1)*dw]
			for x := range out {
				i := x * k
				out[x] = uint8((uint32(r0[i]) + uint32(r0[i+step]) + uint32(r1[i]) + uint32(r1[i+step]) + 2) / 4)
			}
		}
		return g
	}
	// The sample columns are 0, step, … of each block, not of the row: with an even step
	// (k = 5, 9, …) the row's own grid misses every other block.
	sums := make([]uint32, dw)
	taps := uint32((k + step - 1) / step)
	n := taps * taps
	for y := range dh {
		clear(sums)
		for yy := 0; yy < k; yy += step {
			row := pix[off+(y*k+yy)*stride:][:dw*k]
			for x := range sums {
				block := row[x*k : x*k+k]
				for xx := 0; xx < k; xx += step {
					sums[x] += uint32(block[xx])
				}
			}
		}
		out := g.Pix[y*dw : (y+1)*dw]
		for x, s := range sums {
			out[x] = uint8((s + n/2) / n)
		}
	}
	return g
}

// orient applies an EXIF orientation so that the image is the way it is displayed.
func orient(g *image.Gray, o int) *image.Gray {
	// EXIF orientation → dihedral transform index (see dihedral).
	m := [9]int{1: 0, 2: 1, 3: 3, 4: 7, 5: 5, 6: 2, 7: 6, 8: 4}
	if o < 2 || o > 8 {
		return g
	}
	return transformGray(g, m[o])
}

// transformGray applies dihedral transform k (see dihedral) to a grey image.
func transformGray(g *image.Gray, k int) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if k == 2 || k == 4 || k == 5 || k == 6 {
		ow, oh = h, w
	}
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			ox, oy := mapPoint(k, x, y, w, h)
			out.Pix[oy*ow+ox] = g.Pix[g.PixOffset(b.Min.X+x, b.Min.Y+y)]
		}
	}
	return out
}

// mapPoint maps source pixel (x, y) of a w×h image to its place under dihedral transform k:
// 0 identity, 1 mirror, 2 rot90 cw, 3 rot180, 4 rot270 cw, 5 transpose, 6 transverse, 7 flip.
func mapPoint(k, x, y, w, h int) (int, int) {
	switch k {
	case 1:
		return w - 1 - x, y
	case 2:
		return h - 1 - y, x
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return y, w - 1 - x
	case 5:
		return y, x
	case 6:
		return h - 1 - y, w - 1 - x
	case 7:
		return x, h - 1 - y
	}
	return x, y
}

// dihedralInverse[k] is the transform that undoes dihedral transform k (see mapPoint).
var dihedralInverse = [8]int{0, 1, 4, 3, 2, 5, 6, 7}

// dhashDihedral returns the dHashes of the eight dihedral transforms of a hash-size image
// (index 0 is dhash(img)). Querying with the transforms of an upload finds a stored original
// that the upload is a mirror or rotation of. Each is goimagehash's difference hash of the
// 9×8 area average of the transformed image; as a transform maps rectangles to rectangles,
// the sum of each block is read from a summed-area table of img instead of transforming
// the pixels (a test checks every variant against hashing the transformed pixels).
func dhashDihedral(img *image.RGBA) ([8]uint64, error) {
	const n, w, h = hashSide, 9, 8
	var sat [(n + 1) * (n + 1)]uint32 // sat[y*(n+1)+x] = sum of the grey values above-left of (x, y)
	for y := range n {
		var acc uint32
		for x := range n {
			acc += uint32(img.Pix[y*img.Stride+4*x])
			sat[(y+1)*(n+1)+x+1] = sat[y*(n+1)+x+1] + acc
		}
	}
	var out [8]uint64
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	for k := range out {
		for by := range h {
			y0, y1 := blockSpan(by, n, h)
			for bx := range w {
				x0, x1 := blockSpan(bx, n, w)
				// The block's first and last pixels in img give its rectangle there.
				ax, ay := mapPoint(dihedralInverse[k], x0, y0, n, n)
				zx, zy := mapPoint(dihedralInverse[k], x1-1, y1-1, n, n)
				sx0, sx1, sy0, sy1 := min(ax, zx), max(ax, zx)+1, min(ay, zy), max(ay, zy)+1
				sum := sat[sy1*(n+1)+sx1] - sat[sy0*(n+1)+sx1] - sat[sy1*(n+1)+sx0] + sat[sy0*(n+1)+sx0]
				c := uint32((y1 - y0) * (x1 - x0))
				v := uint8((sum + c/2) / c)
				p := small.Pix[by*small.Stride+4*bx : by*small.Stride+4*bx+4 : by*small.Stride+4*bx+4]
				p[0], p[1], p[2], p[3] = v, v, v, 255
			}
		}
		d, err := goimagehash.DifferenceHash(small)
		if err != nil {
			return out, fmt.Errorf("dhash: %w", err)
		}
		out[k] = d.GetHash()
	}
	return out, nil
}

// integral is a summed-area table of a grey image: sum(x0, y0, x1, y1) of any rectangle in
// four lookups, so every hash-size reduction of the working image (whole, crop, content
// block) costs 64×64 lookups.
type integral struct {
	w, h int
	s    []uint32 // (w+1)×(h+1), row-major; s[y*(w+1)+x] = sum of pixels above-left of (x, y)
	off  image.Point
}

func newIntegral(g *image.Gray) *integral {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	in := &integral{w: w, h: h, s: getSums((w + 1) * (h + 1)), off: b.Min}
	clear(in.s[:w+1]) // the first row and column are zero; the rest is written below
	for y := range h {
		row := g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y):][:w]
		prev := in.s[y*(w+1) : (y+1)*(w+1)]
		cur := in.s[(y+1)*(w+1) : (y+2)*(w+1)]
		cur[0] = 0
		var acc uint32
		for x, v := range row {
			acc += uint32(v)
			cur[x+1] = prev[x+1] + acc
		}
	}
	return in
}

// release gives the table's memory back to the pool; in must not be used after.
func (in *integral) release() {
	p := in.s[:0]
	sumsPool.Put(&p)
	in.s = nil
}

// Pools of the working images (*[]uint8) and summed-area tables (*[]uint32) of FingerprintImage,
// about 220 KB per 1080×1440 photo: reusing them keeps hashing from bringing GC cycles
// forward, each of which briefly stops every worker's decoder.
var grayPool, sumsPool sync.Pool

// newGray returns a w×h grey image at (0, 0) whose pixels, from grayPool when a large enough
// buffer is there, are not cleared: the caller writes them all.
func newGray(w, h int) *image.Gray {
	if p, ok := grayPool.Get().(*[]uint8); ok && cap(*p) >= w*h {
		return &image.Gray{Pix: (*p)[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	return image.NewGray(image.Rect(0, 0, w, h))
}

// releaseGray gives the pixels of g, made by newGray and no longer used, back to grayPool.
func releaseGray(g *image.Gray) {
	p := g.Pix[:0]
	grayPool.Put(&p)
}

// getSums returns n uint32s, from sumsPool when a large enough buffer is there, not cleared.
func getSums(n int) []uint32 {
	if p, ok := sumsPool.Get().(*[]uint32); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint32, n)
}

// toHashSize reduces region r (in g's coordinates) to hashSide×hashSide by area averaging,
// as grey values in an RGBA image (the type goimagehash reads fastest).
func (in *integral) toHashSize(r image.Rectangle) *image.RGBA {
	r = r.Sub(in.off)
	dst := image.NewRGBA(image.Rect(0, 0, hashSide, hashSide))
	rw, rh, W := r.Dx(), r.Dy(), in.w+1
	var xs [hashSide + 1]int
	for x := range xs {
		xs[x] = r.Min.X + x*rw/hashSide
	}
	for y := range hashSide {
		y0 := r.Min.Y + y*rh/hashSide
		y1 := max(r.Min.Y+(y+1)*rh/hashSide, y0+1)
		top, bot := in.s[y0*W:], in.s[y1*W:]
		for x := range hashSide {
			x0, x1 := xs[x], max(xs[x+1], xs[x]+1)
			sum := bot[x1] - bot[x0] - top[x1] + top[x0]
			n := uint32((y1 - y0) * (x1 - x0))
			v := uint8((sum + n/2) / n)
			p := dst.Pix[y*dst.Stride+4*x : y*dst.Stride+4*x+4 : y*dst.Stride+4*x+4]
			p[0], p[1], p[2], p[3] = v, v, v, 255
		}
	}
	return dst
}

// toHashSize reduces region r of g to hashSide×hashSide (see integral.toHashSize).
func toHashSize(g *image.Gray, r image.Rectangle) *image.RGBA {
	return newIntegral(g).toHashSize(r)
}

// blockSpan returns the samples [lo, hi) of block i when size samples are split into parts
// blocks: at least one sample each, so that an image smaller than the grid still fills it.
func blockSpan(i, size, parts int) (lo, hi int) {
	lo = i * size / parts
	return lo, max((i+1)*size/parts, lo+1)
}

// areaScale averages a rw×rh region of 8-bit samples (row stride, sample step) into w×h
// blocks, written as grey RGBA.
func areaScale(pix []uint8, stride, step, rw, rh, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := blockSpan(y, rh, h)
		for x := range w {
			x0, x1 := blockSpan(x, rw, w)
			var s uint32
			for yy := y0; yy < y1; yy++ {
				row := pix[yy*stride:]
				for xx := x0; xx < x1; xx++ {
					s += uint32(row[xx*step])
				}
			}
			n := uint32((y1 - y0) * (x1 - x0))
			v := uint8((s + n/2) / n)
			p := dst.Pix[y*dst.Stride+4*x : y*dst.Stride+4*x+4 : y*dst.Stride+4*x+4]
			p[0], p[1], p[2], p[3] = v, v, v, 255
		}
	}
	return dst
}

func stddev(img *image.RGBA) float64 {
	var s, s2 float64
	n := float64(hashSide * hashSide)
	for i := 0; i < len(img.Pix); i += 4 {
		v := float64(img.Pix[i])
		s += v
		s2 += v * v
	}
	m := s / n
	return math.Sqrt(max(0, s2/n-m*m))
}

// trim removes uniform borders (letterboxing, padding, flat screenshot margins): rows and
// columns at the edges whose values span at most 2*trimTol. It never trims to less than a
// quarter of a side; an image that is uniform everywhere is returned unchanged.
func trim(g *image.Gray) *image.Gray {
	b := g.Bounds()
	uniform := func(x0, y0, x1, y1 int) bool {
		lo, hi := uint8(255), uint8(0)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				v := g.Pix[g.PixOffset(x, y)]
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		return int(hi)-int(lo) <= 2*trimTol
	}
	x0, y0, x1, y1 := b.Min.X, b.Min.Y, b.Max.X, b.Max.Y
	for y0 < y1 && uniform(x0, y0, x1, y0+1) {
		y0++
	}
	for y1 > y0 && uniform(x0, y1-1, x1, y1) {
		y1--
	}
	for x0 < x1 && uniform(x0, y0, x0+1, y1) {
		x0++
	}
	for x1 > x0 && uniform(x1-1, y0, x1, y1) {
		x1--
	}
	if (x1-x0)*4 < b.Dx() || (y1-y0)*4 < b.Dy() {
		return g
	}
	return g.SubImage(image.Rect(x0, y0, x1, y1)).(*image.Gray)
}

// contentBox finds the main content block of a screenshot-like image: the longest run of rows
// in which most pixels differ from the background colour (taken from the corners), then the
// longest run of such columns inside it. ok is false when the block is the whole image or too
// small to be a photo.
func contentBox(g *image.Gray) (image.Rectangle, bool) {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 16 || h < 16 {
		return image.Rectangle{}, false
	}
	bg, ok := borderColour(g)
	if !ok {
		return image.Rectangle{}, false // no common background colour
	}
	differs := func(x, y int) bool { return abs(int(g.Pix[g.PixOffset(x, y)])-bg) > contentTol }
	bestRun := func(n int, busy func(i int) bool) (int, int) {
		s, e, cur := 0, 0, -1
		for i := 0; i <= n; i++ {
			if i < n && busy(i) {
				if cur < 0 {
					cur = i
				}
				continue
			}
			if cur >= 0 && i-cur > e-s {
				s, e = cur, i
			}
			cur = -1
		}
		return s, e
	}
	ys, ye := bestRun(h, func(y int) bool {
		c, e := 0, 0
		for x := range w {
			if differs(b.Min.X+x, b.Min.Y+y) {
				c++
			}
			if x > 0 && abs(int(g.Pix[g.PixOffset(b.Min.X+x, b.Min.Y+y)])-int(g.Pix[g.PixOffset(b.Min.X+x-1, b.Min.Y+y)])) > contentTol {
				e++
			}
		}
		return float64(c) >= contentFill*float64(w) || float64(e) >= contentEdges*float64(w)
	})
	if float64(ye-ys) < contentMin*float64(h) {
		return image.Rectangle{}, false
	}
	xs, xe := bestRun(w, func(x int) bool {
		c := 0
		for y := ys; y < ye; y++ {
			if differs(b.Min.X+x, b.Min.Y+y) {
				c++
			}
		}
		return float64(c) >= contentFill*float64(ye-ys)
	})
	if float64(xe-xs) < contentMin*float64(w) {
		return image.Rectangle{}, false
	}
	r := image.Rect(b.Min.X+xs, b.Min.Y+ys, b.Min.X+xe, b.Min.Y+ye)
	if r.Dx()*r.Dy() > w*h*9/10 {
		return image.Rectangle{}, false // the block is (nearly) the whole image
	}
	return r, true
}

// borderColour returns the most common value of the outermost pixels of g, when at least half
// of them are within contentTol of it.
func borderColour(g *image.Gray) (int, bool) {
	b := g.Bounds()
	var hist [256]int
	n := 0
	add := func(x, y int) { hist[g.Pix[g.PixOffset(x, y)]]++; n++ }
	for x := b.Min.X; x < b.Max.X; x++ {
		add(x, b.Min.Y)
		add(x, b.Max.Y-1)
	}
	for y := b.Min.Y + 1; y < b.Max.Y-1; y++ {
		add(b.Min.X, y)
		add(b.Max.X-1, y)
	}
	mode := 0
	for v, c := range hist {
		if c > hist[mode] {
			mode = v
		}
	}
	near := 0
	for v := max(0, mode-contentTol); v <= min(255, mode+contentTol); v++ {
		near += hist[v]
	}
	return mode, near*2 >= n
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
