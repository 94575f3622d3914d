package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/queue/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// clock is an injected, manually advanced clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// streamKey is the verdict stream of DESIGN §7.
const streamKey = "trustd:verdicts"

// streamPublisher appends verdict events to the real Redis Stream, like the queue publisher.
func streamPublisher(rdb redis.UniversalClient) review.Publisher {
	return review.PublisherFunc(func(ctx context.Context, v *moderation.Verdict) (bool, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return false, err
		}
		return true, rdb.XAdd(ctx, &redis.XAddArgs{Stream: streamKey, Values: []any{"verdict", string(b)}}).Err()
	})
}

// streamVerdicts reads every verdict event of the stream.
func streamVerdicts(t *testing.T, rdb redis.UniversalClient) []*moderation.Verdict {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), streamKey, "-", "+").Result()
	if err != nil {
		t.Fatalf("XRANGE: %v", err)
	}
	var out []*moderation.Verdict
	for _, m := range msgs {
		v := new(moderation.Verdict)
		if err := json.Unmarshal([]byte(m.Values["verdict"].(string)), v); err != nil {
			t.Fatalf("decode stream entry %s: %v", m.ID, err)
		}
		out = append(out, v)
	}
	return out
}

type fixture struct {
	store *review.Store
	rdb   *redis.Client
	clock *clock
	reg   *prometheus.Registry
}

