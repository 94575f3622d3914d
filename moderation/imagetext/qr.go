package imagetext

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"strings"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/trustd/trustd/moderation"
)

// FormatQR is moderation.ImageCode.Format of QR codes.
const FormatQR = "qr_code"

// ErrReaderPanic means reading an image panicked (in the decoder, or on a malformed
// image.Image); Read recovered and returned no code.
var ErrReaderPanic = errors.New("imagetext: QR decoder panic")

// Defaults of QRConfig.
const (
	DefaultWholeSide  = 480
	DefaultMaxCrops   = 3
	DefaultMaxPayload = 1024
)

// Tuning of the zoomed crops (see QRReader.Read).
const (
	cropModules  = 48  // a crop spans this many modules on each side of a finder-pattern candidate
	cropModulePx = 2.8 // smallest module size, in pixels, of a crop
	minSide      = 21  // images smaller than the smallest QR code (21 modules) are not read
)

// QRConfig configures a QRReader. Zero values mean the defaults.
type QRConfig struct {
	// WholeSide is the longest side of the whole-image pass: larger images are reduced by an
	// integer factor (box averaging) to at most this. Zero means DefaultWholeSide.
	WholeSide int
	// MaxCrops caps the zoomed crops tried after the whole-image pass. Zero means
	// DefaultMaxCrops; negative means none.
	MaxCrops int
	// MaxPayload caps the length of a payload in bytes (cut on a rune boundary). Zero means
	// DefaultMaxPayload.
	MaxPayload int
}

// QRReader finds QR codes in decoded images. It is safe for concurrent use.
type QRReader struct {
	cfg QRConfig
}

// NewQRReader fills the defaults of cfg and returns a reader.
func NewQRReader(cfg QRConfig) *QRReader {
	if cfg.WholeSide <= 0 {
		cfg.WholeSide = DefaultWholeSide
	}
	cfg.WholeSide = max(cfg.WholeSide, minSide)
	if cfg.MaxCrops == 0 {
		cfg.MaxCrops = DefaultMaxCrops
	}
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	return &QRReader{cfg: cfg}
}

// readStats says how much work one Read did, for tests and tuning.
type readStats struct {
	attempts   int // decoder runs (whole image and crops)
	candidates int // finder-pattern candidates seen by the whole-image pass
}

// Read returns the QR code found in img, classified, or none. It stops at the first code.
//
// The luminance of img is computed once. The whole image, reduced to at most WholeSide on
// its longest side, is tried first. When that finds nothing but the detector saw
// finder-pattern-like structures (the three squares at the corners of a QR code), up to
// MaxCrops crops around them are tried at a finer scale, so that a small code on a large photo
// gets about cropModulePx pixels per module. A photo without such structures costs one pass.
// Panics (of the decoder, or on a malformed image.Image) are recovered: Read then returns no
// code and an error wrapping ErrReaderPanic.
func (r *QRReader) Read(img image.Image) ([]moderation.ImageCode, error) {
	codes, _, err := r.read(img)
	return codes, err
}

// ReadCodes reads the QR codes of image i of an item (see Read) and returns them with the
// contacts they are by their kind (see Contacts). It has the shape of imagehash.CodeReader.
func (r *QRReader) ReadCodes(i int, img image.Image) ([]moderation.ImageCode, []moderation.Contact, error) {
	codes, err := r.Read(img)
	return codes, Contacts(i, codes), err
}

