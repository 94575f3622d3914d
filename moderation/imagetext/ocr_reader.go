package imagetext

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation/imagehash"
)

// ReaderConfig configures a Reader.
type ReaderConfig struct {
	// OCR reads the text of the candidate regions. Required.
	OCR OCR
	// Fetch configures downloads: the same SSRF guard, timeouts and byte cap as the image
	// checks (imagehash.FetchConfig).
	Fetch imagehash.FetchConfig
	// MaxPixels caps the pixels an image header may declare (decode guard). Zero means
	// imagehash.DefaultMaxPixels.
	MaxPixels int64
	// OCRPixels caps the pixels given to the pre-check and OCR: larger images are reduced by
	// box averaging first. Zero means 4,000,000 (a 1080×1440 upload is read as it is).
	OCRPixels int64
	// Timeout bounds the OCR of one image (all its regions). Zero means 10 s.
	Timeout time.Duration
	// MaxText caps the text kept per image, in bytes (cut at a rune boundary). Zero means 2048.
	MaxText int
	// Logger receives operational logs (ids and outcomes, never URLs or text). Nil means
	// slog.Default().
	Logger *slog.Logger
	// Registerer receives the trustd_ocr_* metrics. Nil means none.
	Registerer prometheus.Registerer
}

// Reader reads the text inside images: fetch, decode guard, pixel cap, text pre-check, OCR
// of the candidate regions under a deadline. It is safe for concurrent use.
type Reader struct {
	cfg     ReaderConfig
	fetcher *imagehash.Fetcher
	m       readerMetrics
}

// NewReader validates cfg, fills defaults and returns a Reader.
func NewReader(cfg ReaderConfig) (*Reader, error) {
	if cfg.OCR == nil {
		return nil, errors.New("imagetext: reader needs an OCR")
	}
	if cfg.OCRPixels <= 0 {
		cfg.OCRPixels = 4_000_000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxText <= 0 {
		cfg.MaxText = 2048
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m, err := newReaderMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Reader{cfg: cfg, fetcher: imagehash.NewFetcher(cfg.Fetch), m: m}, nil
}

// Close releases idle connections.
func (r *Reader) Close() { r.fetcher.CloseIdle() }

// Outcomes of reading one image, the label values of trustd_ocr_images_total.
const (
	OutcomeSkippedNoText = "skipped_no_text" // the pre-check found no text-like region
	OutcomeRecognized    = "recognized"      // OCR ran (its text may still be empty)
	OutcomeError         = "error"           // fetch, decode or OCR failed
	OutcomeTimeout       = "timeout"         // OCR ran out of Timeout
)

// Outcomes lists every outcome.
var Outcomes = []string{OutcomeSkippedNoText, OutcomeRecognized, OutcomeError, OutcomeTimeout}

// ReadURLs reads the text of the images at urls, in order, each turned by its EXIF
// orientation as it is displayed: "" for an image without text or one that could not be read
// (counted by outcome, never an error). The error is non-nil only when ctx ended, so that the
// caller retries later.
func (r *Reader) ReadURLs(ctx context.Context, urls []string) ([]string, error) {
	out := make([]string, len(urls))
	for i, u := range urls {
		img, err := r.fetch(ctx, u)
		if err == nil {
			out[i], err = r.Read(ctx, img)
		} else {
			r.m.outcome(OutcomeError)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read image %d: %w", i, ctx.Err())
		}
		if err != nil {
			r.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "ocr_image_unread", slog.Int("image", i), slog.String("error", err.Error()))
		}
	}
	return out, nil
}

func (r *Reader) fetch(ctx context.Context, url string) (image.Image, error) {
	t := time.Now()
	b, err := r.fetcher.Fetch(ctx, url)
	r.m.stage(stageFetch, t)
	if err != nil {
		return nil, err
	}
	t = time.Now()
	d, err := imagehash.DecodeGuarded(b, r.cfg.MaxPixels, 0)
	r.m.stage(stageDecode, t)
	if err != nil {
		return nil, err
	}
	return oriented(d.Image, d.Orientation), nil
}

// Read reads the text of one decoded image, turned the way it is displayed (ReadURLs applies
// the EXIF orientation): "" when the pre-check finds no strip worth reading (counted as
// skipped_no_text). The pre-check and OCR see the same image: img itself, in colour, when it
// is within OCRPixels (coloured text can stand out from its background in colour only; see
// ocrPages), else its luma reduced to fit. OCR's usual misreadings of contacts are repaired
// (repairOCR: WeChat ids split at their "_", digits read as letters). Errors are OCR failures,
// context errors and ErrOCRTimeout; each is counted.
func (r *Reader) Read(ctx context.Context, img image.Image) (string, error) {
	t := time.Now()
	src := img
	b := img.Bounds()
	if k := factorFor(b.Dx(), b.Dy(), 0, r.cfg.OCRPixels); k > 1 {
		src = reduced(lumaOf(img), k)
	}
	pre := CheckText(src)
	r.m.stage(stagePrecheck, t)
	if !pre.Text() {
		r.m.outcome(OutcomeSkippedNoText)
		return "", nil
	}
	t = time.Now()
	octx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	regions, recognize := pre.Regions, r.cfg.OCR.Recognize
	if lo, ok := r.cfg.OCR.(LineOCR); ok {
		regions, recognize = pre.Lines, lo.RecognizeLine
	}
	var lines []string
	for _, reg := range regions {
		s, err := recognize(octx, subImage(src, reg))
		if err != nil {
			r.m.stage(stageOCR, t)
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				r.m.outcome(OutcomeTimeout)
				return "", ErrOCRTimeout
			}
			r.m.outcome(OutcomeError)
			return "", err
		}
		if s = strings.TrimSpace(s); s != "" {
			lines = append(lines, s)
		}
	}
	r.m.stage(stageOCR, t)
	r.m.outcome(OutcomeRecognized)
	return capText(repairOCR(strings.Join(lines, "\n")), r.cfg.MaxText), nil
}

// ErrOCRTimeout means the OCR of one image took longer than ReaderConfig.Timeout.
var ErrOCRTimeout = errors.New("imagetext: ocr timed out")

// capText cuts s to at most n bytes at a rune boundary.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
