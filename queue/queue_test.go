package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// go-redis keeps a pool reaper goroutine per client only until Close; asynq's
		// internal redis clients are closed by Shutdown. Nothing else may be left.
		goleak.IgnoreTopFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).reaper"),
	)
}

// wordRules is a minimal moderation.Rules for queue tests: it flags one word. The real rules
// live in package rules and have their own tests; here the pipeline's content is irrelevant.
type wordRules struct{ word string }

func (r wordRules) Version() string { return "test-1" }
func (r wordRules) ScanText(_ moderation.Scene, field, text string) ([]moderation.Hit, []moderation.Contact) {
	i := strings.Index(text, r.word)
	if i < 0 {
		return nil, nil
	}
	return []moderation.Hit{{Field: field, Start: i, End: i + len(r.word), Text: r.word, Term: r.word,
		Category: "profanity", Dictionary: "test"}}, nil
}
func (r wordRules) Decide(ev *moderation.Evidence) moderation.Outcome {
	if len(ev.Hits) > 0 {
		return moderation.Outcome{Decision: moderation.Block, Labels: []moderation.Label{moderation.LabelProfanity}}
	}
	return moderation.Outcome{Decision: moderation.Pass}
}

type env struct {
	rdb    *redis.Client
	client *queue.Client
	pub    *queue.Publisher
	pipe   *moderation.Pipeline
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	c, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	pub, err := queue.NewPublisher(queue.PublisherConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: wordRules{"badword"}}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{rdb: rdb, client: c, pub: pub, pipe: pipe}
}

func (e *env) startWorker(t *testing.T, hooks ...queue.VerdictHook) *queue.Worker {
	t.Helper()
	w, err := queue.NewWorker(queue.WorkerConfig{
		Redis: e.rdb, Moderator: e.pipe, Publisher: e.pub, Hooks: hooks, Concurrency: 8,
		TaskCheckInterval: 10 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(w.Shutdown) })
	return w
}

func comment(i int) *moderation.Item {
	body := fmt.Sprintf("comment number %d, nice photo", i)
	if i%10 == 0 {
		body = fmt.Sprintf("comment %d says badword", i)
	}
	return &moderation.Item{ID: fmt.Sprintf("c-%d", i), Scene: moderation.SceneComment, AuthorID: "u-1",
		SubmittedAt: time.Now(), Body: body}
}

func submitAll(t *testing.T, c *queue.Client, n int) map[queue.Result]int {
	t.Helper()
	counts := map[queue.Result]int{}
	for i := range n {
		r, err := c.Submit(context.Background(), comment(i))
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		counts[r]++
	}
	return counts
}

// waitFor polls cond against the real Redis until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func streamVerdicts(t *testing.T, rdb *redis.Client) []moderation.Verdict {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), queue.DefaultStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]moderation.Verdict, 0, len(msgs))
	for _, m := range msgs {
		var v moderation.Verdict
		if err := json.Unmarshal([]byte(m.Values["verdict"].(string)), &v); err != nil {
			t.Fatalf("stream entry %s: %v", m.ID, err)
		}
		out = append(out, v)
	}
	return out
}

func xlen(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	n, err := rdb.XLen(context.Background(), queue.DefaultStream).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmitModeratePublishExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 1000
	if got := submitAll(t, e.client, n); got[queue.Accepted] != n {
		t.Fatalf("first submission: %v, want %d accepted", got, n)
	}
	// Resubmitting while tasks are still pending is already a duplicate.
	if got := submitAll(t, e.client, 10); got[queue.Duplicate] != 10 {
		t.Fatalf("resubmission while pending: %v, want 10 duplicate", got)
	}
	w := e.startWorker(t)
	waitFor(t, "1000 verdicts", 60*time.Second, func() bool { return xlen(t, e.rdb) >= n })

	// Submitting everything again after publication yields no new work and no new events.
	if got := submitAll(t, e.client, n); got[queue.Duplicate] != n {
		t.Fatalf("second submission: %v, want %d duplicate", got, n)
	}
	w.Stop()
	w.Shutdown()

	vs := streamVerdicts(t, e.rdb)
	if len(vs) != n {
		t.Fatalf("stream has %d entries, want %d", len(vs), n)
	}
	seen := map[string]bool{}
	blocks := 0
	for _, v := range vs {
		if seen[v.ContentID] {
			t.Fatalf("second event for %s", v.ContentID)
		}
		seen[v.ContentID] = true
		if v.EventType != moderation.EventCreated || v.DecidedBy != "auto" || v.Versions.Rules != "test-1" {
			t.Fatalf("unexpected verdict header: %+v", v)
		}
		if v.Decision == moderation.Block {
			blocks++
			if len(v.Hits) != 1 || v.Labels[0] != moderation.LabelProfanity {
				t.Fatalf("block without evidence: %+v", v)
			}
		}
	}
	if blocks != n/10 {
		t.Fatalf("%d blocks, want %d", blocks, n/10)
	}
	// The lookup returns the stored verdict.
	got, err := e.pub.Latest(context.Background(), moderation.SceneComment, "c-10")
	if err != nil || got.Decision != moderation.Block {
		t.Fatalf("Latest(c-10) = %+v, %v; want a block", got, err)
	}
	if _, err := e.pub.Latest(context.Background(), moderation.SceneComment, "nope"); err != queue.ErrNotFound {
		t.Fatalf("Latest(nope) err = %v, want ErrNotFound", err)
	}
}

func TestInvalidItemRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, err := e.client.Submit(context.Background(), &moderation.Item{ID: "bad id!", Scene: "note", AuthorID: "u"})
	var fe *moderation.FieldError
	if r != queue.Rejected || !asFieldError(err, &fe) || fe.Field != "id" {
		t.Fatalf("Submit(bad id) = %v, %v; want rejected naming id", r, err)
	}
	if n := xlen(t, e.rdb); n != 0 {
		t.Fatalf("stream has %d entries after a rejection", n)
	}
}

func asFieldError(err error, fe **moderation.FieldError) bool {
	if err == nil {
		return false
	}
	e, ok := err.(*moderation.FieldError)
	*fe = e
	return ok
}

func TestMalformedTaskIsArchivedNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Bypass the Client: a producer on another version could enqueue garbage.
	aq := asynq.NewClientFromRedisClient(e.rdb)
	defer aq.Close()
	if _, err := aq.Enqueue(asynq.NewTask(queue.TypeModerate, []byte(`{"id": 42`)),
		asynq.Queue(queue.QueueRealtime), asynq.MaxRetry(5), asynq.TaskID("garbage")); err != nil {
		t.Fatal(err)
	}
	e.startWorker(t)
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	defer insp.Close()
	var info *asynq.TaskInfo
	waitFor(t, "the malformed task to be archived", 30*time.Second, func() bool {
		ti, err := insp.GetTaskInfo(queue.QueueRealtime, "garbage")
		if err == nil && ti.State == asynq.TaskStateArchived {
			info = ti
			return true
		}
		return false
	})
	if info.Retried != 0 {
		t.Fatalf("malformed task retried %d times, want 0", info.Retried)
	}
	if !strings.Contains(info.LastErr, "malformed JSON") {
		t.Fatalf("last error %q does not say why", info.LastErr)
	}
	if n := xlen(t, e.rdb); n != 0 {
		t.Fatalf("a malformed task published %d verdicts", n)
	}
}

func TestWorkerRestartLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 1000
	submitAll(t, e.client, n)
	w1 := e.startWorker(t)
	waitFor(t, "some verdicts", 30*time.Second, func() bool { return xlen(t, e.rdb) >= 100 })
	w1.Stop()
	w1.Shutdown() // in-flight tasks finish or go back to the queue
	mid := xlen(t, e.rdb)
	e.startWorker(t)
	waitFor(t, "all verdicts", 60*time.Second, func() bool { return xlen(t, e.rdb) >= n })
	vs := streamVerdicts(t, e.rdb)
	ids := map[string]int{}
	for _, v := range vs {
		ids[v.ContentID]++
	}
	if len(vs) != n || len(ids) != n {
		t.Fatalf("after restart at %d: %d events for %d distinct items, want %d each", mid, len(vs), len(ids), n)
	}
}

func TestPublishCreatedIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	it := comment(7)
	if err := it.Normalize(); err != nil {
		t.Fatal(err)
	}
	v, err := e.pipe.Moderate(ctx, it)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false} {
		got, err := e.pub.Publish(ctx, v)
		if err != nil || got != want {
			t.Fatalf("publish #%d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	// An update is a new event every time and replaces the stored verdict.
	up := *v
	up.EventType, up.EventID, up.Decision, up.DecidedBy = moderation.EventUpdated, moderation.NewEventID(), moderation.Limit, "moderator:m1"
	if ok, err := e.pub.Publish(ctx, &up); !ok || err != nil {
		t.Fatalf("publish update = %v, %v", ok, err)
	}
	if n := xlen(t, e.rdb); n != 2 {
		t.Fatalf("stream has %d entries, want 2 (created + updated)", n)
	}
	got, err := e.pub.Latest(ctx, it.Scene, it.ID)
	if err != nil || got.Decision != moderation.Limit {
		t.Fatalf("Latest = %+v, %v; want the update", got, err)
	}
	// An older revision never replaces a newer one.
	old := *v
	old.Revision, old.EventID = 0, moderation.NewEventID()
	old.EventType = moderation.EventUpdated
	if _, err := e.pub.Publish(ctx, &old); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.pub.Latest(ctx, it.Scene, it.ID); got.Revision != 1 {
		t.Fatalf("older revision replaced the stored verdict: %+v", got)
	}
}

func TestHookFailureRetriesAndPublishesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	calls := 0
	flaky := queue.VerdictHookFunc(func(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return fmt.Errorf("review store unavailable")
		}
		return nil
	})
	if r, err := e.client.Submit(context.Background(), comment(1)); r != queue.Accepted || err != nil {
		t.Fatal(r, err)
	}
	e.startWorker(t, flaky)
	// asynq's first retry waits at least a few seconds (its default backoff).
	waitFor(t, "the retried verdict", 90*time.Second, func() bool { return xlen(t, e.rdb) == 1 })
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Fatalf("hook ran %d times, want 2", calls)
	}
}
