//go:build !tesseract

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/trustd/trustd/queue/redistest"
)

func TestOCRWithoutTesseractIsAClearError(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	environ := map[string]string{"TRUSTD_REDIS_URL": srv.URL(), "TRUSTD_ADMIN_ADDR": "127.0.0.1:0", "TRUSTD_OCR": "1"}
	code, _, stderr := runCmd(t, context.Background(), "", environ, "worker")
	if code == 0 || !strings.Contains(stderr, "built without tesseract: rebuild with -tags tesseract") {
		t.Fatalf("worker with TRUSTD_OCR in a build without tesseract: exit %d, stderr %q", code, stderr)
	}
}
