package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

// Fault tests run the real trustd binary as separate processes against a real Redis, kill or
// restart things mid-load, and check that every item ends with exactly one verdict.created.

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// trustdBinary builds cmd/trustd once per test run.
func trustdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trustd-fault-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "trustd")
		out, err := exec.Command("go", "build", "-o", buildBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// removeTrustdBinary deletes what trustdBinary built, at the end of the test run.
func removeTrustdBinary() {
	if buildBin != "" {
		_ = os.RemoveAll(filepath.Dir(buildBin))
	}
}

func startWorkerProcess(t *testing.T, bin, redisURL string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "worker", "--redis", redisURL, "--admin-addr", "127.0.0.1:0",
		"--log-level", "error", "--concurrency", "16", "--shutdown-timeout", "10s")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// submitComments submits n comments with 4 producers, retrying each item while Redis is
// unavailable (as a platform service would), and returns when all are accepted.
func submitComments(t *testing.T, ctx context.Context, c *queue.Client, n int, submitted *atomic.Int64) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				it := &moderation.Item{ID: fmt.Sprintf("f-%d", i), Scene: moderation.SceneComment, AuthorID: fmt.Sprintf("u-%d", i%97),
					SubmittedAt: time.Now(), Body: fmt.Sprintf("comment %d: 好看！where did you buy it?", i)}
				deadline := time.Now().Add(60 * time.Second)
				for {
					r, err := c.Submit(ctx, it)
					if err == nil {
						if r != queue.Accepted && r != queue.Duplicate {
							errc <- fmt.Errorf("item %d: %s", i, r)
							return
						}
						break
					}
					if time.Now().After(deadline) {
						errc <- fmt.Errorf("item %d: %w", i, err)
						return
					}
					time.Sleep(50 * time.Millisecond) // Redis restarting: retry
				}
				submitted.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// waitAllVerdicts waits until every queue is empty and the stream holds n entries, then checks
// each of the n items has exactly one verdict.created.
func waitAllVerdicts(t *testing.T, rdb *redis.Client, n int, timeout time.Duration) {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	defer insp.Close()
	deadline := time.Now().Add(timeout)
	for {
		l, err := rdb.XLen(context.Background(), queue.DefaultStream).Result()
		if err == nil && l >= int64(n) {
			q, err := insp.GetQueueInfo(queue.QueueRealtime)
			if err == nil && q.Pending+q.Active+q.Retry+q.Scheduled == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: stream has %d of %d verdicts (err %v)", timeout, l, n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	vs := streamVerdicts(t, rdb)
	per := map[string]int{}
	for _, v := range vs {
		if v.EventType == moderation.EventCreated {
			per[v.Key().String()]++
		}
	}
	dups := 0
	for _, c := range per {
		if c > 1 {
			dups++
		}
	}
	if len(per) != n || dups != 0 || len(vs) != n {
		t.Fatalf("%d events for %d distinct items (%d with more than one); want exactly %d", len(vs), len(per), dups, n)
	}
}

func streamVerdicts(t *testing.T, rdb *redis.Client) []moderation.Verdict {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), queue.DefaultStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]moderation.Verdict, 0, len(msgs))
	for _, m := range msgs {
		v, err := decodeVerdict(m.Values["verdict"])
		if err != nil {
			t.Fatalf("stream entry %s: %v", m.ID, err)
		}
		out = append(out, v)
	}
	return out
}

// TestFaultKill9Worker kills a worker with SIGKILL in the middle of a 20,000-item load. asynq
// re-delivers the dead worker's in-flight tasks after their lease expires; the publish marker
// makes sure that nothing is published twice and nothing is lost.
func TestFaultKill9Worker(t *testing.T) {
	t.Parallel()
	bin := trustdBinary(t)
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	c, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 20000
	var submitted atomic.Int64
	if err := submitComments(t, context.Background(), c, n, &submitted); err != nil {
		t.Fatal(err)
	}
	// Two worker processes share the queue; one of them is killed mid-load.
	a := startWorkerProcess(t, bin, srv.URL())
	peer := startWorkerProcess(t, bin, srv.URL())
	deadline := time.Now().Add(2 * time.Minute)
	for {
		l, _ := rdb.XLen(context.Background(), queue.DefaultStream).Result()
		if l >= n/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("first worker published only %d verdicts", l)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = a.Wait()
	b := startWorkerProcess(t, bin, srv.URL())
	// Lease (30 s) + asynq's recoverer interval (1 min) bound the re-delivery.
	waitAllVerdicts(t, rdb, n, 4*time.Minute)
	for _, w := range []*exec.Cmd{peer, b} {
		if err := w.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := w.Wait(); err != nil {
			t.Fatalf("worker after SIGTERM: %v", err)
		}
	}
}

// TestFaultRedisRestart restarts Redis (AOF on) while items are being submitted and moderated:
// the worker and the client reconnect on their own and nothing is lost or published twice.
func TestFaultRedisRestart(t *testing.T) {
	t.Parallel()
	bin := trustdBinary(t)
	rs := redistest.StartRestartable(t, "--appendonly", "yes", "--appendfsync", "always")
	rdb := redis.NewClient(rs.Options())
	defer rdb.Close()
	c, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := startWorkerProcess(t, bin, rs.URL())
	const n = 5000
	var submitted atomic.Int64
	errc := make(chan error, 1)
	go func() { errc <- submitComments(t, context.Background(), c, n, &submitted) }()
	for submitted.Load() < n/3 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := rs.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	waitAllVerdicts(t, rdb, n, 4*time.Minute)
	if err := w.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := w.Wait(); err != nil {
		t.Fatalf("worker after SIGTERM: %v", err)
	}
}
