package queue_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// ocrEnv is a worker with the real rules and the OCR enqueue hook, and an OCR worker whose
// ImageReader is a fake: it "reads" the text found in each image URL's fragment (#text=…).
type ocrEnv struct {
	*env
	mu    sync.Mutex
	read  map[string]int           // reads by item (URL path)
	gates map[string]chan struct{} // a read of a URL waits for its gate to close
}

func newOCREnv(t *testing.T) *ocrEnv {
	t.Helper()
	e := &ocrEnv{env: newEnv(t), read: map[string]int{}, gates: map[string]chan struct{}{}}
	set, err := rules.CompileDefault()
	if err != nil {
		t.Fatal(err)
	}
	src := moderation.StaticRules{R: set}
	// Every image is fetched and hashed fine; what matters here is what OCR reads.
	images := moderation.ImageCheckerFunc(func(_ context.Context, it *moderation.Item) ([]moderation.ImageResult, []moderation.Signal) {
		res := make([]moderation.ImageResult, len(it.Images))
		for i := range res {
			res[i] = moderation.ImageResult{Index: i, Status: moderation.ImageOK, PHash: "00000000000000ff"}
		}
		return res, nil
	})
	if e.pipe, err = moderation.New(moderation.Config{Rules: src, Images: images}); err != nil {
		t.Fatal(err)
	}
	e.startWorker(t, queue.NewOCREnqueuer(e.rdb))
	reader := queue.ImageReaderFunc(func(ctx context.Context, urls []string) ([]string, error) {
		out := make([]string, len(urls))
		for i, u := range urls {
			path, text, _ := strings.Cut(u, "#text=")
			e.mu.Lock()
			e.read[path]++
			gate := e.gates[path]
			e.mu.Unlock()
			if gate != nil {
				select {
				case <-gate:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			out[i] = text
		}
		return out, nil
	})
	w, err := queue.NewOCRWorker(queue.OCRWorkerConfig{Redis: e.rdb, Reader: reader, Rules: src, Publisher: e.pub,
		TaskCheckInterval: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return e
}

// hold makes reads of path wait until release is called.
func (e *ocrEnv) hold(path string) (release func()) {
	gate := make(chan struct{})
	e.mu.Lock()
	e.gates[path] = gate
	e.mu.Unlock()
	return func() { close(gate) }
}

func (e *ocrEnv) reads(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.read[path]
}

// ocrIdle reports whether no OCR task is queued, running or waiting to be retried.
func (e *ocrEnv) ocrIdle(t *testing.T) bool {
	t.Helper()
	in := asynq.NewInspectorFromRedisClient(e.rdb)
	q, err := in.GetQueueInfo(queue.QueueOCR)
	if err != nil {
		return false // the queue does not exist until its first task
	}
	return q.Size == 0
}

func note(id, body string, urls ...string) *moderation.Item {
	it := &moderation.Item{ID: id, Scene: moderation.SceneNote, Revision: 1, AuthorID: "u-1", Body: body, SubmittedAt: time.Now()}
	for _, u := range urls {
		it.Images = append(it.Images, moderation.Image{URL: u})
	}
	return it
}

func verdictsOf(t *testing.T, e *ocrEnv, id string) []moderation.Verdict {
	t.Helper()
	var out []moderation.Verdict
	for _, v := range streamVerdicts(t, e.rdb) {
		if v.ContentID == id {
			out = append(out, v)
		}
	}
	return out
}

func TestOCRPublishesUpdateWhenImageTextChangesDecision(t *testing.T) {
	t.Parallel()
	e := newOCREnv(t)
	it := note("n-ocr", "a lovely lamp for the living room",
		"https://img.example/n-ocr/0.jpg", "https://img.example/n-ocr/1.jpg#text=加微信 wx_tea2024 看详情")
	if _, err := e.client.Submit(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "created and updated verdicts", 20*time.Second, func() bool { return len(verdictsOf(t, e, it.ID)) == 2 })
	vs := verdictsOf(t, e, it.ID)
	created, updated := vs[0], vs[1]
	if created.EventType != moderation.EventCreated || created.Decision != moderation.Pass {
		t.Fatalf("first event: %s %s, want the text verdict (verdict.created, pass)", created.EventType, created.Decision)
	}
	if updated.EventType != moderation.EventUpdated || updated.EventID != moderation.OCRUpdatedEventID(it.Key()) {
		t.Fatalf("second event: %s %s, want verdict.updated with the OCR event id", updated.EventType, updated.EventID)
	}
	if updated.Decision.Severity() <= moderation.Pass.Severity() || !slices.Contains(updated.Labels, moderation.LabelContact) {
		t.Fatalf("updated verdict: %s %v, want a contact label and a stricter decision", updated.Decision, updated.Labels)
	}
	img := updated.Images[1]
	if img.Text != "加微信 wx_tea2024 看详情" {
		t.Fatalf("images[1].text = %q", img.Text)
	}
	i := slices.IndexFunc(img.Contacts, func(c moderation.Contact) bool { return c.Type == moderation.ContactWeChat })
	if i < 0 {
		t.Fatalf("images[1].contacts = %+v, want the WeChat id", img.Contacts)
	}
	if c := img.Contacts[i]; c.Field != moderation.ImageOCRField(1) || img.Text[c.Start:c.End] != c.Text {
		t.Fatalf("contact %+v: want field %s and offsets into the OCR text", c, moderation.ImageOCRField(1))
	}
	if len(updated.Contacts) != len(created.Contacts) || updated.Images[0].Text != "" {
		t.Fatalf("the caption's contacts and image 0 must be unchanged: %+v", updated)
	}
	latest, err := e.pub.Latest(context.Background(), it.Scene, it.ID)
	if err != nil || latest.EventID != updated.EventID {
		t.Fatalf("latest verdict: %v, %v; want the OCR update", latest, err)
	}
}

func TestOCRNoUpdateWhenImageTextChangesNothing(t *testing.T) {
	t.Parallel()
	e := newOCREnv(t)
	it := note("n-plain", "a lovely lamp", "https://img.example/n-plain/0.jpg#text=SALE 50% OFF")
	if _, err := e.client.Submit(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the OCR task to read the image and finish", 20*time.Second, func() bool {
		return e.reads("https://img.example/n-plain/0.jpg") == 1 && e.ocrIdle(t)
	})
	if vs := verdictsOf(t, e, it.ID); len(vs) != 1 || vs[0].EventType != moderation.EventCreated {
		t.Fatalf("events: %+v, want only the verdict.created", vs)
	}
}

func TestOCRNeverOverridesModerator(t *testing.T) {
	t.Parallel()
	e := newOCREnv(t)
	const path = "https://img.example/n-mod/0.jpg"
	release := e.hold(path)
	it := note("n-mod", "a lovely lamp", path+"#text=V: abc_123")
	if _, err := e.client.Submit(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	// The moderator decides while OCR is reading the image.
	waitFor(t, "OCR to start reading", 20*time.Second, func() bool { return e.reads(path) == 1 })
	v, err := e.pub.Latest(context.Background(), it.Scene, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	v.EventType, v.EventID, v.DecidedBy = moderation.EventUpdated, moderation.NewEventID(), "moderator:m1"
	if _, err := e.pub.Publish(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	release()
	waitFor(t, "the OCR task to finish", 20*time.Second, func() bool { return e.ocrIdle(t) })
	vs := verdictsOf(t, e, it.ID)
	if len(vs) != 2 || vs[1].DecidedBy != "moderator:m1" {
		t.Fatalf("events: %+v, want verdict.created and the moderator's update only", vs)
	}
	latest, err := e.pub.Latest(context.Background(), it.Scene, it.ID)
	if err != nil || latest.DecidedBy != "moderator:m1" {
		t.Fatalf("latest verdict %+v, %v: want the moderator's", latest, err)
	}
}

func TestPublishOCRUpdateIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	it := note("n-idem", "lamp", "https://img.example/n-idem/0.jpg")
	v, err := e.pipe.Moderate(ctx, it)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pub.Publish(ctx, v); err != nil {
		t.Fatal(err)
	}
	base, err := e.rdb.HGet(ctx, "trustd:verdict:note:n-idem", "verdict").Result()
	if err != nil {
		t.Fatal(err)
	}
	up := *v
	up.EventType, up.EventID, up.Decision = moderation.EventUpdated, moderation.OCRUpdatedEventID(it.Key()), moderation.Review
	for i, want := range []bool{true, false} {
		got, err := e.pub.PublishOCRUpdate(ctx, &up, base)
		if err != nil || got != want {
			t.Fatalf("attempt %d: published %v, %v; want %v", i+1, got, err, want)
		}
	}
	if n := xlen(t, e.rdb); n != 2 {
		t.Fatalf("stream has %d entries, want verdict.created and one verdict.updated", n)
	}
}

// TestTextVerdictsDoNotWaitForOCR holds the OCR worker on its first image (its concurrency is 1)
// and checks that the text verdicts of that note and of later notes with images are published
// meanwhile; the held note's verdict.updated follows once OCR is let go.
func TestTextVerdictsDoNotWaitForOCR(t *testing.T) {
	t.Parallel()
	e := newOCREnv(t)
	const held = "https://img.example/n-held/0.jpg"
	release := e.hold(held)
	first := note("n-held", "a lovely lamp", held+"#text=V: abc_123")
	if _, err := e.client.Submit(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OCR to start reading the held image", 20*time.Second, func() bool { return e.reads(held) == 1 })
	ids := []string{first.ID}
	for i := range 5 {
		id := "n-after-" + string(rune('a'+i))
		it := note(id, "a reading lamp, warm light", "https://img.example/"+id+"/0.jpg#text=微信 xyz789")
		if _, err := e.client.Submit(context.Background(), it); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	waitFor(t, "every text verdict while OCR is held", 20*time.Second, func() bool {
		for _, id := range ids {
			if len(verdictsOf(t, e, id)) == 0 {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		if vs := verdictsOf(t, e, id); len(vs) != 1 || vs[0].EventType != moderation.EventCreated || vs[0].Decision != moderation.Pass {
			t.Fatalf("%s: events %+v while OCR is held, want only the text verdict (verdict.created, pass)", id, vs)
		}
	}
	release()
	waitFor(t, "the OCR updates once OCR is let go", 20*time.Second, func() bool {
		for _, id := range ids {
			if len(verdictsOf(t, e, id)) != 2 {
				return false
			}
		}
		return true
	})
}
