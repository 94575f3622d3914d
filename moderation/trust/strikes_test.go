package trust_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
)

func newStrikes(t *testing.T, c *clock, cfg trust.StrikesConfig) (*trust.Strikes, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg.Redis, cfg.Now, cfg.Registerer = startRedis(t), c.Now, reg
	s, err := trust.NewStrikes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

// A benign comment passes on its own; from an author with three blocks in 24 hours it goes to
// review, and the verdict says why. The strikes decay after the window.
func TestStrikesRepeatOffender(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, reg := newStrikes(t, c, trust.StrikesConfig{})
	h := newHarness(t, nil, c, []moderation.Signaler{s}, s)

	benign := "今天的穿搭好好看，求同款"
	if v := h.run(comment("c-0", "u-42", benign)); v.Decision != moderation.Pass {
		t.Fatalf("benign comment of a clean author: %s, want pass", v.Decision)
	}
	for i, body := range []string{"你这个傻逼", "你这个傻逼", "加我微信 abc_123"} {
		v := h.run(comment("bad-"+string(rune('a'+i)), "u-42", body))
		if v.Decision != moderation.Block {
			t.Fatalf("abusive comment %d: %s, want block", i, v.Decision)
		}
		// The worker retries a task whose later step failed: every hook runs again.
		if err := s.OnVerdict(context.Background(), nil, v); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
	}
	if n, err := s.Count(context.Background(), "u-42", moderation.Key{}); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3 (retries must not add strikes)", n, err)
	}

	v := h.run(comment("c-1", "u-42", benign))
	if v.Decision != moderation.Review {
		t.Fatalf("benign comment of a repeat offender: %s, want review (reasons %q)", v.Decision, v.Reasons)
	}
	if !containsReason(v.Reasons, "author u-42: 3 strikes in 24h") {
		t.Errorf("reasons %q do not name the author signal", v.Reasons)
	}
	if v := h.run(comment("c-2", "u-7", benign)); v.Decision != moderation.Pass {
		t.Errorf("another author: %s, want pass", v.Decision)
	}
	if got := metricSum(t, reg, "trustd_author_strikes_recorded_total"); got != 6 {
		t.Errorf("strikes recorded (with retries) = %v, want 6", got)
	}

	// The first block was 3 hours before the check; 22 hours later it is out of the window.
	c.Advance(22 * time.Hour)
	if v := h.run(comment("c-3", "u-42", benign)); v.Decision != moderation.Pass {
		t.Errorf("after the first strike decayed: %s, want pass (reasons %q)", v.Decision, v.Reasons)
	}
}

// A re-moderated blocked item does not count its own strike against itself.
func TestStrikesOwnItemNotCounted(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, _ := newStrikes(t, c, trust.StrikesConfig{Review: 1, NewAccountAge: -1})
	h := newHarness(t, nil, c, []moderation.Signaler{s}, s)
	it := comment("c-9", "u-1", "你这个傻逼")
	h.run(it)
	v := h.run(comment("c-9", "u-1", "你这个傻逼"))
	if containsReason(v.Reasons, "author u-1") {
		t.Errorf("the item's own strike was counted: %q", v.Reasons)
	}
	if v := h.run(comment("c-10", "u-1", "好看")); v.Decision != moderation.Review {
		t.Errorf("next item with 1 strike and Review 1: %s, want review", v.Decision)
	}
}

// New accounts (meta.author_created_at within 7 days) are escalated from the first strike.
func TestStrikesNewAccount(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, _ := newStrikes(t, c, trust.StrikesConfig{})
	h := newHarness(t, nil, c, []moderation.Signaler{s}, s)
	meta := func(age time.Duration) json.RawMessage {
		b, _ := json.Marshal(map[string]any{trust.MetaAuthorCreatedAt: c.Now().Add(-age), "other": 1})
		return b
	}
	for _, tc := range []struct {
		name   string
		author string
		meta   json.RawMessage
		want   moderation.Decision
	}{
		{"new account", "u-new", meta(24 * time.Hour), moderation.Review},
		{"old account", "u-old", meta(400 * 24 * time.Hour), moderation.Pass},
		{"no meta", "u-nometa", nil, moderation.Pass},
		{"bad meta", "u-badmeta", json.RawMessage(`{"author_created_at":"yesterday"}`), moderation.Pass},
	} {
		bad := comment("bad-"+tc.author, tc.author, "你这个傻逼")
		bad.Meta = tc.meta
		h.run(bad)
		next := comment("next-"+tc.author, tc.author, "好看")
		next.Meta = tc.meta
		v := h.run(next)
		if v.Decision != tc.want {
			t.Errorf("%s: %s, want %s (reasons %q)", tc.name, v.Decision, tc.want, v.Reasons)
		}
		if tc.want == moderation.Review && !containsReason(v.Reasons, "(new account)") {
			t.Errorf("%s: reasons %q do not say new account", tc.name, v.Reasons)
		}
	}
}

func TestStrikesConfig(t *testing.T) {
	t.Parallel()
	rdb := startRedis(t)
	for _, cfg := range []trust.StrikesConfig{
		{},
		{Options: trust.Options{Redis: rdb}, Window: time.Millisecond},
		{Options: trust.Options{Redis: rdb}, Count: []moderation.Decision{moderation.Pass}},
	} {
		if _, err := trust.NewStrikes(cfg); err == nil {
			t.Errorf("NewStrikes(%+v) accepted", cfg)
		}
	}
}

func containsReason(reasons []string, s string) bool {
	for _, r := range reasons {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// metricSum sums every series of a counter or gauge in reg.
func metricSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		sum := 0.0
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		return sum
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}
