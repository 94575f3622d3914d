package imagetext

import (
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
	var cands []*detector.FinderPattern
	text := decodeQR(scaled(full, full.Rect, k), func(p *detector.FinderPattern) {
		cands = append(cands, p)
	})
	st.attempts, st.candidates = 1, len(cands)
	if text == "" {
		for _, c := range r.crops(full, k, cands) {
			st.attempts++
			if text = decodeQR(scaled(full, c.r, c.k), nil); text != "" {
				break
			}
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
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
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
