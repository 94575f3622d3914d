package imagetext

import (
	"image"
	"slices"
)

// Precheck is the outcome of the text-likeness pre-check (CheckText).
type Precheck struct {
	// Regions are the horizontal strips of the image (in its coordinates, top to bottom)
	// that hold candidate lines of text: OCR reads these rather than the whole photo.
	Regions []image.Rectangle
	// Lines are the strips that each hold one candidate line of text: the tight vertical
	// extent of a run of rows of line cells, plus lineMargin, across the columns of its line
	// cells (padded by bandSidePad). OCR that reads single lines reads these (LineOCR).
	Lines []image.Rectangle
	// TextCells is the number of cells of the reduced image whose edges are dense and strong
	// enough to be strokes of text.
	TextCells int
	// EdgeLines is the number of line strips the edge stage found, before the strips without
	// a line of glyphs were dropped: how much of the skipping the glyph test does.
	EdgeLines int
}

// Text reports whether the image has at least one text-like region worth reading.
func (p Precheck) Text() bool { return len(p.Regions) > 0 }

// Parameters of the pre-check, in pixels of the reduced image.
var (
	// PrecheckSide is the longest side the image is reduced to (by box averaging) before the
	// pre-check: 1080×1440 becomes 480×640, where 24 px text is about 11 px tall.
	PrecheckSide = 1100
	// MinLineCells is the shortest run of text cells that counts as a line (5 cells of 8 px:
	// about three characters at the smallest text size).
	MinLineCells = 5
	// MaxBandRows is the height of the strips OCR reads, in cells.
	MaxBandRows  = 16
	bandPad      = 2  // cells added above and below a row with a line
	bandSidePad  = 6  // cells added left and right of the lines of a band
	bandOverlap  = 8  // cells shared by consecutive pieces of a tall band
	lineMargin   = 1  // cells added above and below the rows of a line strip
	maxLineRows  = 10 // rows of the tallest line strip; taller runs are cut into windows
	lineStep     = 3  // rows between consecutive windows of a tall run
	cellSide     = 8
	maxGap       = 4
	edgeStrength = 64 // |∂x| + |∂y| of a stroke edge, on 0–255 luma (central differences)
	minEdges     = 12 // edge pixels a cell needs (of 64) to be a text cell
)

// CheckText is a cheap pre-check for text in img: it reduces the image to PrecheckSide,
// marks cells with dense, strong edges (strokes of characters), keeps horizontal runs of
// them (lines) and groups touching runs into regions. Photos without text mostly have no
// region and skip OCR. Textured photos (foliage, fur, feathers) have edges everywhere, so
// each line strip must then also hold a line of glyphs (worthReading, on img itself): the
// strips of texture that hold none are dropped, and so are the regions left without a line.
func CheckText(img image.Image) Precheck {
	p := edgeLines(img)
	p.EdgeLines = len(p.Lines)
	var lines, regions []image.Rectangle
	for _, l := range p.Lines {
		if worthReading(subImage(img, l)) {
			lines = append(lines, l)
		}
	}
	for _, r := range p.Regions {
		if slices.ContainsFunc(lines, r.Overlaps) {
			regions = append(regions, r)
		}
	}
	p.Lines, p.Regions = lines, regions
	return p
}

// subImage returns the rectangle r of img (in img's coordinates), in colour when img can
// give it (coloured text can stand apart from its background in colour only), else grey.
func subImage(img image.Image, r image.Rectangle) image.Image {
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return lumaOf(img).SubImage(r.Sub(img.Bounds().Min))
}

// edgeLines is the edge stage of CheckText: the strips of img with horizontal runs of cells
// of dense, strong edges, before any strip is tested for glyphs.
func edgeLines(img image.Image) Precheck {
	g := lumaOf(img)
	k := factorFor(g.Rect.Dx(), g.Rect.Dy(), PrecheckSide, 0)
	g = reduced(g, k)
	cols, rows := g.Rect.Dx()/cellSide, g.Rect.Dy()/cellSide
	var p Precheck
	text := make([]bool, cols*rows)
	for cy := range rows {
		for cx := range cols {
			if textCell(g, cx*cellSide, cy*cellSide) {
				text[cy*cols+cx] = true
				p.TextCells++
			}
		}
	}
	line := lineCells(text, cols, rows)
	s := cellSide * k
	b := img.Bounds()
	strip := func(lo, hi int) image.Rectangle {
		x0, x1 := cols, 0
		for cy := lo; cy < hi; cy++ {
			for cx, on := range line[cy*cols : (cy+1)*cols] {
				if on {
					x0, x1 = min(x0, cx), max(x1, cx+1)
				}
			}
		}
		r := image.Rect((x0-bandSidePad)*s, lo*s, (x1+bandSidePad)*s, hi*s)
		return r.Add(b.Min).Intersect(b)
	}
	for _, band := range bands(line, cols, rows) {
		p.Regions = append(p.Regions, strip(band[0], band[1]))
	}
	for _, l := range lineRuns(line, cols, rows) {
		p.Lines = append(p.Lines, strip(l[0], l[1]))
	}
	return p
}

