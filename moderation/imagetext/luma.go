package imagetext

import "image"

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
			return scaled(box(g, r, f), image.Rect(0, 0, r.Dx()/f, r.Dy()/f), k/f)
		}
	}
	return box(g, r, k)
}

// box reduces the rectangle r of g by averaging f×f blocks.
func box(g *image.Gray, r image.Rectangle, f int) *image.Gray {
	w, h := r.Dx()/f, r.Dy()/f
	out := image.NewGray(image.Rect(0, 0, w, h))
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
			a, b, dst := row(2*y), row(2*y+1), out.Pix[y*w:][:w]
			for x := range dst {
				i := 2 * x
				dst[x] = uint8((uint32(a[i]) + uint32(a[i+1]) + uint32(b[i]) + uint32(b[i+1]) + 2) >> 2)
			}
		}
	case 3:
		for y := range h {
			a, b, c, dst := row(3*y), row(3*y+1), row(3*y+2), out.Pix[y*w:][:w]
			for x := range dst {
				i := 3 * x
				s := uint32(a[i]) + uint32(a[i+1]) + uint32(a[i+2]) + uint32(b[i]) + uint32(b[i+1]) +
					uint32(b[i+2]) + uint32(c[i]) + uint32(c[i+1]) + uint32(c[i+2])
				dst[x] = uint8((s*7282 + 1<<15) >> 16) // s/9 rounded, exact for s ≤ 9·255
			}
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
