package queue_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/trustd/trustd/moderation"
)

// TestPublishConcurrentBatches publishes from many goroutines at once, so that calls share
// pipelined batches, each revision several times, with the script flushed from Redis in the
// middle: every revision is published exactly once and every call gets its own answer.
func TestPublishConcurrentBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const items, copies = 300, 3
	verdicts := make([]*moderation.Verdict, items)
	for i := range verdicts {
		it := comment(i)
		if err := it.Normalize(); err != nil {
			t.Fatal(err)
		}
		v, err := e.pipe.Moderate(ctx, it)
		if err != nil {
			t.Fatal(err)
		}
		verdicts[i] = v
	}
	var published, dup atomic.Int64
	perItem := make([]atomic.Int64, items)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range copies {
		for i, v := range verdicts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if c == 1 && i == items/2 {
					// Redis forgets the script mid-run (a restart, SCRIPT FLUSH): calls in
					// flight must reload it rather than fail.
					if err := e.rdb.ScriptFlush(ctx).Err(); err != nil {
						t.Error(err)
					}
				}
				ok, err := e.pub.Publish(ctx, v)
				if err != nil {
					t.Errorf("publish %s: %v", v.Key(), err)
					return
				}
				if ok {
					published.Add(1)
					perItem[i].Add(1)
				} else {
					dup.Add(1)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if published.Load() != items || dup.Load() != items*(copies-1) {
		t.Fatalf("published %d, duplicates %d; want %d and %d", published.Load(), dup.Load(), items, items*(copies-1))
	}
	for i := range perItem {
		if n := perItem[i].Load(); n != 1 {
			t.Fatalf("item %d published %d times", i, n)
		}
	}
	if n := xlen(t, e.rdb); n != items {
		t.Fatalf("stream has %d entries, want %d", n, items)
	}
}
