package review_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/trustd/trustd/moderation/review"
)

// BenchmarkSubmitClaimDecide measures one item's full round through the store on a local
// Redis: Submit, Claim, then Decide (with audit entry, outbox and stream publish).
func BenchmarkSubmitClaimDecide(b *testing.B) {
	f := newFixture(b, nil)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		it, v := flagged(fmt.Sprintf("b-%d", i))
		i++
		if err := f.store.Submit(ctx, it, v); err != nil {
			b.Fatal(err)
		}
		l, err := f.store.Claim(ctx, review.QueueProfanity, "alice")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.store.Decide(ctx, review.DecideRequest{Key: l.Key, Token: l.Token, Actor: "alice", Action: review.ActionRemove}); err != nil {
			b.Fatal(err)
		}
	}
}