func (r *QRReader) read(img image.Image) (codes []moderation.ImageCode, st readStats, err error) {
	if img == nil {
		return nil, st, nil
	}
	defer func() {
		if v := recover(); v != nil {
			codes, err = nil, fmt.Errorf("%w: %v", ErrReaderPanic, v)
		}
	}()
	full := lumaOf(img)
	w, h := full.Rect.Dx(), full.Rect.Dy()
	if w < minSide || h < minSide {
		return nil, st, nil
	}
	k := (max(w, h) + r.cfg.WholeSide - 1) / r.cfg.WholeSide
	// Dark modules on a light ground first, then the inverse (a light code on a dark ground
	// reads the same to the apps that scan it, and hides from a reader that only looks for
	// dark finder patterns).
	var text string
	for _, inverted := range []bool{false, true} {
		var cands []*detector.FinderPattern
		text = decodeScaled(full, full.Rect, k, inverted, func(p *detector.FinderPattern) {
			cands = append(cands, p)
		})
		st.attempts++
		st.candidates += len(cands)
		if text == "" {
			for _, c := range r.crops(full, k, cands) {
				st.attempts++
				if text = decodeScaled(full, c.r, c.k, inverted, nil); text != "" {
					break
				}
			}
		}
		if text != "" {
			break
		}
	}
	if text == "" {
		return nil, st, nil
	}
	p := r.capPayload(text)
	return []moderation.ImageCode{{Format: FormatQR, Kind: Classify(p), Payload: p}}, st, nil
}

// crop is a rectangle of the full-size luminance and its reduction factor.
type crop struct {
	r image.Rectangle
	k int
}

// crops plans the zoomed crops around the finder-pattern candidates of the whole-image pass
// (found at reduction k): each spans cropModules modules on every side of a candidate, so it
// holds the whole code whichever corner the candidate is, reduced to about cropModulePx
// pixels per module, and always finer than the whole pass (a large code the whole pass saw
// but could not read, blurred or partly hidden, gets another chance). Candidates inside an
// earlier crop are skipped.
func (r *QRReader) crops(full *image.Gray, k int, cands []*detector.FinderPattern) []crop {
	var out []crop
	for _, c := range cands {
		if r.cfg.MaxCrops < 0 || len(out) >= r.cfg.MaxCrops {
			break
		}
		x, y := int(c.GetX()*float64(k)), int(c.GetY()*float64(k))
		if inAny(out, image.Pt(x, y)) {
			continue
		}
		module := c.GetEstimatedModuleSize() * float64(k) // full-size pixels
		ck := min(k-1, max(1, int(module/cropModulePx)))  // finer than the whole pass
		if ck < 1 {
			break // the whole pass was at full size
		}
		half := int(module * cropModules)
		cr := image.Rect(x-half, y-half, x+half, y+half).Intersect(full.Rect)
		if cr.Dx() < minSide*ck || cr.Dy() < minSide*ck {
			continue
		}
		out = append(out, crop{r: cr, k: ck})
	}
	return out
}

func inAny(cs []crop, p image.Point) bool {
	for _, c := range cs {
		if p.In(c.r) {
			return true
		}
	}
	return false
}

// decodeScaled reduces the rectangle r of g k times, inverts it when asked, and decodes it
// (see decodeQR).
func decodeScaled(g *image.Gray, r image.Rectangle, k int, inverted bool, onCandidate func(*detector.FinderPattern)) string {
	s := scaled(g, r, k)
	defer release(s) // the decoder keeps no reference to the pixels
	if inverted {
		for i, v := range s.Pix {
			s.Pix[i] = 255 - v
		}
	}
	return decodeQR(s, onCandidate)
}

// decodeQR runs the gozxing QR reader on a compact grey image (stride = width) and returns
// the decoded text, or "" when there is no readable code. onCandidate, when not nil, receives
// every finder-pattern candidate the detector sees (in g's coordinates).
func decodeQR(g *image.Gray, onCandidate func(*detector.FinderPattern)) string {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < minSide || h < minSide {
		return ""
	}
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, h, 0, 0, w, h, false)
	if err != nil {
		return ""
	}
	bmp, err := gozxing.NewBinaryBitmap(newBlockBinarizer(src, g.Pix, w, h))
	if err != nil {
		return ""
	}
	var hints map[gozxing.DecodeHintType]any
	if onCandidate != nil {
		hints = map[gozxing.DecodeHintType]any{
			gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK: gozxing.ResultPointCallback(func(rp gozxing.ResultPoint) {
				if fp, ok := rp.(*detector.FinderPattern); ok {
					onCandidate(fp)
				}
			}),
		}
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "" // not found, or found but unreadable (checksum, format)
	}
	return res.GetText()
}

