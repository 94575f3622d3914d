package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

// TestBadInputEndToEnd is the bad-input suite of the scale issue, run through the real API
// and worker on a real Redis: every malformed request gets a clear 4xx error naming the
// problem, every item with a hostile image (bomb, slow-loris server, redirect loop, private
// address, corrupt data, not an image) gets a review verdict with the reason, nothing crashes,
// nothing is lost, and each outcome is counted in the metrics.
func TestBadInputEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redistest.Start(t).Client(t)
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := buildStack(ctx, stackOptions{rdb: rdb, reg: reg, log: log,
		// The hostile image server is on loopback, which the fetcher refuses by default; the
		// private-address case below uses another range, which stays refused.
		imageAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.close)
	w, err := newWorker(rdb, st, reg, log, 8, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	call := serveAPI(t, rdb, st, reg, log)
	images := hostileImageServer(t)

	item := func(id, extra string) string {
		return `{"id":"` + id + `","scene":"note","author_id":"u-1","body":"hello"` + extra + `}`
	}
	requests := []struct {
		name, body string
		status     int
		field      string // the field the error names, if any
	}{
		{"malformed JSON", `{"id":"x",`, 400, ""},
		{"wrong type", item("r-1", `,"images":"a.jpg"`), 400, "images"},
		{"title over 64 KiB", item("r-2", `,"title":"`+strings.Repeat("长", 22_000)+`"`), 400, "title"},
		{"1 MiB field", item("r-7", `,"body":"`+strings.Repeat("长", 350_000)+`"`), 413, ""},
		{"invalid UTF-8", "{\"id\":\"r-3\",\"scene\":\"note\",\"author_id\":\"u\",\"body\":\"\xff\xfe\"}", 400, "item"},
		{"deeply nested meta", item("r-4", `,"meta":`+strings.Repeat("[", 3000)+strings.Repeat("]", 3000)), 400, "meta"},
		{"10,000-image array", item("r-5", `,"images":[`+strings.Repeat(`{"url":"https://cdn.example.com/a.jpg"},`, 9999)+`{"url":"https://cdn.example.com/a.jpg"}]`), 400, "images"},
		{"17 MiB request", item("r-6", `,"body":"`+strings.Repeat("a", 17<<20)+`"`), 413, ""},
	}
	for _, rq := range requests {
		status, raw := call("POST", "/v1/items", rq.body)
		var body struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		_ = json.Unmarshal([]byte(raw), &body)
		if status != rq.status || body.Error.Message == "" || (rq.field != "" && body.Error.Field != rq.field) {
			t.Errorf("%s: status %d, error %+v; want %d naming %q", rq.name, status, body.Error, rq.status, rq.field)
		}
	}

	hostile := []struct {
		name, url, reason string // reason: a word the verdict's image error must contain
	}{
		{"decompression bomb", images.URL + "/bomb.png", "too many pixels"},
		{"corrupt JPEG", images.URL + "/truncated.jpg", "decode"},
		{"not an image", images.URL + "/page.html", "not a supported image"},
		{"redirect loop", images.URL + "/loop", "redirect"},
		{"private address", "http://10.1.2.3/a.jpg", "address"},
		{"cloud metadata address", "http://169.254.169.254/latest/meta-data", "address"},
		{"unresolvable host", "https://no-such-host.invalid/a.jpg", "fetch"},
		{"slow-loris server", images.URL + "/slow.jpg", "fetch"},
	}
	for i, h := range hostile {
		it := item(fmt.Sprintf("img-%d", i), `,"images":[{"url":"`+h.url+`"}]`)
		if status, body := call("POST", "/v1/items", it); status != http.StatusAccepted {
			t.Fatalf("%s: submit status %d: %s", h.name, status, body)
		}
	}
	// The slow-loris server is cut off by the fetch timeout (10 s), so allow for it.
	deadline := time.Now().Add(60 * time.Second)
	for i, h := range hostile {
		var v *moderation.Verdict
		for {
			v, err = st.publisher.Latest(ctx, moderation.SceneNote, fmt.Sprintf("img-%d", i))
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("%s: no verdict: %v", h.name, err)
		}
		if v.Decision.Severity() < moderation.Review.Severity() || !hasLabel(v.Labels, moderation.LabelImageError) ||
			len(v.Images) != 1 || v.Images[0].Status != moderation.ImageError ||
			!strings.Contains(strings.ToLower(v.Images[0].Error), h.reason) {
			t.Errorf("%s: verdict %s %v, images %+v; want review+ with image_error mentioning %q",
				h.name, v.Decision, v.Labels, v.Images, h.reason)
		}
		if strings.Contains(v.Images[0].Error, "10.1.2.3") || strings.Contains(v.Images[0].Error, images.URL) {
			t.Errorf("%s: the error leaks the URL: %q", h.name, v.Images[0].Error)
		}
	}
	if n, err := rdb.XLen(ctx, queue.DefaultStream).Result(); err != nil || n != int64(len(hostile)) {
		t.Errorf("stream has %d verdicts (%v), want %d: one per accepted item, none lost", n, err, len(hostile))
	}

	// Counted: rejections at the door, image failures by result.
	if got := metricValue(t, reg, "trustd_submissions_total", map[string]string{"result": string(queue.Rejected)}); got != float64(len(requests)-2) {
		// the two oversized requests are refused before any item is read
		t.Errorf("trustd_submissions_total{result=rejected} = %v, want %d", got, len(requests)-2)
	}
	failed := 0.0
	for _, r := range []string{"too_large", "decode_error", "not_image", "blocked", "fetch_error"} {
		failed += metricValue(t, reg, "trustd_image_checks_total", map[string]string{"result": r})
	}
	if failed != float64(len(hostile)) {
		t.Errorf("trustd_image_checks_total over failure results = %v, want %d", failed, len(hostile))
	}
}

func hasLabel(ls []moderation.Label, l moderation.Label) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// hostileImageServer serves images that attack the fetcher and decoder.
func hostileImageServer(t *testing.T) *httptest.Server {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile("../../testdata/images/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bomb, truncated := read("bomb_30000.png"), read("truncated.jpg")
	mux := http.NewServeMux()
	mux.HandleFunc("/bomb.png", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(bomb) })
	mux.HandleFunc("/truncated.jpg", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(truncated) })
	mux.HandleFunc("/page.html", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "<html><body>not a picture</body></html>")
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/slow.jpg", func(w http.ResponseWriter, r *http.Request) {
		// A slow-loris: a valid start, then a byte every 200 ms for ever.
		w.Header().Set("Content-Type", "image/jpeg")
		fl := w.(http.Flusher)
		for i := 0; ; i++ {
			if _, err := w.Write([]byte{0xff}); err != nil {
				return
			}
			fl.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
