package trust_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
)

func newFloods(t *testing.T, c *clock, cfg trust.FloodConfig) (*trust.Floods, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg.Redis, cfg.Now, cfg.Registerer = startRedis(t), c.Now, reg
	f, err := trust.NewFloods(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f, reg
}

// spellings of one spam text as accounts post it: noise, emoji, traditional characters,
// full-width letters, and one-character edits.
var floodSpellings = []string{
	"这款精华真的绝了，姐妹们冲就完事了！回购三次",
	"这款精华真的绝了姐妹们冲就完事了回购三次✨✨",
	"這款精華真的絕了，姐妹們衝就完事了！回購三次",
	"这款精华真的绝了 姐妹们 冲就完事了 回购三次!!!",
	"这款精华真的绝了，姐妹们冲就完事了！回购四次",
	"这款精华真的绝了，姐妹们冲就完事了！回购三次啦",
}

// Twenty authors post one text (in several spellings): each comment passes on its own, the
// tenth and later are labelled flood.
func TestFloodManyAuthorsOneText(t *testing.T) {
	t.Parallel()
	c := newClock()
	f, reg := newFloods(t, c, trust.FloodConfig{})
	h := newHarness(t, nil, c, []moderation.Signaler{f})
	single := newHarness(t, nil, c, nil)
	for i := range 20 {
		body := floodSpellings[i%len(floodSpellings)]
		it := comment(fmt.Sprintf("c-%d", i), fmt.Sprintf("u-%d", i), body)
		it.ParentID = fmt.Sprintf("note-%d", i%3)
		if v := single.run(comment(it.ID, it.AuthorID, body)); v.Decision != moderation.Pass {
			t.Fatalf("comment %d alone: %s, want pass (the test text must be benign)", i, v.Decision)
		}
		v := h.run(it)
		flood := v.Decision == moderation.Review && containsLabel(v.Labels, moderation.LabelFlood)
		if want := i+1 >= 10; flood != want {
			t.Errorf("author %d: decision %s labels %v, flood %v, want %v (reasons %q)", i+1, v.Decision, v.Labels, flood, want, v.Reasons)
		}
		if i == 19 && !containsReason(v.Reasons, "20 authors posted this text within 1h") {
			t.Errorf("reasons %q do not give the count", v.Reasons)
		}
		c.Advance(time.Minute)
	}
	if got := metricSum(t, reg, "trustd_flood_signals_total"); got != 11 {
		t.Errorf("trustd_flood_signals_total = %v, want 11", got)
	}
	// The window passes: the same text from a new author is a fresh start.
	c.Advance(2 * time.Hour)
	if v := h.run(comment("c-late", "u-late", floodSpellings[0])); containsLabel(v.Labels, moderation.LabelFlood) {
		t.Errorf("after the window: %v, want no flood", v.Labels)
	}
}

// Twenty authors post different comments on one note, and one author posts the same text
// twenty times (or the task is retried): no flood.
func TestFloodNormalTraffic(t *testing.T) {
	t.Parallel()
	c := newClock()
	f, _ := newFloods(t, c, trust.FloodConfig{})
	h := newHarness(t, nil, c, []moderation.Signaler{f})
	comments := normalComments
	for i, body := range comments {
		v := h.run(comment(fmt.Sprintf("c-%d", i), fmt.Sprintf("u-%d", i), body))
		if containsLabel(v.Labels, moderation.LabelFlood) {
			t.Errorf("comment %d %q: labels %v, want no flood (reasons %q)", i, body, v.Labels, v.Reasons)
		}
	}
	for i := range 20 {
		v := h.run(comment(fmt.Sprintf("same-%d", i%5), "u-same", floodSpellings[0]))
		if containsLabel(v.Labels, moderation.LabelFlood) {
			t.Fatalf("one author posting %d times: flood (reasons %q)", i+1, v.Reasons)
		}
	}
	// Short stock replies are common and never fingerprinted.
	for i := range 30 {
		if v := h.run(comment(fmt.Sprintf("short-%d", i), fmt.Sprintf("s-%d", i), "求链接！好看")); containsLabel(v.Labels, moderation.LabelFlood) {
			t.Fatalf("short reply: flood")
		}
	}
}

// From Block distinct authors a flood is blocked.
func TestFloodBlock(t *testing.T) {
	t.Parallel()
	c := newClock()
	f, _ := newFloods(t, c, trust.FloodConfig{Review: 3, Block: 5})
	h := newHarness(t, nil, c, []moderation.Signaler{f})
	var got []moderation.Decision
	for i := range 6 {
		got = append(got, h.run(comment(fmt.Sprintf("c-%d", i), fmt.Sprintf("u-%d", i), floodSpellings[0])).Decision)
	}
	want := []moderation.Decision{moderation.Pass, moderation.Pass, moderation.Review, moderation.Review, moderation.Block, moderation.Block}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("decisions %v, want %v", got, want)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := trust.FingerprintOf(trust.Canonical(floodSpellings[0])).Short()
	for _, tc := range []struct {
		text    string
		atLeast int
		atMost  int
	}{
		{floodSpellings[2], trust.Bands, trust.Bands}, // traditional + punctuation: same canonical text
		{floodSpellings[4], 3, trust.Bands},           // one character changed
		{"今天天气真好我们去公园散步吧开心", 0, 1},
		{"姐妹们冲就完事了这个口红颜色太美了吧", 0, 2}, // shares a phrase only
	} {
		n := trust.Agree(base, trust.FingerprintOf(trust.Canonical(tc.text)).Short())
		if n < tc.atLeast || n > tc.atMost {
			t.Errorf("%q agrees on %d bands, want %d–%d", tc.text, n, tc.atLeast, tc.atMost)
		}
	}
}

func containsLabel(ls []moderation.Label, l moderation.Label) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}
