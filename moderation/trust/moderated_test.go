package trust_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue"
)

// Moderators' removals count as strikes, through the real review store and verdict stream:
// two removals of items the automatic checks only sent to review, plus a removal of an item
// already blocked automatically (still one strike for that revision), make a repeat offender;
// an approval withdraws the automatic strike of a false positive. Events read twice count once.
func TestModeratorRemovalsAreStrikes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	rdb := startRedis(t)
	reg := prometheus.NewRegistry()
	opts := trust.Options{Redis: rdb, Now: c.Now, Registerer: reg}
	strikes, err := trust.NewStrikes(trust.StrikesConfig{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := trust.NewModeratorStrikes(trust.ModeratorStrikesConfig{Options: opts, Strikes: strikes})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.Poll(ctx, -1); err != nil { // joins the group before any decision
		t.Fatal(err)
	}
	pub, err := queue.NewPublisher(queue.PublisherConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	store, err := review.NewStore(review.Config{Client: rdb, Publisher: pub, Sampler: review.Sampler{BlockRate: 1}, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, rdb, c, []moderation.Signaler{strikes}, strikes, hookFunc(store.Submit))

	// Automatic verdicts: two reviews (spam wording), two blocks (sampled for audit).
	for _, x := range []struct{ id, body string }{
		{"c-review-1", "加我私聊，低价出售"}, {"c-review-2", "加我私聊，低价出售"},
		{"c-block-1", "你这个傻逼"}, {"c-block-2", "你这个傻逼"},
	} {
		it := comment(x.id, "u-9", x.body)
		it.Revision = 1
		h.run(it)
	}
	if n, _ := strikes.Count(ctx, "u-9", moderation.Key{}); n != 2 {
		t.Fatalf("automatic strikes = %d, want 2", n)
	}
	decide := func(id string, a review.Action) {
		t.Helper()
		e, err := store.Get(ctx, "comment:"+id+":1")
		if err != nil {
			t.Fatalf("%s not in the review store: %v", id, err)
		}
		l, err := store.Claim(ctx, e.Queue, "mod-1")
		if err != nil || l.Key != e.Key {
			t.Fatalf("claim %s: %v %+v", id, err, l)
		}
		if _, err := store.Decide(ctx, review.DecideRequest{Key: l.Key, Token: l.Token, Actor: "mod-1", Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	decide("c-review-1", review.ActionRemove)
	decide("c-review-2", review.ActionLimit)
	decide("c-block-1", review.ActionRemove)  // already a strike: still one
	decide("c-block-2", review.ActionApprove) // a false positive: the strike goes
	for range 2 {
		if _, err := mod.Poll(ctx, -1); err != nil {
			t.Fatal(err)
		}
	}
	// A consumer that died before acknowledging makes the events delivered again.
	msgs, err := rdb.XRange(ctx, trust.DefaultVerdictStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		rdb.XAdd(ctx, &redis.XAddArgs{Stream: trust.DefaultVerdictStream, Values: m.Values})
	}
	if _, err := mod.Poll(ctx, -1); err != nil {
		t.Fatal(err)
	}

	if n, _ := strikes.Count(ctx, "u-9", moderation.Key{}); n != 3 {
		t.Fatalf("strikes after the moderator decisions = %d, want 3 (c-review-1, c-review-2, c-block-1)", n)
	}
	v := h.run(comment("c-benign", "u-9", "今天的穿搭好好看，求同款"))
	if v.Decision != moderation.Review || !containsReason(v.Reasons, "author u-9: 3 ") {
		t.Errorf("benign comment of the author: %s %q, want review with the author signal", v.Decision, v.Reasons)
	}
	if got := metricSum(t, reg, "trustd_moderator_strikes_total"); got != 3+1+3 {
		t.Errorf("trustd_moderator_strikes_total = %v, want 7 (3 recorded, 1 withdrawn; the redelivered 3 again, idempotently)", got)
	}
}

// hookFunc adapts a function to the hook interface of the harness.
type hookFunc func(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error

func (f hookFunc) OnVerdict(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error {
	return f(ctx, it, v)
}