// blockBinarizer is gozxing's HybridBinarizer computed faster: the black matrix is the same bit
// for bit (a test compares them on photos, codes and noise of odd sizes), so detection is
// unchanged. The black point of each 8×8 block is the block's mean, or half its minimum when
// its range is at most 24 (then raised to its neighbours' when they are darker); a pixel is
// black when it is at most the mean of the black points of the 5×5 blocks around its block.
// HybridBinarizer sets the matrix one bit at a time, which made binarising most of the
// whole-image pass's cost; here each block row's thresholds are computed once and each
// pixel row is written as 32-bit words. Rows (GetBlackRow) and images smaller than five
// blocks on a side are left to HybridBinarizer.
type blockBinarizer struct {
	gozxing.Binarizer // the HybridBinarizer of the same source
	lum               []byte
	w, h              int
	matrix            *gozxing.BitMatrix
}

// Tuning of HybridBinarizer (gozxing's constants, named here for the arithmetic below).
const (
	binBlock    = gozxing.BLOCK_SIZE        // side of a block, 8
	binMinDim   = gozxing.MINIMUM_DIMENSION // smaller images use the global histogram
	binMinRange = gozxing.MIN_DYNAMIC_RANGE // a block with a smaller range is uniform
)

// newBlockBinarizer binarises lum, w×h luminances of src with stride w.
func newBlockBinarizer(src gozxing.LuminanceSource, lum []byte, w, h int) gozxing.Binarizer {
	return &blockBinarizer{Binarizer: gozxing.NewHybridBinarizer(src), lum: lum, w: w, h: h}
}

// GetBlackMatrix implements gozxing.Binarizer.
func (b *blockBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if b.w < binMinDim || b.h < binMinDim {
		return b.Binarizer.GetBlackMatrix()
	}
	if b.matrix != nil {
		return b.matrix, nil
	}
	m, err := gozxing.NewBitMatrix(b.w, b.h)
	if err != nil {
		return nil, err
	}
	words := b.threshold(b.blackPoints())
	row := gozxing.NewBitArray(b.w)
	rs := m.GetRowSize()
	for y := range b.h {
		copy(row.GetBitArray(), words[y*rs:(y+1)*rs])
		m.SetRow(y, row)
	}
	b.matrix = m
	return m, nil
}

// blockOrigin is the first pixel of block i along a side of n pixels: the last block of a
// side that is not a multiple of 8 is moved back inside, overlapping the one before it.
func blockOrigin(i, n int) int { return min(i*binBlock, n-binBlock) }

// blackPoints returns the black point of every block (sw×sh, row-major).
func (b *blockBinarizer) blackPoints() (bp []int32) {
	sw, sh := (b.w+binBlock-1)/binBlock, (b.h+binBlock-1)/binBlock
	bp = make([]int32, sw*sh)
	for by := range sh {
		y0 := blockOrigin(by, b.h)
		for bx := range sw {
			x0 := blockOrigin(bx, b.w)
			sum, lo, hi := blockStats(b.lum[y0*b.w+x0:], b.w)
			avg := sum >> 6 // sum / 64
			if hi-lo <= binMinRange {
				avg = lo / 2
				if by > 0 && bx > 0 {
					n := (bp[(by-1)*sw+bx] + 2*bp[by*sw+bx-1] + bp[(by-1)*sw+bx-1]) / 4
					if lo < n {
						avg = n
					}
				}
			}
			bp[by*sw+bx] = avg
		}
	}
	return bp
}