func newFixture(t testing.TB, mod func(*review.Config)) *fixture {
	t.Helper()
	srv := redistest.Start(t)
	f := &fixture{rdb: srv.Client(t), clock: newClock(), reg: prometheus.NewRegistry()}
	cfg := review.Config{
		Client:     f.rdb,
		Publisher:  streamPublisher(f.rdb),
		Now:        f.clock.Now,
		LeaseTTL:   time.Minute,
		Registerer: f.reg,
		Logger:     slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := review.NewStore(cfg)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	f.store = s
	return f
}

// flagged returns an item and its review verdict with a profanity hit in the body.
func flagged(id string, labels ...moderation.Label) (*moderation.Item, *moderation.Verdict) {
	if len(labels) == 0 {
		labels = []moderation.Label{moderation.LabelProfanity}
	}
	body := "你这个傻逼 buy now"
	it := &moderation.Item{ID: id, Scene: moderation.SceneNote, Revision: 1, AuthorID: "u-42", Body: body}
	v := &moderation.Verdict{
		EventID: moderation.CreatedEventID(it.Key()), EventType: moderation.EventCreated,
		ContentID: id, Revision: 1, Scene: moderation.SceneNote, AuthorID: "u-42",
		Decision: moderation.Review, Labels: labels,
		Hits: []moderation.Hit{{Field: "body", Start: 9, End: 15, Text: "傻逼", Term: "傻逼",
			Category: "profanity", Dictionary: "profanity_zh"}},
		Contacts: []moderation.Contact{}, Images: []moderation.ImageResult{},
		DecidedBy: moderation.DecidedByAuto, DecidedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
	}
	return it, v
}

func submit(t *testing.T, s *review.Store, id string, labels ...moderation.Label) string {
	t.Helper()
	it, v := flagged(id, labels...)
	if err := s.Submit(context.Background(), it, v); err != nil {
		t.Fatalf("Submit %s: %v", id, err)
	}
	return review.Key(it.Key())
}

func TestConcurrentClaimsNeverShareAnItem(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	const items, workers = 300, 50
	for i := range items {
		submit(t, f.store, fmt.Sprintf("n-%03d", i))
	}
	var mu sync.Mutex
	holder := map[string]string{} // key → moderator
	decided := 0
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := fmt.Sprintf("mod-%02d", w)
			for {
				l, err := f.store.Claim(ctx, review.QueueProfanity, me)
				if errors.Is(err, review.ErrQueueEmpty) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if prev, ok := holder[l.Key]; ok {
					mu.Unlock()
					errs <- fmt.Errorf("%s claimed by %s and %s", l.Key, prev, me)
					return
				}
				holder[l.Key] = me
				mu.Unlock()
				action := []review.Action{review.ActionApprove, review.ActionRemove, review.ActionLimit}[len(l.Token)%3]
				if _, err := f.store.Decide(ctx, review.DecideRequest{Key: l.Key, Token: l.Token, Actor: me, Action: action}); err != nil {
					errs <- fmt.Errorf("decide %s: %w", l.Key, err)
					return
				}
				mu.Lock()
				decided++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(holder) != items || decided != items {
		t.Fatalf("claimed %d, decided %d items, want %d each", len(holder), decided, items)
	}

	// Every decision appears exactly once in the audit log and once as verdict.updated.
	audit, err := f.store.Audit(ctx, "-", 10*items)
	if err != nil {
		t.Fatal(err)
	}
	auditByKey := map[string]int{}
	for _, a := range audit {
		auditByKey[a.Key]++
		if a.Actor != holder[a.Key] {
			t.Errorf("audit %s: actor %s, want %s", a.Key, a.Actor, holder[a.Key])
		}
	}
	events := streamVerdicts(t, f.rdb)
	eventsByKey := map[string]int{}
	for _, v := range events {
		if v.EventType != moderation.EventUpdated {
			t.Errorf("event %s: type %s", v.EventID, v.EventType)
		}
		k := review.Key(v.Key())
		eventsByKey[k]++
		if want := review.DecidedBy(holder[k]); v.DecidedBy != want {
			t.Errorf("event %s: decided_by %s, want %s", k, v.DecidedBy, want)
		}
	}
	for k := range holder {
		if auditByKey[k] != 1 || eventsByKey[k] != 1 {
			t.Errorf("%s: %d audit entries, %d events; want 1 and 1", k, auditByKey[k], eventsByKey[k])
		}
	}
	if len(audit) != items || len(events) != items {
		t.Errorf("audit %d, events %d, want %d", len(audit), len(events), items)
	}
	if n, _ := f.rdb.HLen(ctx, "trustd:review:outbox").Result(); n != 0 {
		t.Errorf("outbox holds %d events after successful publishes", n)
	}
}

func TestLeaseExpiryHeartbeatRelease(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	key := submit(t, f.store, "n-1")

	a, err := f.store.Claim(ctx, review.QueueProfanity, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Claim(ctx, review.QueueProfanity, "bob"); !errors.Is(err, review.ErrQueueEmpty) {
		t.Fatalf("second claim: %v, want ErrQueueEmpty", err)
	}
	// A heartbeat at 50s extends the lease to 110s.
	f.clock.Advance(50 * time.Second)
	if _, err := f.store.Heartbeat(ctx, key, a.Token); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	f.clock.Advance(50 * time.Second)
	if _, err := f.store.Claim(ctx, review.QueueProfanity, "bob"); !errors.Is(err, review.ErrQueueEmpty) {
		t.Fatalf("claim during extended lease: %v, want ErrQueueEmpty", err)
	}
	if _, err := f.store.Heartbeat(ctx, key, "forged"); !errors.Is(err, review.ErrLeaseLost) {
		t.Fatalf("heartbeat with wrong token: %v, want ErrLeaseLost", err)
	}
	// Past the lease: alice can no longer decide, and the item goes back to the queue.
	f.clock.Advance(11 * time.Second)
	_, err = f.store.Decide(ctx, review.DecideRequest{Key: key, Token: a.Token, Actor: "alice", Action: review.ActionApprove})
	if !errors.Is(err, review.ErrLeaseExpired) {
		t.Fatalf("decide after expiry: %v, want ErrLeaseExpired", err)
	}
	b, err := f.store.Claim(ctx, review.QueueProfanity, "bob")
	if err != nil || b.Key != key {
		t.Fatalf("claim after expiry: %v %v, want %s", b, err, key)
	}
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: key, Token: a.Token, Actor: "alice", Action: review.ActionApprove}); !errors.Is(err, review.ErrLeaseLost) {
		t.Fatalf("decide with the old token: %v, want ErrLeaseLost", err)
	}
	// Release puts it back; then it can be claimed again.
	if err := f.store.Release(ctx, key, b.Token); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := f.store.Release(ctx, key, b.Token); !errors.Is(err, review.ErrLeaseLost) {
		t.Fatalf("second release: %v, want ErrLeaseLost", err)
	}
	c, err := f.store.Claim(ctx, review.QueueProfanity, "carol")
	if err != nil || c.Key != key {
		t.Fatalf("claim after release: %v %v", c, err)
	}
	e, err := f.store.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if e.State != review.StateClaimed || e.LeaseOwner != "carol" || !e.LeaseUntil.Equal(f.clock.Now().Add(time.Minute)) {
		t.Errorf("entry state %s owner %s until %v", e.State, e.LeaseOwner, e.LeaseUntil)
	}
	if n, err := f.store.Reap(ctx); err != nil || n != 0 {
		t.Errorf("reap with a live lease: %d %v", n, err)
	}
	f.clock.Advance(2 * time.Minute)
	if n, err := f.store.Reap(ctx); err != nil || n != 1 {
		t.Errorf("reap after expiry: %d %v, want 1", n, err)
	}
}

func TestSecondDecisionConflicts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	key := submit(t, f.store, "n-1")
	l, err := f.store.Claim(ctx, review.QueueProfanity, "alice")
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.store.Decide(ctx, review.DecideRequest{Key: key, Token: l.Token, Actor: "alice", Action: review.ActionRemove, Note: "slur"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Decision != moderation.Block {
		t.Errorf("remove published %s, want block", first.Decision)
	}
	for _, req := range []review.DecideRequest{
		{Key: key, Token: l.Token, Actor: "alice", Action: review.ActionApprove},
		{Key: key, Token: "other", Actor: "bob", Action: review.ActionLimit},
	} {
		_, err := f.store.Decide(ctx, req)
		var ce *review.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, review.ErrConflict) {
			t.Fatalf("second decision: %v, want ConflictError", err)
		}
		if diff := cmp.Diff(first, ce.Stored); diff != "" {
			t.Errorf("stored decision (-want +got):\n%s", diff)
		}
	}
	// Decided items expire after the retention (30 days by default); pending ones never do.
	if ttl, err := f.rdb.PTTL(ctx, "trustd:review:item:"+key).Result(); err != nil || ttl < 29*24*time.Hour || ttl > 30*24*time.Hour {
		t.Errorf("decided item TTL %v %v, want about 30 days", ttl, err)
	}
	res, err := f.store.Bulk(ctx, review.BulkRequest{Keys: []string{key}, Actor: "admin", Action: review.ActionApprove, Reason: "cleanup"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].OK || res[0].Error != "already_decided" || res[0].Decision == nil {
		t.Errorf("bulk on decided item: %+v", res[0])
	}
	events := streamVerdicts(t, f.rdb)
	if len(events) != 1 || events[0].Decision != moderation.Block || events[0].EventID != first.EventID ||
		events[0].DecidedBy != "moderator:alice" || len(events[0].Hits) != 1 {
		t.Errorf("stream holds %+v, want one block event with the original evidence", events)
	}
}

func TestQueueOrderAndStats(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	submit(t, f.store, "old")
	f.clock.Advance(time.Minute)
	submit(t, f.store, "new")
	f.clock.Advance(time.Minute)
	submit(t, f.store, "severe", moderation.LabelHate) // higher priority, newest
	submit(t, f.store, "ad", moderation.LabelContact)
	submit(t, f.store, "dup", moderation.LabelDuplicateImage)
	submit(t, f.store, "old") // duplicate submit: no-op
	f.clock.Advance(30 * time.Second)

	stats, err := f.store.QueueStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for _, s := range stats {
		if s.Pending > 0 {
			got[s.Queue] = [2]float64{float64(s.Pending), s.OldestAgeSeconds}
		}
	}
	want := map[string][2]float64{"profanity": {3, 150}, "contact": {1, 30}, "duplicate_image": {1, 30}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	var order []string
	for {
		l, err := f.store.Claim(ctx, review.QueueProfanity, "alice")
		if errors.Is(err, review.ErrQueueEmpty) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, l.Key)
	}
	if diff := cmp.Diff([]string{"note:severe:1", "note:old:1", "note:new:1"}, order); diff != "" {
		t.Errorf("claim order (-want +got):\n%s", diff)
	}
	if err := testutil.GatherAndCompare(f.reg, strings.NewReader(`
# HELP trustd_review_backlog Pending (unclaimed) review items per queue.
# TYPE trustd_review_backlog gauge
trustd_review_backlog{queue="appeals"} 0
trustd_review_backlog{queue="audit_sample"} 0
trustd_review_backlog{queue="contact"} 1
trustd_review_backlog{queue="duplicate_image"} 1
trustd_review_backlog{queue="escalated"} 0
trustd_review_backlog{queue="fake_product"} 0
trustd_review_backlog{queue="other"} 0
trustd_review_backlog{queue="profanity"} 0
`), "trustd_review_backlog"); err != nil {
		t.Error(err)
	}
	if probs, err := testutil.GatherAndLint(f.reg); err != nil || len(probs) > 0 {
		t.Errorf("lint: %v %v", probs, err)
	}
}

func TestSamplerAndSubmitFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *review.Config) { c.Sampler = review.Sampler{PassRate: 0.1, BlockRate: 1} })
	ctx := context.Background()
	picked := 0
	for i := range 2000 {
		it, v := flagged(fmt.Sprintf("p-%d", i))
		v.Decision = moderation.Pass
		if a, b := f.store.Sampler().Sample(v), f.store.Sampler().Sample(v); a != b {
			t.Fatal("sampler is not deterministic")
		}
		if f.store.Sampler().Sample(v) {
			picked++
		}
		if i < 50 {
			if err := f.store.Submit(ctx, it, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if picked < 150 || picked > 250 {
		t.Errorf("sampled %d of 2000 at rate 0.1", picked)
	}
	it, v := flagged("b-1")
	v.Decision = moderation.Block
	if err := f.store.Submit(ctx, it, v); err != nil {
		t.Fatal(err)
	}
	it, v = flagged("l-1")
	v.Decision = moderation.Limit // LimitRate 0: ignored
	if err := f.store.Submit(ctx, it, v); err != nil {
		t.Fatal(err)
	}
	wantSampled := 1
	for i := range 50 {
		_, v := flagged(fmt.Sprintf("p-%d", i))
		v.Decision = moderation.Pass
		if f.store.Sampler().Sample(v) {
			wantSampled++
		}
	}
	n, err := f.rdb.ZCard(ctx, "trustd:review:q:audit_sample").Result()
	if err != nil || int(n) != wantSampled {
		t.Errorf("audit_sample holds %d (%v), want %d", n, err, wantSampled)
	}
	if _, err := f.store.Get(ctx, "note:l-1:1"); !errors.Is(err, review.ErrNotFound) {
		t.Errorf("unsampled limit verdict stored: %v", err)
	}
}

type allowCall struct{ Term, Category, Scene, Actor string }

func TestFeedbackMoveEscalateAndOverturns(t *testing.T) {
	t.Parallel()
	var allows []allowCall
	var banked []string
	f := newFixture(t, func(c *review.Config) {
		c.Allow = review.AllowListerFunc(func(_ context.Context, term, category string, scene moderation.Scene, actor string) error {
			allows = append(allows, allowCall{term, category, string(scene), actor})
			return nil
		})
		c.Banks = review.ImageBankerFunc(func(_ context.Context, bank string, it *moderation.Item, _ *moderation.Verdict, actor string) error {
			banked = append(banked, bank+"/"+it.ID+"/"+actor)
			return nil
		})
	})
	ctx := context.Background()
	k1 := submit(t, f.store, "n-1")
	k2 := submit(t, f.store, "n-2")

	l, _ := f.store.Claim(ctx, review.QueueProfanity, "alice")
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: l.Key, Token: l.Token, Actor: "alice", Action: review.ActionApprove,
		Allow: []review.AllowEntry{{Term: "not-a-hit", Category: "profanity"}}}); !errors.Is(err, review.ErrInvalid) {
		t.Fatalf("allow of a non-hit: %v, want ErrInvalid", err)
	}
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: l.Key, Token: l.Token, Actor: "alice", Action: review.ActionMove, Queue: review.QueueContact}); err != nil {
		t.Fatal(err)
	}
	l2, _ := f.store.Claim(ctx, review.QueueProfanity, "alice")
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: l2.Key, Token: l2.Token, Actor: "alice", Action: review.ActionEscalate, Note: "unsure"}); err != nil {
		t.Fatal(err)
	}
	// Moved and escalated items publish nothing; they wait in their new queues.
	if ev := streamVerdicts(t, f.rdb); len(ev) != 0 {
		t.Fatalf("move/escalate published %d events", len(ev))
	}
	lm, err := f.store.Claim(ctx, review.QueueContact, "bob")
	if err != nil || lm.Key != k1 {
		t.Fatalf("claim moved item: %v %v", lm, err)
	}
	le, err := f.store.Claim(ctx, review.QueueEscalated, "admin")
	if err != nil || le.Key != k2 {
		t.Fatalf("claim escalated item: %v %v", le, err)
	}
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: k1, Token: lm.Token, Actor: "bob", Action: review.ActionApprove,
		Allow: []review.AllowEntry{{Term: "傻逼", Category: "profanity"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: k2, Token: le.Token, Actor: "admin", Action: review.ActionRemove, Bank: "deny"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]allowCall{{"傻逼", "profanity", "note", "moderator:bob"}}, allows); diff != "" {
		t.Errorf("allow calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"deny/n-2/moderator:admin"}, banked); diff != "" {
		t.Errorf("bank calls (-want +got):\n%s", diff)
	}
	if got := testutil.ToFloat64(overturns(t, f.reg)); got != 1 {
		t.Errorf("overturns = %v, want 1", got)
	}

	var buf bytes.Buffer
	n, err := f.store.ExportAudit(ctx, &buf, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		var a review.AuditEntry
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("NDJSON line %q: %v", line, err)
		}
		if a.ID == "" || a.At.IsZero() {
			t.Errorf("audit line without id or time: %s", line)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s/%s→%s/%s", a.Actor, a.Action, a.Key, a.Before.Queue, a.Before.Decision, a.After.Queue, a.After.Decision))
	}
	want := []string{
		"alice move note:n-1:1 profanity/review→contact/review",
		"alice escalate note:n-2:1 profanity/review→escalated/review",
		"bob approve note:n-1:1 contact/review→contact/pass",
		"admin remove note:n-2:1 escalated/review→escalated/block",
	}
	if diff := cmp.Diff(want, got); diff != "" || n != len(want) {
		t.Errorf("audit export (%d lines) (-want +got):\n%s", n, diff)
	}
}

