package review_test

import (
	"context"
	"errors"
	"testing"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/queue"
)

// TestWithQueuePublisher wires the store to the real queue.Publisher exactly as the commands
// do: decisions land in trustd:verdicts and in the latest-verdict lookup, and content only
// known to that lookup can be appealed.
func TestWithQueuePublisher(t *testing.T) {
	t.Parallel()
	var pub *queue.Publisher
	f := newFixture(t, func(c *review.Config) {
		p, err := queue.NewPublisher(queue.PublisherConfig{Redis: c.Client})
		if err != nil {
			t.Fatal(err)
		}
		pub = p
		c.Publisher = p
		c.Lookup = review.VerdictLookupFunc(func(ctx context.Context, k moderation.Key) (*moderation.Verdict, *moderation.Item, error) {
			v, err := p.Latest(ctx, k.Scene, k.ID)
			if errors.Is(err, queue.ErrNotFound) || (err == nil && v.Revision != k.Revision) {
				return nil, nil, nil
			}
			return v, nil, err
		})
	})
	if pub.Stream() != streamKey {
		t.Fatalf("queue publishes to %s, the test reads %s", pub.Stream(), streamKey)
	}
	ctx := context.Background()
	key := submit(t, f.store, "n-1")
	l, err := f.store.Claim(ctx, review.QueueProfanity, "alice")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.store.Decide(ctx, review.DecideRequest{Key: key, Token: l.Token, Actor: "alice", Action: review.ActionLimit})
	if err != nil {
		t.Fatal(err)
	}
	ev := streamVerdicts(t, f.rdb)
	if len(ev) != 1 || ev[0].EventID != rec.EventID || ev[0].EventType != moderation.EventUpdated {
		t.Fatalf("stream: %+v", ev)
	}
	latest, err := pub.Latest(ctx, moderation.SceneNote, "n-1")
	if err != nil || latest.Decision != moderation.Limit || latest.DecidedBy != "moderator:alice" {
		t.Fatalf("latest verdict %+v %v", latest, err)
	}

	// An automatic block the store never saw, published by the worker, is appealable.
	_, v := flagged("auto-1")
	v.Decision = moderation.Block
	if _, err := pub.Publish(ctx, v); err != nil {
		t.Fatal(err)
	}
	k2, err := f.store.Appeal(ctx, review.AppealRequest{Key: v.Key(), Actor: "service:app"})
	if err != nil {
		t.Fatal(err)
	}
	la, err := f.store.Claim(ctx, review.QueueAppeals, "bob")
	if err != nil || la.Key != k2 {
		t.Fatalf("claim appeal: %v %v", la, err)
	}
	if _, err := f.store.Decide(ctx, review.DecideRequest{Key: k2, Token: la.Token, Actor: "bob", Action: review.ActionApprove}); err != nil {
		t.Fatal(err)
	}
	if latest, err := pub.Latest(ctx, moderation.SceneNote, "auto-1"); err != nil || latest.Decision != moderation.Pass {
		t.Errorf("after overturned appeal, latest = %+v %v", latest, err)
	}
}