// lineRuns returns the rows of cells [start, end) of each run of consecutive rows holding
// line cells, widened by lineMargin rows: one candidate line of text per run. A run taller
// than maxLineRows (text touching texture) is cut into windows of maxLineRows rows every
// lineStep rows, so that every line up to maxLineRows-lineStep rows tall is whole in one.
func lineRuns(line []bool, cols, rows int) [][2]int {
	var out [][2]int
	for cy := 0; cy < rows; cy++ {
		if !slices.Contains(line[cy*cols:(cy+1)*cols], true) {
			continue
		}
		end := cy + 1
		for end < rows && slices.Contains(line[end*cols:(end+1)*cols], true) {
			end++
		}
		lo, hi := max(cy-lineMargin, 0), min(end+lineMargin, rows)
		for ; hi-lo > maxLineRows; lo += lineStep {
			out = append(out, [2]int{lo, lo + maxLineRows})
		}
		out = append(out, [2]int{lo, hi})
		cy = end
	}
	return out
}

// bands returns the rows of cells [start, end) that OCR reads (across the columns of their
// lines, padded by bandSidePad): every row with a line cell,
// padded by bandPad rows, merged when they touch, and cut into overlapping pieces of at most
// MaxBandRows so that Tesseract reads strips of lines rather than whole textured photos (a
// line up to MaxBandRows-bandOverlap rows tall is whole in one piece).
func bands(line []bool, cols, rows int) [][2]int {
	var merged [][2]int
	for cy := range rows {
		if !slices.Contains(line[cy*cols:(cy+1)*cols], true) {
			continue
		}
		lo, hi := max(cy-bandPad, 0), min(cy+1+bandPad, rows)
		if n := len(merged); n > 0 && lo <= merged[n-1][1] {
			merged[n-1][1] = hi
			continue
		}
		merged = append(merged, [2]int{lo, hi})
	}
	var out [][2]int
	for _, m := range merged {
		for lo := m[0]; ; lo += MaxBandRows - bandOverlap {
			hi := min(lo+MaxBandRows, m[1])
			out = append(out, [2]int{lo, hi})
			if hi == m[1] {
				break
			}
		}
	}
	return out
}

// lineCells keeps the text cells that belong to a horizontal run of at least MinLineCells.
func lineCells(text []bool, cols, rows int) []bool {
	line := make([]bool, len(text))
	for cy := range rows {
		row := text[cy*cols : (cy+1)*cols]
		for start := 0; start < cols; {
			if !row[start] {
				start++
				continue
			}
			// A run goes on across gaps of up to maxGap cells (spaces between words and
			// characters) and ends on its last text cell.
			end, last := start, start
			for end < cols && end-last <= maxGap {
				if row[end] {
					last = end
				}
				end++
			}
			end = last + 1
			if end-start >= MinLineCells {
				for x := start; x < end; x++ {
					line[cy*cols+x] = true
				}
			}
			start = end
		}
	}
	return line
}

// textCell reports whether the cell at (x0, y0) has at least minEdges strong edge pixels.
func textCell(g *image.Gray, x0, y0 int) bool {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	n := 0
	for y := max(y0, 1); y < min(y0+cellSide, h-1); y++ {
		row := g.Pix[y*g.Stride:]
		up, down := g.Pix[(y-1)*g.Stride:], g.Pix[(y+1)*g.Stride:]
		for x := max(x0, 1); x < min(x0+cellSide, w-1); x++ {
			if absDiff(row[x+1], row[x-1])+absDiff(down[x], up[x]) >= edgeStrength {
				n++
			}
		}
	}
	return n >= minEdges
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
