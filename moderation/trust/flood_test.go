package trust_test

import (
	"fmt"
	"math/rand/v2"
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

// A bucket crowded by other texts that share one of its band values (a common phrase) must
// neither count them nor hide a flood: the flood is found through the item's other buckets.
func TestFloodCrowdedBucket(t *testing.T) {
	t.Parallel()
	c := newClock()
	f, _ := newFloods(t, c, trust.FloodConfig{Review: 3, Block: 5})
	h := newHarness(t, nil, c, []moderation.Signaler{f})
	r := rand.New(rand.NewPCG(1, 2))
	letters := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			for b[i] = byte('a' + r.IntN(26)); i > 0 && b[i] == b[i-1]; b[i] = byte('a' + r.IntN(26)) {
			}
		}
		return string(b)
	}
	flood := letters(24) + " " + letters(24)
	fp := trust.FingerprintOf(trust.Canonical(flood))
	// Texts sharing the flood's first half: find those that fall into its band-0 bucket
	// without agreeing with it, or with each other, on enough bands to be the same text.
	var crowd []string
	shorts := []uint64{fp.Short()}
	differs := func(s uint64) bool {
		for _, o := range shorts {
			if trust.Agree(o, s) >= 3 {
				return false
			}
		}
		return true
	}
	for tries := 0; len(crowd) < 20 && tries < 200000; tries++ {
		other := flood[:25] + letters(24)
		ofp := trust.FingerprintOf(trust.Canonical(other))
		if ofp[0] == fp[0] && differs(ofp.Short()) { // unlike the flood and each other
			crowd = append(crowd, other)
			shorts = append(shorts, ofp.Short())
		}
	}
	if len(crowd) < 20 {
		t.Fatalf("found %d crowding texts", len(crowd))
	}
	run := func(id, author, body string) *moderation.Verdict {
		c.Advance(time.Second)
		return h.run(comment(id, author, body))
	}
	for i := range 2 {
		if v := run(fmt.Sprintf("f-%d", i), fmt.Sprintf("fa-%d", i), flood); containsLabel(v.Labels, moderation.LabelFlood) {
			t.Fatalf("flood posting %d: flood already", i)
		}
	}
	for i, body := range crowd {
		if v := run(fmt.Sprintf("c-%d", i), fmt.Sprintf("ca-%d", i), body); containsLabel(v.Labels, moderation.LabelFlood) {
			t.Fatalf("crowding text %d counted as the same text: %q", i, v.Reasons)
		}
	}
	v := run("f-2", "fa-2", flood)
	if !containsLabel(v.Labels, moderation.LabelFlood) || !containsReason(v.Reasons, "3 authors posted this text") {
		t.Fatalf("third author of the flood behind a crowded bucket: labels %v, reasons %q", v.Labels, v.Reasons)
	}
}
