package queue_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

func TestShardOfIsStableAndSpread(t *testing.T) {
	t.Parallel()
	const n = 8
	counts := make([]int, n)
	for i := range 8000 {
		k := comment(i).Key()
		s := queue.ShardOf(k, n)
		k.Revision = 9 // every revision of an item goes to the same shard
		if s2 := queue.ShardOf(k, n); s2 != s {
			t.Fatalf("revisions of %s in shards %d and %d", k.ID, s, s2)
		}
		counts[s]++
	}
	for s, c := range counts {
		if c < 800 || c > 1200 { // 1000 expected per shard
			t.Errorf("shard %d holds %d of 8000 items: badly spread %v", s, c, counts)
		}
	}
	if got := queue.ShardName(queue.QueueRealtime, 0); got != queue.QueueRealtime {
		t.Errorf("shard 0 is %q: an unsharded deployment must keep its queue name", got)
	}
	if got := queue.ShardedQueues(queue.DefaultQueues(), 3); len(got) != 6 || got["realtime.2"] != 6 || got["bulk.1"] != 1 {
		t.Errorf("ShardedQueues = %v", got)
	}
}

// shardedRun submits n comments through a client with the given shard count, checks they were
// spread over the shards, then runs a worker with the same count and waits for every verdict.
func shardedRun(t *testing.T, rdb redis.UniversalClient, shards, n int) *queue.Publisher {
	t.Helper()
	ctx := context.Background()
	c, err := queue.NewClient(queue.ClientConfig{Redis: rdb, Shards: shards})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	for i := range n {
		if r, err := c.Submit(ctx, comment(i)); err != nil || r != queue.Accepted {
			t.Fatalf("submit %d: %v %v", i, r, err)
		}
	}
	insp := asynq.NewInspectorFromRedisClient(rdb)
	for s := range shards {
		qi, err := insp.GetQueueInfo(queue.ShardName(queue.QueueRealtime, s))
		if err != nil || qi.Pending == 0 {
			t.Fatalf("shard %d: %+v, %v; want pending tasks in every shard", s, qi, err)
		}
	}
	pub, err := queue.NewPublisher(queue.PublisherConfig{Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: wordRules{"badword"}}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := queue.NewWorker(queue.WorkerConfig{Redis: rdb, Moderator: pipe, Publisher: pub, Shards: shards,
		Concurrency: 8, TaskCheckInterval: 10 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	waitFor(t, "every verdict", 30*time.Second, func() bool {
		m, err := rdb.XLen(ctx, queue.DefaultStream).Result()
		return err == nil && m >= int64(n)
	})
	// Resubmitting is a duplicate whatever the shard: nothing is moderated twice.
	for i := range n {
		if r, err := c.Submit(ctx, comment(i)); err != nil || r != queue.Duplicate {
			t.Fatalf("resubmit %d: %v %v; want duplicate", i, r, err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if m, _ := rdb.XLen(ctx, queue.DefaultStream).Result(); m != int64(n) {
		t.Fatalf("stream has %d verdicts, want %d", m, n)
	}
	return pub
}

func TestShardedQueuesOnOneRedis(t *testing.T) {
	t.Parallel()
	shardedRun(t, redistest.Start(t).Client(t), 4, 400)
}

// TestShardedQueuesOnRedisCluster runs the sharded queues on a real three-node Redis Cluster:
// the shards land on different nodes, every item gets exactly one verdict, and the publish
// script (marker, stream and latest verdict in one atomic step) works because its keys share
// the stream's hash slot.
func TestShardedQueuesOnRedisCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	rdb := cl.Client(t)
	ctx := context.Background()
	const shards = 6
	nodes := map[string]bool{}
	for s := range shards {
		// asynq's keys of a queue share the hash tag {queue}.
		node, err := rdb.MasterForKey(ctx, "asynq:{"+queue.ShardName(queue.QueueRealtime, s)+"}:pending")
		if err != nil {
			t.Fatal(err)
		}
		nodes[node.Options().Addr] = true
	}
	if len(nodes) < 2 {
		t.Fatalf("%d shards all on one node: %v", shards, nodes)
	}
	pub := shardedRun(t, rdb, shards, 300)
	v, err := pub.Latest(ctx, moderation.SceneComment, comment(10).ID)
	if err != nil || v.Decision != moderation.Block {
		t.Fatalf("Latest on the cluster = %+v, %v; want the block verdict", v, err)
	}
}
