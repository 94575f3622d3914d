package trust_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
)

// mechanisms builds strikes, floods and split contacts on rdb.
func mechanisms(t testing.TB, rdb redis.UniversalClient, c *clock) (*trust.Strikes, *trust.Floods, *trust.SplitContacts) {
	t.Helper()
	opts := trust.Options{Redis: rdb, Now: c.Now}
	strikes, err := trust.NewStrikes(trust.StrikesConfig{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	floods, err := trust.NewFloods(trust.FloodConfig{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	split, err := trust.NewSplitContacts(trust.SplitConfig{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return strikes, floods, split
}

// The mechanisms combined in one round trip decide every item as they do one after another:
// a flood, a phone number split over comments and a repeat offender, mixed with normal
// comments.
func TestCombinedAgreesWithSeparate(t *testing.T) {
	t.Parallel()
	c := newClock()
	strikes, floods, split := mechanisms(t, startRedis(t), c)
	separate := newHarness(t, nil, c, []moderation.Signaler{strikes, floods, split}, strikes)
	cs, cf, csp := mechanisms(t, startRedis(t), c)
	combined, err := trust.Combine(cs, cf, csp)
	if err != nil {
		t.Fatal(err)
	}
	together := newHarness(t, nil, c, []moderation.Signaler{combined}, cs)

	var items []*moderation.Item
	for i := range 15 {
		items = append(items, comment(fmt.Sprintf("f-%d", i), fmt.Sprintf("u-%d", i), floodSpellings[i%len(floodSpellings)]))
		items = append(items, comment(fmt.Sprintf("n-%d", i), fmt.Sprintf("n-%d", i), normalComments[i%len(normalComments)]))
	}
	for i, body := range []string{"有事打我电话 138", "0013", "8000", "你这个傻逼", "你这个傻逼", "加我微信 abc_123", "今天的穿搭好好看，求同款"} {
		items = append(items, comment(fmt.Sprintf("s-%d", i), "u-9", body))
	}
	flagged := 0
	for _, it := range items {
		a, b := *it, *it
		va, vb := separate.run(&a), together.run(&b)
		if diff := cmp.Diff(fmt.Sprint(va.Decision, va.Labels, va.Reasons), fmt.Sprint(vb.Decision, vb.Labels, vb.Reasons)); diff != "" {
			t.Errorf("%s: combined differs from separate (-separate +combined):\n%s", it.ID, diff)
		}
		if len(va.Reasons) > 0 && (containsLabel(va.Labels, moderation.LabelFlood) || containsLabel(va.Labels, moderation.LabelContact) || containsReason(va.Reasons, "author u-9")) {
			flagged++
		}
		c.Advance(10 * time.Second)
	}
	if flagged < 8 {
		t.Errorf("%d items flagged by a trust signal, want ≥ 8 (the scenario must exercise the mechanisms)", flagged)
	}
}

// Without Redis each combined mechanism asks for review and says why; the item is not lost.
func TestCombinedRedisDown(t *testing.T) {
	t.Parallel()
	c := newClock()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	strikes, floods, split := mechanisms(t, rdb, c)
	combined, err := trust.Combine(strikes, floods, split)
	if err != nil {
		t.Fatal(err)
	}
	it := comment("c-1", "u-1", floodSpellings[0])
	if err := it.Normalize(); err != nil {
		t.Fatal(err)
	}
	sig, err := combined.Signals(context.Background(), &moderation.Evidence{Item: it})
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != 3 {
		t.Fatalf("signals %v, want one review per mechanism", sig)
	}
	for i, want := range []string{"count strikes of u-1", "flood check", "split contacts of u-1"} {
		if sig[i].Decision != moderation.Review || !containsReason([]string{sig[i].Reason}, want) {
			t.Errorf("signal %d: %s %q, want review mentioning %q", i, sig[i].Decision, sig[i].Reason, want)
		}
	}
}

func TestCombineConfig(t *testing.T) {
	t.Parallel()
	c := newClock()
	strikes, _, _ := mechanisms(t, startRedis(t), c)
	_, floods, _ := mechanisms(t, startRedis(t), c)
	if _, err := trust.Combine(strikes, floods); err == nil {
		t.Error("Combine accepted mechanisms on different Redis clients")
	}
	if _, err := trust.Combine(); err == nil {
		t.Error("Combine accepted no mechanisms")
	}
}
