//go:build !tesseract

package imagetext

import (
	"context"
	"image"
)

// TesseractAvailable reports whether this binary was built with the tesseract build tag.
const TesseractAvailable = false

// Tesseract is the Tesseract OCR engine. This binary was built without it: NewTesseract
// returns ErrNoTesseract.
type Tesseract struct{}

// NewTesseract returns ErrNoTesseract: this binary was built without the tesseract build tag.
func NewTesseract(TesseractConfig) (*Tesseract, error) { return nil, ErrNoTesseract }

// Recognize returns ErrNoTesseract.
func (*Tesseract) Recognize(context.Context, image.Image) (string, error) { return "", ErrNoTesseract }

// Close does nothing.
func (*Tesseract) Close() error { return nil }
