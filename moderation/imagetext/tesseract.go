//go:build tesseract

package imagetext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/otiai10/gosseract/v2"
)

// TesseractAvailable reports whether this binary was built with the tesseract build tag.
const TesseractAvailable = true

// Tesseract is the Tesseract OCR engine (libtesseract through github.com/otiai10/gosseract/v2),
// built only with the tesseract build tag. It keeps a pool of TesseractConfig.Engines engines;
// Recognize waits for a free one. Tesseract cannot be interrupted mid-page, so when ctx ends
// first Recognize returns at once and the engine finishes the page in the background before
// going back to the pool: the pool size bounds the CPU spent, deadlines or not.
type Tesseract struct {
	pool    chan *gosseract.Client
	engines int // engines created, each in the pool or reading a page
	once    sync.Once
}

var _ LineOCR = (*Tesseract)(nil)

// NewTesseract loads cfg.Languages into cfg.Engines engines. It fails when a language pack
// is missing (apt-get install tesseract-ocr-chi-sim tesseract-ocr-eng).
func NewTesseract(cfg TesseractConfig) (*Tesseract, error) {
	if cfg.Languages == nil {
		cfg.Languages = DefaultLanguages
	}
	if cfg.Engines <= 0 {
		cfg.Engines = 1
	}
	have, err := gosseract.GetAvailableLanguages()
	if err != nil {
		return nil, fmt.Errorf("imagetext: tesseract languages: %w", err)
	}
	for _, l := range cfg.Languages {
		if !contains(have, l) {
			return nil, fmt.Errorf("imagetext: tesseract language %q not installed (have %s)", l, strings.Join(have, ", "))
		}
	}
	t := &Tesseract{pool: make(chan *gosseract.Client, cfg.Engines)}
	for range cfg.Engines {
		c := gosseract.NewClient()
		t.engines++
		t.pool <- c
		if err := c.SetLanguage(cfg.Languages...); err != nil {
			t.Close()
			return nil, fmt.Errorf("imagetext: tesseract: %w", err)
		}
		// Text on photos is sparse: find as much text as possible in no particular order.
		if err := c.SetPageSegMode(gosseract.PSM_SPARSE_TEXT); err != nil {
			t.Close()
			return nil, fmt.Errorf("imagetext: tesseract: %w", err)
		}
	}
	return t, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Recognize reads the text of img: its most text-like binarisations (ocrPages: multi-level
// Otsu on the luma in both polarities, Otsu on the chroma) are read, most text-like first,
// and the first reading that holds a contact (hasContact) wins, else the one with the
// highest score (ocrScore: confidence times letters, digits and ideographs).
func (t *Tesseract) Recognize(ctx context.Context, img image.Image) (string, error) {
	return t.recognize(ctx, img, gosseract.PSM_SPARSE_TEXT)
}

// RecognizeLine reads img as Recognize does, as a single line of text (a strip of
// Precheck.Lines).
func (t *Tesseract) RecognizeLine(ctx context.Context, img image.Image) (string, error) {
	return t.recognize(ctx, img, gosseract.PSM_SINGLE_LINE)
}

// recognize reads img with the page segmentation mode psm (set on the engine for this page).
func (t *Tesseract) recognize(ctx context.Context, img image.Image, psm gosseract.PageSegMode) (string, error) {
	var c *gosseract.Client
	select {
	case c = <-t.pool:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	var pages [][]byte
	for _, p := range ocrPages(img) {
		pages = append(pages, encodePGM(p))
	}
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { t.pool <- c }()
		best, bestScore, bestContact := "", -1.0, false
		if err := c.SetPageSegMode(psm); err != nil {
			done <- result{err: err}
			return
		}
		for _, pgm := range pages {
			if ctx.Err() != nil {
				break
			}
			if err := c.SetImageFromBytes(pgm); err != nil {
				done <- result{err: err}
				return
			}
			lines, err := c.GetBoundingBoxes(gosseract.RIL_TEXTLINE)
			if err != nil {
				done <- result{err: err}
				return
			}
			text, score := ocrScore(lines)
			contact := hasContact(text)
			if contact && !bestContact || contact == bestContact && score > bestScore {
				best, bestScore, bestContact = text, score, contact
			}
			if contact {
				break // the pages are ranked: a contact read is the reading to keep
			}
		}
		done <- result{text: best}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return "", fmt.Errorf("imagetext: tesseract: %w", r.err)
		}
		return r.text, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// ocrScore joins the text of Tesseract's lines and scores the reading: the sum over lines of
// their confidence (0–100) times their letters, digits and ideographs, so that noise read with
// low confidence from the wrong polarity loses to the text.
func ocrScore(lines []gosseract.BoundingBox) (string, float64) {
	var b strings.Builder
	var score float64
	for _, l := range lines {
		s := strings.TrimSpace(l.Word)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
		n := 0
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				n++
			}
		}
		score += l.Confidence * float64(n)
	}
	return b.String(), score
}

// Close waits for the engines to finish their pages and frees them. It is safe to call
// more than once.
func (t *Tesseract) Close() error {
	var errs []error
	t.once.Do(func() {
		for range t.engines {
			errs = append(errs, (<-t.pool).Close())
		}
	})
	return errors.Join(errs...)
}

// encodePGM encodes g as a binary PGM (P5), the cheapest format Leptonica reads from memory.
func encodePGM(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var b bytes.Buffer
	b.Grow(w*h + 32)
	b.WriteString("P5\n" + strconv.Itoa(w) + " " + strconv.Itoa(h) + "\n255\n")
	for y := range h {
		b.Write(g.Pix[y*g.Stride:][:w])
	}
	return b.Bytes()
}
