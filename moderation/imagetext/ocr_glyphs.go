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

// run is a horizontal run of black pixels [x0, x1) on row y, part of component comp.
type run struct {
	y, x0, x1 int
	comp      int
}

// components labels the 4-connected black components of b (relative to b.Rect.Min) by runs:
// the runs of each row are joined (union-find) to the runs of the row above that they touch.
// It returns the runs, each with its component's index in boxes, and the components' boxes.
// Working on runs rather than pixels makes labelling a strip full of texture cheap.
func components(b *image.Gray) ([]run, []glyphBox) {
	w, h := b.Rect.Dx(), b.Rect.Dy()
	var runs []run
	var parent []int
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	prev := 0 // index of the first run of the row above
	for y := range h {
		row := b.Pix[y*b.Stride:][:w]
		first := len(runs)
		j := prev
		for x := 0; x < w; {
			if row[x] != 0 {
				x++
				continue
			}
			x0 := x
			for x < w && row[x] == 0 {
				x++
			}
			id := len(runs)
			runs = append(runs, run{y: y, x0: x0, x1: x})
			parent = append(parent, id)
			for j < first && runs[j].x1 <= x0 { // runs above that end before this one
				j++
			}
			for k := j; k < first && runs[k].x0 < x; k++ {
				if a, c := find(k), find(id); a != c {
					parent[max(a, c)] = min(a, c)
				}
			}
		}
		prev = first
	}
	index := make([]int, len(runs)) // component index of each root run, plus one
	var boxes []glyphBox
	for i := range runs {
		r := &runs[i]
		root := find(i)
		if index[root] == 0 {
			boxes = append(boxes, glyphBox{r: image.Rect(r.x0, r.y, r.x1, r.y+1)})
			index[root] = len(boxes)
		}
		r.comp = index[root] - 1
		g := &boxes[r.comp]
		g.area += r.x1 - r.x0
		g.r = g.r.Union(image.Rect(r.x0, r.y, r.x1, r.y+1))
	}
	return runs, boxes
}

// keepGlyphs whitens the black components of b (black text on white) that are not glyphs on
// a line, in place, and returns the boxes of the line glyphs it kept.
func keepGlyphs(b *image.Gray) []image.Rectangle {
	h := b.Rect.Dy()
	runs, boxes := components(b)
	glyph := make([]bool, len(boxes))
	for i, g := range boxes {
		gw, gh := g.r.Dx(), g.r.Dy()
		fill := float64(g.area) / float64(gw*gh)
		glyph[i] = gh >= 8 && gh <= h*9/10 && gw <= 3*gh && fill > 0.08 && fill < 0.95
	}
	keep := make([]bool, len(boxes))
	var kept []image.Rectangle
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
			kept = append(kept, g.r)
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
	for _, r := range runs {
		if !keep[r.comp] {
			row := b.Pix[r.y*b.Stride:]
			for x := r.x0; x < r.x1; x++ {
				row[x] = 255
			}
		}
	}
	return kept
}

// alignedGlyphs returns the largest number of boxes that share one bottom line (within a
// sixth of a glyph's height) and height (within ×1.5 of it): the glyphs of a line of text,
// which texture rarely imitates.
func alignedGlyphs(boxes []image.Rectangle) int {
	best := 0
	for _, a := range boxes {
		h, n := a.Dy(), 0
		for _, b := range boxes {
			if d := b.Max.Y - a.Max.Y; 6*d <= h && 6*d >= -h && 2*b.Dy() >= h && 2*b.Dy() <= 3*h {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}
