package review_test

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
)

var update = flag.Bool("update", false, "rewrite testdata/review/screenshot.png")

// chromium finds Debian's chromium. Without it the test skips locally but fails in CI, where
// .ci/run installs the chromium package.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: CI must install the chromium package for the browser test")
	}
	t.Skip("chromium not installed (apt-get install chromium); CI fails instead of skipping")
	return ""
}

// testImage is a colourful PNG, so that the blur and greyscale are visible in the screenshot.
func testImage(seed uint8) []byte {
	const n = 240
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			c := color.RGBA{uint8(x) + seed, uint8(y), 200 - uint8(x/2) + seed, 255}
			if (x/30+y/30)%2 == 0 {
				c = color.RGBA{230, 40 + seed, 60, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// offsets returns the byte offsets of the first occurrence of sub in s.
func offsets(t *testing.T, s, sub string) (int, int) {
	t.Helper()
	i := strings.Index(s, sub)
	if i < 0 {
		t.Fatalf("%q not in %q", sub, s)
	}
	return i, i + len(sub)
}

func TestBrowserReviewFlow(t *testing.T) {
	bin := chromium(t)
	f := newFixture(t, nil)
	a, err := review.NewAPI(review.APIConfig{Store: f.store, Auth: authConfig(), InsecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	imgs := map[string][]byte{"a.png": testImage(0), "b.png": testImage(90)}
	mux.HandleFunc("GET /img/{name}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := imgs[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(b)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	// An earlier post whose image the flagged one re-uses, and the author's earlier item.
	earlier := &moderation.Item{ID: "note-9", Scene: moderation.SceneNote, Revision: 1, AuthorID: "u-7", Body: "原图",
		Images: []moderation.Image{{URL: srv.URL + "/img/b.png"}}}
	if err := f.store.Submit(ctx, earlier, &moderation.Verdict{ContentID: "note-9", Revision: 1, Scene: moderation.SceneNote,
		AuthorID: "u-7", Decision: moderation.Review, Labels: []moderation.Label{moderation.LabelImageError}}); err != nil {
		t.Fatal(err)
	}
	submit(t, f.store, "note-0", moderation.LabelContact) // same author u-42, in another queue

	title := "全新LV包包 低价转"
	body := "这家店太坑了，老板就是个傻逼。想要正品加薇信 abc_123 私聊，便宜出！"
	it := &moderation.Item{ID: "note-1", Scene: moderation.SceneNote, Revision: 1, AuthorID: "u-42", Title: title, Body: body,
		Images: []moderation.Image{{URL: srv.URL + "/img/a.png"}}}
	ts, te := offsets(t, title, "LV")
	hs, he := offsets(t, body, "傻逼")
	cs, ce := offsets(t, body, "薇信 abc_123")
	v := &moderation.Verdict{
		EventID: moderation.CreatedEventID(it.Key()), EventType: moderation.EventCreated,
		ContentID: "note-1", Revision: 1, Scene: moderation.SceneNote, AuthorID: "u-42", Decision: moderation.Review,
		Labels: []moderation.Label{moderation.LabelContact, moderation.LabelDuplicateImage, moderation.LabelProfanity},
		Hits: []moderation.Hit{
			{Field: "title", Start: ts, End: te, Text: "LV", Term: "lv", Category: "brand", Dictionary: "fake_product"},
			{Field: "body", Start: hs, End: he, Text: "傻逼", Term: "傻逼", Category: "profanity", Dictionary: "profanity_zh"},
		},
		Contacts: []moderation.Contact{{Field: "body", Start: cs, End: ce, Text: "薇信 abc_123", Type: "wechat", Value: "abc_123"}},
		Images: []moderation.ImageResult{{Index: 0, Status: "ok", PHash: "c3d1e0f0a1b2c3d4",
			Matches: []moderation.ImageMatch{{Bank: "seen", ContentID: "note-9", AuthorID: "u-7", Distance: 4}}}},
		DecidedBy: moderation.DecidedByAuto,
	}
	if err := f.store.Submit(ctx, it, v); err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	defer cancelTimeout()

	var (
		hitCount, contactCount int
		hitBg, imgFilter, tip  string
		imgLoaded, narrowOK    bool
		shot, narrowShot       []byte
		status                 string
	)
	err = chromedp.Run(bctx,
		chromedp.EmulateViewport(1280, 800),
		// Log in with the moderator token.
		chromedp.Navigate(srv.URL+"/review/"),
		chromedp.WaitVisible(`#token`, chromedp.ByQuery),
		chromedp.SendKeys(`#token`, tokMod, chromedp.ByQuery),
		chromedp.Click(`#login`, chromedp.ByQuery),
		// Claim from the profanity queue.
		chromedp.WaitVisible(`button[data-claim="profanity"]`, chromedp.ByQuery),
		chromedp.Click(`button[data-claim="profanity"]`, chromedp.ByQuery),
		// The review screen: highlights from the byte offsets, a blurred image.
		chromedp.WaitVisible(`mark.hit`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('.text mark.hit').length`, &hitCount),
		chromedp.Evaluate(`document.querySelectorAll('.text mark.contact').length`, &contactCount),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('.text mark.hit')).backgroundColor`, &hitBg),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('.imgwrap img')).filter`, &imgFilter),
		chromedp.Poll(`Array.from(document.querySelectorAll('.imgwrap img')).every(i => i.complete && i.naturalWidth > 0)`, &imgLoaded,
			chromedp.WithPollingTimeout(20*time.Second)),
		// j focuses the first highlight, which shows its dictionary and category.
		chromedp.KeyEvent("j"),
		chromedp.KeyEvent("j"),
		chromedp.Evaluate(`document.activeElement.dataset.tip || ''`, &tip),
		chromedp.FullScreenshot(&shot, 100),
		// Narrow window: no horizontal scrolling.
		chromedp.EmulateViewport(400, 800),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= 400`, &narrowOK),
		chromedp.CaptureScreenshot(&narrowShot),
		chromedp.EmulateViewport(1280, 800),
		// Decide with the keyboard: r = remove.
		chromedp.KeyEvent("r"),
		chromedp.WaitVisible(`#status[data-state="done"]`, chromedp.ByQuery),
		chromedp.Text(`#status`, &status, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}

	dir := t.TempDir()
	if *update {
		dir = filepath.Join("..", "..", "testdata", "review")
	}
	for name, b := range map[string][]byte{"screenshot.png": shot, "screenshot-narrow.png": narrowShot} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s (%d bytes)", filepath.Join(dir, "screenshot.png"), len(shot))

	if hitCount != 2 || contactCount != 1 {
		t.Errorf("highlights: %d hits, %d contacts; want 2 and 1", hitCount, contactCount)
	}
	if hitBg == "" || hitBg == "rgba(0, 0, 0, 0)" {
		t.Errorf("hit highlight has no background: %q", hitBg)
	}
	if !strings.Contains(imgFilter, "blur") || !strings.Contains(imgFilter, "grayscale") {
		t.Errorf("image filter %q, want blur and grayscale", imgFilter)
	}
	if !imgLoaded {
		t.Error("images did not load")
	}
	if tip != "profanity_zh · profanity" {
		t.Errorf("focused highlight tip %q", tip)
	}
	if !narrowOK {
		t.Error("page scrolls horizontally at 400px")
	}
	if !strings.Contains(status, "Saved: remove") {
		t.Errorf("status after decision: %q", status)
	}

	// The decision reached the verdict stream as a verdict.updated event.
	events := streamVerdicts(t, f.rdb)
	if len(events) != 1 {
		t.Fatalf("stream holds %d events, want 1", len(events))
	}
	ev := events[0]
	if ev.EventType != moderation.EventUpdated || ev.ContentID != "note-1" || ev.Decision != moderation.Block ||
		ev.DecidedBy != "moderator:alice" || len(ev.Hits) != 2 || ev.EventID == v.EventID {
		t.Errorf("event: %+v", ev)
	}
	audit, err := f.store.Audit(ctx, "-", 10)
	if err != nil || len(audit) != 1 || audit[0].Actor != "alice" || audit[0].Action != "remove" {
		t.Errorf("audit: %+v %v", audit, err)
	}
}
