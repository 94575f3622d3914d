package imagetext

import (
	"encoding/binary"
	"image"
	"sync"
)

// lumaOf returns the luminance of img as a grey image whose bounds start at (0, 0), computed
// once per image. A JPEG's Y plane (and a grey image) is used as it is, without a copy; other
// types are converted, with transparent pixels composed onto white as a viewer shows them.
func lumaOf(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		return &image.Gray{Pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], Stride: m.YStride, Rect: image.Rect(0, 0, w, h)}
	case *image.Gray:
		return &image.Gray{Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], Stride: m.Stride, Rect: image.Rect(0, 0, w, h)}
	}
	p := image.NewGray(image.Rect(0, 0, w, h))
	switch m := img.(type) {
	case *image.RGBA: // alpha-premultiplied: white shows through as 255-a
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			out := p.Pix[y*w:][:w]
			for x := range out {
				q := row[4*x : 4*x+4 : 4*x+4]
				out[x] = uint8(min(255, luma8(q[0], q[1], q[2])+255-uint32(q[3])))
			}
		}
	case *image.NRGBA:
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			out := p.Pix[y*w:][:w]
			for x := range out {
				q := row[4*x : 4*x+4 : 4*x+4]
				a := uint32(q[3])
				out[x] = uint8((luma8(q[0], q[1], q[2])*a + 255*(255-a) + 127) / 255)
			}
		}
	default: // paletted, 16-bit, CMYK, ...: rare enough for the generic path
		for y := range h {
			out := p.Pix[y*w:][:w]
			for x := range out {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied, 16-bit
				l := (19595*r + 38470*g + 7471*bl + 1<<15) >> 16
				out[x] = uint8(min(0xffff, l+0xffff-a) >> 8)
			}
		}
	}
	return p
}

