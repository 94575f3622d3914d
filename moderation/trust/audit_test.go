package trust_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/moderation/trust"
)

// Moderators decide audit_sample items in the real review store; two Audit consumers in one
// group count each decision once, by automatic decision and moderator outcome.
func TestAuditAgreements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	rdb := startRedis(t)
	store, err := review.NewStore(review.Config{Client: rdb, Sampler: review.Sampler{PassRate: 1, BlockRate: 1}, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	regs := []*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
	var audits []*trust.Audit
	for i, reg := range regs {
		a, err := trust.NewAudit(trust.AuditConfig{Options: trust.Options{Redis: rdb, Registerer: reg, Now: c.Now},
			ConsumerConfig: trust.ConsumerConfig{Consumer: fmt.Sprintf("p-%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Poll(ctx, -1); err != nil { // joins the group before any decision
			t.Fatal(err)
		}
		audits = append(audits, a)
	}

	// 6 sampled blocks (moderators keep 5, approve 1), 4 sampled passes (1 should have been
	// removed), and one ordinary review item that is not part of the sample.
	type item struct {
		auto   moderation.Decision
		action review.Action
	}
	items := []item{
		{moderation.Block, review.ActionRemove}, {moderation.Block, review.ActionRemove}, {moderation.Block, review.ActionRemove},
		{moderation.Block, review.ActionRemove}, {moderation.Block, review.ActionLimit}, {moderation.Block, review.ActionApprove},
		{moderation.Pass, review.ActionApprove}, {moderation.Pass, review.ActionApprove}, {moderation.Pass, review.ActionApprove},
		{moderation.Pass, review.ActionRemove},
		{moderation.Review, review.ActionRemove},
	}
	for i, x := range items {
		it := comment(fmt.Sprintf("c-%d", i), "u-1", "text")
		it.Revision = 1
		v := &moderation.Verdict{ContentID: it.ID, Revision: 1, Scene: it.Scene, AuthorID: it.AuthorID, Decision: x.auto,
			DecidedBy: moderation.DecidedByAuto, DecidedAt: c.Now(), Labels: []moderation.Label{}}
		if x.auto == moderation.Review {
			v.Labels = []moderation.Label{moderation.LabelSpam}
		}
		if err := store.Submit(ctx, it, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, x := range items {
		q := review.QueueAuditSample
		if x.auto == moderation.Review {
			q, _ = review.DefaultRoute(&moderation.Verdict{Decision: moderation.Review, Labels: []moderation.Label{moderation.LabelSpam}})
		}
		l, err := store.Claim(ctx, q, "mod-1")
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		if _, err := store.Decide(ctx, review.DecideRequest{Key: l.Key, Token: l.Token, Actor: "mod-1", Action: x.action}); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for range 3 {
		for _, a := range audits {
			n, err := a.Poll(ctx, -1)
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	if total != 10 {
		t.Errorf("counted %d decisions, want 10 (the review item is not in the sample, none twice)", total)
	}
	got := map[string]float64{}
	for _, reg := range regs {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				if v := m.GetCounter().GetValue(); v > 0 {
					got[m.GetLabel()[0].GetValue()+"→"+m.GetLabel()[1].GetValue()] += v
				}
			}
		}
	}
	want := map[string]float64{"block→block": 4, "block→limit": 1, "block→pass": 1, "pass→pass": 3, "pass→block": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("agreements (-want +got):\n%s", diff)
	}
	for _, reg := range regs {
		if probs, err := testutil.GatherAndLint(reg); err != nil || len(probs) > 0 {
			t.Errorf("lint: %v %v", probs, err)
		}
	}
}

func TestEstimate(t *testing.T) {
	t.Parallel()
	P, L, B := moderation.Pass, moderation.Limit, moderation.Block
	c := trust.AuditCounts{B: {B: 8, L: 1, P: 1}, P: {P: 99, B: 1}}
	q := trust.Estimate(c, map[moderation.Decision]float64{P: 10000, B: 100, L: 0})
	// precision 9/10; TP = 0.9 × 100 = 90; FN = 1/100 × 10000 = 100; recall 90/190.
	want := trust.Quality{Agreement: 107.0 / 110, Precision: 0.9, Recall: 90.0 / 190}
	if diff := cmp.Diff(want, q, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Estimate (-want +got):\n%s", diff)
	}
	if q := trust.Estimate(nil, nil); !math.IsNaN(q.Precision) {
		t.Errorf("no data: precision %v, want NaN", q.Precision)
	}
}
