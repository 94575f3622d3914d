package imagetext

import (
	"context"
	"errors"
	"image"
)

// OCR reads the text in an image. Implementations must be safe for concurrent use and should
// return promptly once ctx ends (with ctx's error). The text is returned as recognised, lines
// separated by "\n"; an image without text gives "" and no error.
type OCR interface {
	Recognize(ctx context.Context, img image.Image) (string, error)
}

// LineOCR is an OCR that can also read a strip known to hold a single line of text
// (Precheck.Lines), which it reads as one line rather than searching it for a layout.
type LineOCR interface {
	OCR
	RecognizeLine(ctx context.Context, img image.Image) (string, error)
}

// OCRFunc adapts a function to OCR.
type OCRFunc func(ctx context.Context, img image.Image) (string, error)

// Recognize calls f.
func (f OCRFunc) Recognize(ctx context.Context, img image.Image) (string, error) { return f(ctx, img) }

// ErrNoTesseract is returned by NewTesseract in a binary built without the tesseract build
// tag: the default build is pure Go and has no OCR engine.
var ErrNoTesseract = errors.New("imagetext: built without tesseract: rebuild with -tags tesseract (needs libtesseract-dev, tesseract-ocr-chi-sim, tesseract-ocr-eng)")

// TesseractConfig configures the Tesseract OCR engine (NewTesseract).
type TesseractConfig struct {
	// Languages are the Tesseract language packs to load, tried together. Nil means
	// DefaultLanguages (simplified Chinese and English).
	Languages []string
	// Engines is the number of Tesseract engines kept, each able to read one image at a time:
	// it bounds the CPU that OCR uses, including pages still being read after their caller's
	// deadline. Zero means 1.
	Engines int
}

// DefaultLanguages are the Tesseract languages used when TesseractConfig.Languages is nil.
var DefaultLanguages = []string{"chi_sim", "eng"}
