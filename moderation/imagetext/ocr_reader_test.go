package imagetext

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
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

// TestOrientedFollowsEXIF checks every EXIF orientation on a 3×2 image: where each stored
// corner is displayed.
func TestOrientedFollowsEXIF(t *testing.T) {
	t.Parallel()
	stored := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		stored.Pix[4*i] = uint8(i + 1) // pixel (x, y) has red 1 + x + 3y
	}
	red := func(img image.Image, x, y int) uint8 { r, _, _, _ := img.At(x, y).RGBA(); return uint8(r >> 8) }
	// Displayed top-left, top-right and bottom-left pixels, as stored red values, per the EXIF
	// definitions (6: the stored top row is the displayed right column, read top down).
	for o, want := range map[int][3]uint8{
		1: {1, 3, 4}, 2: {3, 1, 6}, 3: {6, 4, 3}, 4: {4, 6, 1},
		5: {1, 4, 3}, 6: {4, 1, 6}, 7: {6, 3, 4}, 8: {3, 6, 1},
	} {
		img := oriented(stored, o)
		b := img.Bounds()
		got := [3]uint8{red(img, 0, 0), red(img, b.Dx()-1, 0), red(img, 0, b.Dy()-1)}
		if got != want {
			t.Errorf("orientation %d: corners %v, want %v", o, got, want)
		}
		if wide := b.Dx() > b.Dy(); wide != (o < 5) {
			t.Errorf("orientation %d: bounds %v", o, b)
		}
	}
}

// TestReadURLsTurnsByEXIF serves a text case stored on its side with EXIF orientation 6, as
// a phone stores a portrait: the OCR must be handed the line the way it is displayed.
func TestReadURLsTurnsByEXIF(t *testing.T) {
	t.Parallel()
	c := ocrCases(t, 1)[0]
	side := oriented(c.Image, 8) // stored turned a quarter anticlockwise: 6 turns it back
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, side, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	body := withEXIFOrientation(buf.Bytes(), 6)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var strips []image.Rectangle
	ocr := OCRFunc(func(_ context.Context, img image.Image) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		strips = append(strips, img.Bounds())
		return "", nil
	})
	r, _ := newTestReader(t, ocr, time.Minute)
	if _, err := r.ReadURLs(context.Background(), []string{srv.URL + "/side.jpg"}); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(strips, c.Box.In) {
		t.Fatalf("no strip read holds the line at %v: %v", c.Box, strips)
	}
}

// withEXIFOrientation inserts an APP1 EXIF segment holding orientation o after the JPEG's SOI.
func withEXIFOrientation(j []byte, o uint16) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	return slices.Concat(j[:2], seg, payload, j[2:])
}