// threshold returns the black matrix as rows of 32-bit words (gozxing's BitMatrix layout): a
// pixel is black when its luminance is at most the mean black point of the 5×5 blocks
// around its block (clamped inside the grid). Where the last block of a side overlaps the
// one before, a pixel is black when either block makes it black, as in HybridBinarizer.
func (b *blockBinarizer) threshold(bp []int32) []uint32 {
	sw, sh := (b.w+binBlock-1)/binBlock, (b.h+binBlock-1)/binBlock
	rs := (b.w + 31) / 32
	words := make([]uint32, rs*b.h)
	thr := make([]int32, sw)
	for by := range sh {
		y0 := blockOrigin(by, b.h)
		top := min(max(by, 2), sh-3)
		for bx := range thr {
			left := min(max(bx, 2), sw-3)
			var sum int32
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*sw+left-2:][:5]
				sum += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			thr[bx] = sum / 25
		}
		aligned := b.w / binBlock // blocks at 8·bx; a last one, if any, overlaps the one before
		for yy := range binBlock {
			y := y0 + yy
			lum, out := b.lum[y*b.w:][:b.w], words[y*rs:][:rs]
			for bx, t := range thr[:aligned] { // four blocks to a word
				out[bx/4] |= darkMask(lum, bx*binBlock, t) << (binBlock * uint(bx%4))
			}
			if aligned < sw {
				x0 := b.w - binBlock
				mask, sh := darkMask(lum, x0, thr[aligned]), uint(x0%32)
				out[x0/32] |= mask << sh
				if sh > 32-binBlock {
					out[x0/32+1] |= mask >> (32 - sh)
				}
			}
		}
	}
	return words
}

// blockStats returns the sum, minimum and maximum of the 8×8 block at p (row stride w),
// working on its rows as 64-bit words: the sum in 16-bit lanes, the minimum and maximum byte
// by byte (minMax), rows paired, then pairs, then the bytes of the last word.
func blockStats(p []byte, w int) (sum, lo, hi int32) {
	var rows [binBlock]uint64
	var acc uint64
	for yy := range rows {
		rows[yy] = binary.LittleEndian.Uint64(p[yy*w:])
		acc += rows[yy]&evenBytes + rows[yy]>>8&evenBytes
	}
	l0, h0 := minMax(rows[0], rows[1])
	l1, h1 := minMax(rows[2], rows[3])
	l2, h2 := minMax(rows[4], rows[5])
	l3, h3 := minMax(rows[6], rows[7])
	l0, _ = minMax(l0, l1)
	l2, _ = minMax(l2, l3)
	_, h0 = minMax(h0, h1)
	_, h2 = minMax(h2, h3)
	l, _ := minMax(l0, l2)
	_, h := minMax(h0, h2)
	for _, sh := range [...]uint{32, 16, 8} {
		l, _ = minMax(l, l>>sh)
		_, h = minMax(h, h>>sh)
	}
	return int32(acc * 0x0001000100010001 >> 48), int32(l & 0xFF), int32(h & 0xFF) // the sum of the four lanes
}

// minMax returns the byte-wise minimum and maximum of two words. a ≥ b is decided for each
// byte by its top bit when those differ, else by the top bit of (a|0x80)-(b&0x7F), which
// cannot borrow from the next byte.
func minMax(a, b uint64) (lo, hi uint64) {
	const top = 0x8080808080808080
	t := (a | top) - (b &^ top)
	ge := (a&^b | ^(a^b)&t) & top // 0x80 in the bytes where a ≥ b
	m := ge >> 7 * 0xFF
	return b&m | a&^m, a&m | b&^m
}

// darkMask returns bit i set when lum[x0+i] ≤ t, for i < 8 (0 ≤ t ≤ 255). Each byte v is
// compared in a 16-bit lane, where t+256-v is at least 256 exactly when v ≤ t; the lane bits
// are then gathered into a byte by a multiplication whose partial products do not overlap.
func darkMask(lum []byte, x0 int, t int32) uint32 {
	even, odd := lanes(lum, x0)
	tt := uint64(t+256) * 0x0001000100010001
	de := (tt - even) >> 8 & 0x0001000100010001  // bit 16L: pixel 2L is dark
	do := (tt - odd) >> 8 & 0x0001000100010001   // bit 16L: pixel 2L+1 is dark
	const gather = 1<<56 | 1<<42 | 1<<28 | 1<<14 // bit 16L → bit 56+2L
	return uint32(de*gather>>56) | uint32(do*gather>>56)<<1
}

// capPayload makes a payload valid UTF-8 of at most MaxPayload bytes.
func (r *QRReader) capPayload(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= r.cfg.MaxPayload {
		return s
	}
	n := r.cfg.MaxPayload
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
