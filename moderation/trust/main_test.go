package trust_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue/redistest"
	"github.com/trustd/trustd/rules"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is an injected clock that tests move by hand.
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
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	rulesOnce sync.Once
	rulesSrc  *rules.Source
	rulesErr  error
)

// defaultRules returns the rules shipped in the binary, compiled once per test binary.
func defaultRules(t *testing.T) *rules.Source {
	t.Helper()
	rulesOnce.Do(func() {
		rulesSrc, rulesErr = rules.NewSource(context.Background(), rules.SourceConfig{})
	})
	if rulesErr != nil {
		t.Fatal(rulesErr)
	}
	return rulesSrc
}

// hook is what queue.VerdictHook asks for, declared here to keep the test off the queue package.
type hook interface {
	OnVerdict(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error
}

// harness runs items through a real pipeline with the default rules, the given signalers and
// hooks, the way the worker does (moderate, then every hook).
type harness struct {
	t     *testing.T
	rdb   *redis.Client
	clock *clock
	p     *moderation.Pipeline
	hooks []hook
}

func newHarness(t *testing.T, rdb *redis.Client, c *clock, sigs []moderation.Signaler, hooks ...hook) *harness {
	t.Helper()
	p, err := moderation.New(moderation.Config{Rules: defaultRules(t), Signalers: sigs, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, rdb: rdb, clock: c, p: p, hooks: hooks}
}

func (h *harness) run(it *moderation.Item) *moderation.Verdict {
	h.t.Helper()
	if err := it.Normalize(); err != nil {
		h.t.Fatal(err)
	}
	v, err := h.p.Moderate(context.Background(), it)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, k := range h.hooks {
		if err := k.OnVerdict(context.Background(), it, v); err != nil {
			h.t.Fatal(err)
		}
	}
	return v
}

func comment(id, author, body string) *moderation.Item {
	return &moderation.Item{ID: id, Scene: moderation.SceneComment, AuthorID: author, ParentID: "note-1", Body: body}
}

func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	return redistest.Start(t).Client(t)
}
