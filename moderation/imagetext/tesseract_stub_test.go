//go:build !tesseract

package imagetext

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestWithoutTesseractOCRIsAClearError(t *testing.T) {
	t.Parallel()
	_, err := NewTesseract(TesseractConfig{})
	if !errors.Is(err, ErrNoTesseract) || !strings.Contains(err.Error(), "rebuild with -tags tesseract") {
		t.Fatalf("NewTesseract: %v", err)
	}
	if _, err := (*Tesseract)(nil).Recognize(context.Background(), nil); !errors.Is(err, ErrNoTesseract) {
		t.Fatalf("Recognize: %v", err)
	}
}