// luma8 is the Rec. 601 luminance of an 8-bit RGB triple.
func luma8(r, g, b uint8) uint32 {
	return (19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16
}

// scaled returns the rectangle r of g reduced k times by averaging k×k blocks, as a new grey
// image at (0, 0). r must lie inside g's bounds; k ≥ 1. The reduction is done in steps of 2
// and 3 (unrolled kernels; the first step reads every pixel of r once, the next ones a quarter
// or less), then of any factor left.
func scaled(g *image.Gray, r image.Rectangle, k int) *image.Gray {
	for _, f := range [...]int{2, 3} {
		if k%f == 0 && k > f {
			step := box(g, r, f)
			out := scaled(step, step.Rect, k/f)
			release(step)
			return out
		}
	}
	return box(g, r, k)
}

// grayPool recycles the pixels of reduced images (*[]byte). The QR reader's passes would
// otherwise leave about 200 KB of garbage per 1080×1440 photo, 8% more than its decode, and
// every GC cycle they bring forward briefly stops all the workers' decoders.
var grayPool sync.Pool

// newGray returns a w×h grey image at (0, 0), with pixels from grayPool when a large enough
// buffer is there. The pixels are not cleared: the caller writes them all.
func newGray(w, h int) *image.Gray {
	if p, ok := grayPool.Get().(*[]byte); ok && cap(*p) >= w*h {
		return &image.Gray{Pix: (*p)[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	return image.NewGray(image.Rect(0, 0, w, h))
}

// release gives the pixels of g, made by newGray and no longer used, back to grayPool.
func release(g *image.Gray) {
	p := g.Pix[:0]
	grayPool.Put(&p)
}

// box reduces the rectangle r of g by averaging f×f blocks, into an image of newGray.
func box(g *image.Gray, r image.Rectangle, f int) *image.Gray {
	w, h := r.Dx()/f, r.Dy()/f
	out := newGray(w, h)
	if w <= 0 || h <= 0 {
		return out
	}
	row := func(y int) []byte { return g.Pix[g.PixOffset(r.Min.X, r.Min.Y+y):][:w*f] }
	switch f {
	case 1:
		for y := range h {
			copy(out.Pix[y*w:(y+1)*w], row(y))
		}
	case 2:
		for y := range h {
			box2(out.Pix[y*w:][:w], row(2*y), row(2*y+1))
		}
	case 3:
		for y := range h {
			box3(out.Pix[y*w:][:w], row(3*y), row(3*y+1), row(3*y+2))
		}
	default:
		sums := make([]uint32, w) // block sums of one output row
		n := uint32(f * f)
		for y := range h {
			clear(sums)
			for yy := range f {
				src := row(y*f + yy)
				for x := range sums {
					var s uint32
					for _, v := range src[x*f : (x+1)*f] {
						s += uint32(v)
					}
					sums[x] += s
				}
			}
			dst := out.Pix[y*w:][:w]
			for x, s := range sums {
				dst[x] = uint8((s + n/2) / n)
			}
		}
	}
	return out
}

// The 2×2 and 3×3 kernels work on eight source bytes at a time (SWAR): a 64-bit word of
// pixels is split into its even and odd bytes, each widened to a 16-bit lane, so that the
// sums of a column of two or three pixels, and of two such columns, fit in their lanes
// without carries. They reduce the whole-image pass of the QR reader (the image's every
// pixel) about three times faster than adding bytes one by one, with the same results.

// evenBytes masks the even bytes of a little-endian word: lanes of 16 bits.
const evenBytes = 0x00FF00FF00FF00FF

// lanes returns the even and odd bytes of the 8 bytes at p[i:] as four 16-bit lanes each.
func lanes(p []byte, i int) (even, odd uint64) {
	v := binary.LittleEndian.Uint64(p[i:])
	return v & evenBytes, v >> 8 & evenBytes
}

// box2 writes dst[x] = mean of a[2x:2x+2] and b[2x:2x+2], rounded (len(a), len(b) ≥ 2·len(dst)).
func box2(dst, a, b []byte) {
	x := 0
	for ; x+4 <= len(dst); x += 4 { // 8 source columns, 4 outputs
		ae, ao := lanes(a, 2*x)
		be, bo := lanes(b, 2*x)
		s := (ae + ao + be + bo + 0x0002000200020002) >> 2 & evenBytes // lane L: output x+L
		d := (*[4]byte)(dst[x : x+4])
		d[0], d[1], d[2], d[3] = byte(s), byte(s>>16), byte(s>>32), byte(s>>48)
	}
	for ; x < len(dst); x++ {
		i := 2 * x
		dst[x] = uint8((uint32(a[i]) + uint32(a[i+1]) + uint32(b[i]) + uint32(b[i+1]) + 2) >> 2)
	}
}

// box3 writes dst[x] = mean of a, b and c[3x:3x+3], rounded (each ≥ 3·len(dst) long).
func box3(dst, a, b, c []byte) {
	x := 0
	for ; x+8 <= len(dst); x += 8 { // 24 source columns in three words, 8 outputs
		i := 3 * x
		pa, pb, pc := (*[24]byte)(a[i:i+24]), (*[24]byte)(b[i:i+24]), (*[24]byte)(c[i:i+24])
		d := (*[8]byte)(dst[x : x+8])
		// Lane L holds the column sums of columns 2L (e), 2L+1 (o) and both (s) of a word.
		e, o := colSums3(pa[0:8], pb[0:8], pc[0:8])
		s := e + o
		d[0] = div9(lane(s, 0) + lane(e, 1)) // columns 0, 1, 2
		d[1] = div9(lane(o, 1) + lane(s, 2)) // 3, 4, 5
		carry := lane(s, 3)                  // 6, 7
		e, o = colSums3(pa[8:16], pb[8:16], pc[8:16])
		s = e + o
		d[2] = div9(carry + lane(e, 0))      // 8
		d[3] = div9(lane(o, 0) + lane(s, 1)) // 9, 10, 11
		d[4] = div9(lane(s, 2) + lane(e, 3)) // 12, 13, 14
		carry = lane(o, 3)                   // 15
		e, o = colSums3(pa[16:24], pb[16:24], pc[16:24])
		s = e + o
		d[5] = div9(carry + lane(s, 0))      // 16, 17
		d[6] = div9(lane(s, 1) + lane(e, 2)) // 18, 19, 20
		d[7] = div9(lane(o, 2) + lane(s, 3)) // 21, 22, 23
	}
	for ; x < len(dst); x++ {
		i := 3 * x
		dst[x] = div9(uint32(a[i]) + uint32(a[i+1]) + uint32(a[i+2]) + uint32(b[i]) + uint32(b[i+1]) +
			uint32(b[i+2]) + uint32(c[i]) + uint32(c[i+1]) + uint32(c[i+2]))
	}
}

// colSums3 returns the column sums of three 8-byte rows: of the even columns and of the odd
// ones, as 16-bit lanes.
func colSums3(a, b, c []byte) (even, odd uint64) {
	va, vb, vc := binary.LittleEndian.Uint64(a), binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(c)
	return va&evenBytes + vb&evenBytes + vc&evenBytes, va>>8&evenBytes + vb>>8&evenBytes + vc>>8&evenBytes
}

// lane returns 16-bit lane l of v.
func lane(v uint64, l uint) uint32 { return uint32(v >> (16 * l) & 0xFFFF) }

// div9 is s/9 rounded, exact for s ≤ 9·255.
func div9(s uint32) uint8 { return uint8((s*7282 + 1<<15) >> 16) }