func overturns(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "trustd_review_overturns_total" {
			for _, m := range mf.GetMetric() {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	t.Fatal("trustd_review_overturns_total not exported")
	return nil
}

func TestAppeals(t *testing.T) {
	t.Parallel()
	lookupCalls := 0
	f := newFixture(t, func(c *review.Config) {
		c.Lookup = review.VerdictLookupFunc(func(_ context.Context, k moderation.Key) (*moderation.Verdict, *moderation.Item, error) {
			lookupCalls++
			if k.ID != "auto-blocked" {
				return nil, nil, nil
			}
			it, v := flagged(k.ID)
			v.Decision = moderation.Block
			return v, it, nil
		})
	})
	ctx := context.Background()
	key := submit(t, f.store, "n-1")
	if _, err := f.store.Appeal(ctx, review.AppealRequest{Key: mustKey(t, key), Actor: "service:app"}); !errors.Is(err, review.ErrAppealOpen) {
		t.Fatalf("appeal of an undecided item: %v, want ErrAppealOpen", err)
	}
	l, _ := f.store.Claim(ctx, review.QueueProfanity, "alice")
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: key, Token: l.Token, Actor: "alice", Action: review.ActionRemove}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Appeal(ctx, review.AppealRequest{Key: mustKey(t, key), Actor: "service:app", Reason: "it was a quote"}); err != nil {
		t.Fatalf("appeal: %v", err)
	}
	if _, err := f.store.Appeal(ctx, review.AppealRequest{Key: mustKey(t, key), Actor: "service:app"}); !errors.Is(err, review.ErrAppealOpen) {
		t.Fatalf("second appeal: %v, want ErrAppealOpen", err)
	}
	if ttl, _ := f.rdb.PTTL(ctx, "trustd:review:item:"+key).Result(); ttl != -1 {
		t.Errorf("an appealed (pending) item expires in %v", ttl)
	}
	la, err := f.store.Claim(ctx, review.QueueAppeals, "bob")
	if err != nil || la.Key != key {
		t.Fatalf("claim appeal: %v %v", la, err)
	}
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: key, Token: la.Token, Actor: "bob", Action: review.ActionApprove, Note: "overturned"}); err != nil {
		t.Fatal(err)
	}
	// Content only known to the verdict lookup can be appealed too, and upheld.
	if _, err := f.store.Appeal(ctx, review.AppealRequest{Key: moderation.Key{Scene: "note", ID: "unknown", Revision: 1}, Actor: "service:app"}); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("appeal of unknown content: %v, want ErrNotFound", err)
	}
	k2, err := f.store.Appeal(ctx, review.AppealRequest{Key: moderation.Key{Scene: "note", ID: "auto-blocked", Revision: 1}, Actor: "service:app"})
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := f.store.Claim(ctx, review.QueueAppeals, "bob")
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: k2, Token: lb.Token, Actor: "bob", Action: review.ActionUphold}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range streamVerdicts(t, f.rdb) {
		got = append(got, fmt.Sprintf("%s %s %s", v.ContentID, v.Decision, v.DecidedBy))
	}
	want := []string{"n-1 block moderator:alice", "n-1 pass moderator:bob", "auto-blocked block moderator:bob"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdict.updated events (-want +got):\n%s", diff)
	}
	audit, _ := f.store.Audit(ctx, "-", 100)
	var acts []string
	for _, a := range audit {
		acts = append(acts, fmt.Sprintf("%s %s r%d %s→%s", a.Actor, a.Action, a.Round, a.Before.Decision, a.After.Decision))
	}
	wantActs := []string{"alice remove r0 review→block", "service:app appeal r1 block→block", "bob approve r1 block→pass",
		"service:app appeal r1 block→block", "bob uphold r1 block→block"}
	if diff := cmp.Diff(wantActs, acts); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func mustKey(t *testing.T, s string) moderation.Key {
	t.Helper()
	k, err := review.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBulk(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	var keys []string
	for i := range 5 {
		keys = append(keys, submit(t, f.store, fmt.Sprintf("n-%d", i)))
	}
	l, _ := f.store.Claim(ctx, review.QueueProfanity, "alice") // n-0 is held by alice
	tests := []struct {
		name string
		req  review.BulkRequest
	}{
		{"no reason", review.BulkRequest{Keys: keys, Actor: "admin", Action: review.ActionRemove}},
		{"too many", review.BulkRequest{Keys: make([]string, review.MaxBulk+1), Actor: "admin", Action: review.ActionRemove, Reason: "x"}},
		{"none", review.BulkRequest{Actor: "admin", Action: review.ActionRemove, Reason: "x"}},
	}
	for _, tt := range tests {
		if _, err := f.store.Bulk(ctx, tt.req); !errors.Is(err, review.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", tt.name, err)
		}
	}
	res, err := f.store.Bulk(ctx, review.BulkRequest{Keys: append(keys, "note:missing:1"), Actor: "admin", Action: review.ActionRemove, Reason: "spam wave"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, fmt.Sprintf("%s %v %s", r.Key, r.OK, r.Error))
	}
	want := []string{"note:n-0:1 false claimed", "note:n-1:1 true ", "note:n-2:1 true ", "note:n-3:1 true ", "note:n-4:1 true ", "note:missing:1 false not_found"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bulk (-want +got):\n%s", diff)
	}
	if l.Key != keys[0] {
		t.Fatalf("claimed %s", l.Key)
	}
	if n, _ := f.rdb.ZCard(ctx, "trustd:review:q:profanity").Result(); n != 0 {
		t.Errorf("queue still holds %d bulk-decided items", n)
	}
	if ev := streamVerdicts(t, f.rdb); len(ev) != 4 {
		t.Errorf("bulk published %d events, want 4", len(ev))
	}
}

func TestOutboxRedeliversFailedPublishes(t *testing.T) {
	t.Parallel()
	fail := true
	var inner review.Publisher
	f := newFixture(t, func(c *review.Config) {
		c.Publisher = review.PublisherFunc(func(ctx context.Context, v *moderation.Verdict) (bool, error) {
			if fail {
				return false, errors.New("stream down")
			}
			return inner.Publish(ctx, v)
		})
	})
	inner = streamPublisher(f.rdb)
	ctx := context.Background()
	key := submit(t, f.store, "n-1")
	l, _ := f.store.Claim(ctx, review.QueueProfanity, "alice")
	rec, err := f.store.Decide(ctx, review.DecideRequest{Key: key, Token: l.Token, Actor: "alice", Action: review.ActionLimit})
	if err != nil {
		t.Fatalf("decide with a failing publisher must still commit: %v", err)
	}
	if ev := streamVerdicts(t, f.rdb); len(ev) != 0 {
		t.Fatalf("%d events with a failing publisher", len(ev))
	}
	fail = false
	f.clock.Advance(time.Minute)
	n, err := f.store.FlushOutbox(ctx, 30*time.Second)
	if err != nil || n != 1 {
		t.Fatalf("flush: %d %v", n, err)
	}
	ev := streamVerdicts(t, f.rdb)
	if len(ev) != 1 || ev[0].EventID != rec.EventID || ev[0].Decision != moderation.Limit {
		t.Errorf("after flush: %+v", ev)
	}
	if n, _ := f.store.FlushOutbox(ctx, 0); n != 0 {
		t.Errorf("second flush published %d", n)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want moderation.Key
		ok   bool
	}{
		{"note:abc:1", moderation.Key{Scene: "note", ID: "abc", Revision: 1}, true},
		{"comment:a:b:c:12", moderation.Key{Scene: "comment", ID: "a:b:c", Revision: 12}, true},
		{"note::1", moderation.Key{}, false},
		{"note:abc:0", moderation.Key{}, false},
		{"blog:abc:1", moderation.Key{}, false},
		{"noteabc", moderation.Key{}, false},
		{"note:abc:", moderation.Key{}, false},
	}
	for _, tt := range tests {
		got, err := review.ParseKey(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseKey(%q) = %v, %v", tt.in, got, err)
		}
	}
}
