package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

// TestSIGTERMUnderLoadLosesNothing cancels a worker's context (what SIGTERM does through
// signal.NotifyContext in main) while it works through a backlog. The drained worker must leave
// no task active: each in-flight task either finished (its verdict is on the stream) or was
// returned to the queue, so that verdicts + pending = submitted at that moment. A second
// worker then drains the rest, and every item ends with exactly one verdict.created.
func TestSIGTERMUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	client, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	const n = 3000
	for i := range n {
		it := &moderation.Item{ID: fmt.Sprintf("s-%d", i), Scene: moderation.SceneComment, AuthorID: fmt.Sprintf("u-%d", i%31),
			SubmittedAt: time.Now(), Body: fmt.Sprintf("comment %d: 好看！where did you buy it? 加我微信 abc%d", i, i)}
		if r, err := client.Submit(ctx, it); err != nil || r != queue.Accepted {
			t.Fatalf("submit %d: %s %v", i, r, err)
		}
	}
	environ := map[string]string{"TRUSTD_REDIS_URL": srv.URL(), "TRUSTD_ADMIN_ADDR": "127.0.0.1:0"}
	worker := func(ctx context.Context) chan int {
		done := make(chan int, 1)
		go func() {
			code, _, stderr := runCmd(t, ctx, "", environ, "worker", "--log-level", "warn", "--concurrency", "16", "--shutdown-timeout", "3s")
			if code != 0 {
				t.Errorf("worker exit %d: %s", code, stderr)
			}
			done <- code
		}()
		return done
	}

	wctx, sigterm := context.WithCancel(ctx)
	done := worker(wctx)
	waitUntil(t, "a quarter of the verdicts", time.Minute, func() bool {
		l, err := rdb.XLen(ctx, queue.DefaultStream).Result()
		return err == nil && l >= n/4
	})
	insp := asynq.NewInspectorFromRedisClient(rdb)
	qi, err := insp.GetQueueInfo(queue.QueueRealtime)
	if err != nil {
		t.Fatal(err)
	}
	if qi.Pending == 0 {
		t.Fatalf("the backlog drained before SIGTERM (pending 0): the test needs load at shutdown")
	}
	sigterm()
	start := time.Now()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not return within 30 s of SIGTERM (shutdown timeout 3 s)")
	}
	t.Logf("SIGTERM with %d pending: worker returned in %v", qi.Pending, time.Since(start).Round(time.Millisecond))

	qi, err = insp.GetQueueInfo(queue.QueueRealtime)
	if err != nil {
		t.Fatal(err)
	}
	published, err := rdb.XLen(ctx, queue.DefaultStream).Result()
	if err != nil {
		t.Fatal(err)
	}
	if qi.Active != 0 || qi.Retry != 0 || qi.Archived != 0 {
		t.Errorf("after drain: active %d, retry %d, archived %d; want 0 (in-flight tasks finish or return to pending)",
			qi.Active, qi.Retry, qi.Archived)
	}
	if int(published)+qi.Pending != n {
		t.Errorf("after drain: %d verdicts + %d pending = %d, want %d submitted", published, qi.Pending, int(published)+qi.Pending, n)
	}
	t.Logf("after drain: %d verdicts published, %d pending", published, qi.Pending)

	// A second worker drains the rest.
	wctx2, stop2 := context.WithCancel(ctx)
	done2 := worker(wctx2)
	waitUntil(t, "every verdict", 2*time.Minute, func() bool {
		l, err := rdb.XLen(ctx, queue.DefaultStream).Result()
		if err != nil || l < n {
			return false
		}
		qi, err := insp.GetQueueInfo(queue.QueueRealtime)
		return err == nil && qi.Pending+qi.Active+qi.Retry == 0
	})
	stop2()
	<-done2
	msgs, err := rdb.XRange(ctx, queue.DefaultStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, m := range msgs {
		var v moderation.Verdict
		if err := json.Unmarshal([]byte(fmt.Sprint(m.Values["verdict"])), &v); err != nil {
			t.Fatalf("stream entry %s: %v", m.ID, err)
		}
		if v.EventType == moderation.EventCreated {
			per[v.Key().String()]++
		}
	}
	for k, c := range per {
		if c != 1 {
			t.Errorf("%s: %d verdict.created events, want 1", k, c)
		}
	}
	if len(per) != n || len(msgs) != n {
		t.Errorf("%d events for %d items, want %d for %d", len(msgs), len(per), n, n)
	}
}

// waitUntil polls cond (against the real Redis) until it holds or d passes.
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
