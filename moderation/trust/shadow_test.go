package trust_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/rules"
)

// Shadow rules (testdata/trust/shadow-rules blocks "好好用") run beside the live ones: the
// verdict is the live one, the shadow decision is counted and the difference is in the stream.
func TestShadow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	rdb := startRedis(t)
	shadowSrc, err := rules.NewSource(ctx, rules.SourceConfig{Dir: "../../testdata/trust/shadow-rules"})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sh, err := trust.NewShadow(trust.ShadowConfig{Options: trust.Options{Redis: rdb, Now: c.Now, Registerer: reg},
		Live: defaultRules(t), Shadow: shadowSrc})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, rdb, c, []moderation.Signaler{sh})
	for i, tc := range []struct {
		body string
		want moderation.Decision
	}{
		{"今天的穿搭分享给大家", moderation.Pass},
		{"这个真的好好用，推荐", moderation.Pass}, // the shadow would block it
	} {
		if v := h.run(comment(fmt.Sprintf("c-%d", i), "u-1", tc.body)); v.Decision != tc.want {
			t.Errorf("%q: %s, want %s (shadow must not change verdicts)", tc.body, v.Decision, tc.want)
		}
	}
	msgs, err := rdb.XRange(ctx, trust.DefaultShadowStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Values["live"] != "pass" || msgs[0].Values["shadow"] != "block" {
		t.Fatalf("diff stream %v, want one pass→block entry", msgs)
	}
	if got := metricSum(t, reg, "trustd_shadow_decisions_total"); got != 2 {
		t.Errorf("trustd_shadow_decisions_total = %v, want 2", got)
	}
}
