package imagetext

import (
	"context"
	"errors"
	"image"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trustd/trustd/moderation/imagehash"
)

// countingOCR is a fake OCR: it returns text for every region and counts its calls.
type countingOCR struct {
	calls atomic.Int64
	text  string
}

func (o *countingOCR) Recognize(ctx context.Context, img image.Image) (string, error) {
	o.calls.Add(1)
	return o.text, ctx.Err()
}

func newTestReader(t *testing.T, ocr OCR, timeout time.Duration) (*Reader, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r, err := NewReader(ReaderConfig{OCR: ocr, Timeout: timeout, Registerer: reg,
		Fetch: imagehash.FetchConfig{AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r, reg
}

func outcomes(t *testing.T, reg *prometheus.Registry, o string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "trustd_ocr_images_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == o {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestReaderSkipsImagesWithoutTextAndReadsTheOthers(t *testing.T) {
	t.Parallel()
	ocr := &countingOCR{text: "V: abc_123"}
	r, reg := newTestReader(t, ocr, time.Minute)
	flat := image.NewGray(image.Rect(0, 0, 640, 480))
	if s, err := r.Read(context.Background(), flat); s != "" || err != nil || ocr.calls.Load() != 0 {
		t.Fatalf("flat image: %q, %v, %d OCR calls; want skipped", s, err, ocr.calls.Load())
	}
	c := ocrCases(t, 1)[0]
	s, err := r.Read(context.Background(), c.Image)
	if err != nil || !strings.Contains(s, "V: abc_123") {
		t.Fatalf("text image: %q, %v", s, err)
	}
	if a, b := outcomes(t, reg, OutcomeSkippedNoText), outcomes(t, reg, OutcomeRecognized); a != 1 || b != 1 {
		t.Fatalf("outcomes skipped_no_text %v, recognized %v; want 1 and 1", a, b)
	}
	if probs, err := testutil.GatherAndLint(reg); err != nil || len(probs) > 0 {
		t.Fatalf("promlint: %v %v", probs, err)
	}
}

func TestReaderTimesOut(t *testing.T) {
	t.Parallel()
	slow := OCRFunc(func(ctx context.Context, _ image.Image) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	r, reg := newTestReader(t, slow, 20*time.Millisecond)
	c := ocrCases(t, 1)[0]
	if _, err := r.Read(context.Background(), c.Image); !errors.Is(err, ErrOCRTimeout) {
		t.Fatalf("err = %v, want ErrOCRTimeout", err)
	}
	if n := outcomes(t, reg, OutcomeTimeout); n != 1 {
		t.Fatalf("timeouts counted: %v", n)
	}
}

func TestReadURLsFetchesThroughTheGuard(t *testing.T) {
	t.Parallel()
	c := ocrCases(t, 1)[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/text.jpg" {
			_, _ = w.Write(c.JPEG)
			return
		}
		_, _ = w.Write([]byte("not an image"))
	}))
	t.Cleanup(srv.Close)
	ocr := &countingOCR{text: "微信 xyz789"}
	r, reg := newTestReader(t, ocr, time.Minute)
	texts, err := r.ReadURLs(context.Background(), []string{srv.URL + "/text.jpg", srv.URL + "/junk", "http://169.254.169.254/latest"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(texts[0], "微信 xyz789") || texts[1] != "" || texts[2] != "" {
		t.Fatalf("texts %q", texts)
	}
	if n := outcomes(t, reg, OutcomeError); n != 2 {
		t.Fatalf("errors counted: %v, want 2 (not an image, metadata address)", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.ReadURLs(ctx, []string{srv.URL + "/text.jpg"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v, want context.Canceled (the task is retried)", err)
	}
}

func BenchmarkPrecheck(b *testing.B) {
	c := ocrCases(b, 1)[0]
	b.ReportAllocs()
	for b.Loop() {
		CheckText(c.Image)
	}
}
