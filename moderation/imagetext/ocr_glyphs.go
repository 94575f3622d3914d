package imagetext

import "image"

// Text over a textured photo binarises into glyphs and a lot of texture. Tesseract reads the
// texture as noise (and slowly), so before OCR each binarised strip keeps only the connected
// components that look like glyphs on a line: a plausible size, and at least minLineGlyphs
// other glyph-sized components of similar height overlapping them vertically nearby.

const minLineGlyphs = 2

type glyphBox struct {
	r    image.Rectangle
	area int
}

// keepGlyphs whitens the black components of b (black text on white) that are not glyphs on
// a line, in place, and reports how many components it kept.
func keepGlyphs(b *image.Gray) int {
	w, h := b.Rect.Dx(), b.Rect.Dy()
	label := make([]int32, w*h)
	var boxes []glyphBox
	stack := make([]int, 0, 256)
	for i, v := range b.Pix[:w*h] {
		if v != 0 || label[i] != 0 {
			continue
		}
		id := int32(len(boxes) + 1)
		gb := glyphBox{r: image.Rect(i%w, i/w, i%w+1, i/w+1)}
		label[i] = id
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%w, p/w
			gb.area++
			gb.r = gb.r.Union(image.Rect(x, y, x+1, y+1))
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				q := ny*w + nx
				if b.Pix[q] == 0 && label[q] == 0 {
					label[q] = id
					stack = append(stack, q)
				}
			}
		}
		boxes = append(boxes, gb)
	}
	glyph := make([]bool, len(boxes))
	for i, g := range boxes {
		gw, gh := g.r.Dx(), g.r.Dy()
		fill := float64(g.area) / float64(gw*gh)
		glyph[i] = gh >= 8 && gh <= h*9/10 && gw <= 3*gh && fill > 0.08 && fill < 0.95
	}
	keep := make([]bool, len(boxes))
	kept := 0
	for i, g := range boxes {
		if !glyph[i] {
			continue
		}
		n := 0
		for j, o := range boxes {
			if j == i || !glyph[j] {
				continue
			}
			gh, oh := g.r.Dy(), o.r.Dy()
			if 2*oh < gh || oh > 2*gh { // similar height (within ×2)
				continue
			}
			ov := min(g.r.Max.Y, o.r.Max.Y) - max(g.r.Min.Y, o.r.Min.Y)
			if 2*ov < min(gh, oh) { // overlapping vertically by half the smaller
				continue
			}
			if gap := max(o.r.Min.X-g.r.Max.X, g.r.Min.X-o.r.Max.X); gap > 2*max(gh, oh) {
				continue
			}
			n++
			if n >= minLineGlyphs {
				break
			}
		}
		if n >= minLineGlyphs {
			keep[i] = true
			kept++
		}
	}
	// Dots, colons and the loose strokes of ideographs (信 is 亻 and 言) go with a line
	// glyph they sit beside, within its height.
	for i, g := range boxes {
		if keep[i] || g.r.Dy() > h*9/10 || g.r.Dx() > h {
			continue
		}
		for j, o := range boxes {
			if !keep[j] || j == i || g.r.Dy() > o.r.Dy()*3/2 {
				continue
			}
			inLine := g.r.Min.Y >= o.r.Min.Y-o.r.Dy()/4 && g.r.Max.Y <= o.r.Max.Y+o.r.Dy()/4
			gap := max(o.r.Min.X-g.r.Max.X, g.r.Min.X-o.r.Max.X)
			if inLine && gap <= o.r.Dy() {
				keep[i] = true // not counted: keepGlyphs reports line glyphs
				break
			}
		}
	}
	for i, l := range label {
		if l != 0 && !keep[l-1] {
			b.Pix[(i/w)*b.Stride+i%w] = 255
		}
	}
	return kept
}
