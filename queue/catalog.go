package queue

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/trustd/trustd/moderation"
)

// Task types. This file is the task catalog: nothing else in trustd calls asynq.NewTask.
const (
	// TypeModerate moderates one item; the payload is the item's JSON (DESIGN §3).
	TypeModerate = "trustd:moderate"
	// TypeBenchNoop does nothing; `trustd bench` uses it to measure the asynq ceiling (enqueue,
	// dequeue, ack) on the same machine and Redis as the real workload.
	TypeBenchNoop = "trustd:bench-noop"
)

// Queue names. Workers poll them with weighted (not strict) priority, so bulk work never
// starves and realtime work is preferred six to one.
const (
	QueueRealtime = "realtime"
	QueueBulk     = "bulk"
)

// DefaultQueues is the weighted queue configuration workers use unless told otherwise.
func DefaultQueues() map[string]int {
	return map[string]int{QueueRealtime: 6, QueueBulk: 1}
}

// Queue shards. asynq keeps every key of a queue under one Redis Cluster hash tag
// ("asynq:{realtime}:…"), so one queue lives on one cluster node however large the cluster.
// To spread the load, a deployment can split each queue into N shards — "realtime",
// "realtime.1" … "realtime.N-1" — and the client puts each content item in the shard chosen by a
// hash of its scene and id. All revisions of an item land in the same shard, which keeps
// asynq's task-id deduplication (per queue) intact. Workers poll every shard at the queue's
// weight. Clients and workers must agree on N; changing N while tasks are pending is safe
// (workers polling the larger N see every task) but a revision submitted under both values of
// N may be enqueued twice: the publisher's per-revision marker still publishes it once.

// ShardName is the name of shard s of queue q: q itself for shard 0, "q.s" otherwise, so an
// unsharded deployment (N = 1) keeps its queue names.
func ShardName(q string, s int) string {
	if s == 0 {
		return q
	}
	return q + "." + strconv.Itoa(s)
}

// ShardOf returns the shard, in [0, n), of the content item of k: FNV-1a of scene and id.
func ShardOf(k moderation.Key, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(k.Scene))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(k.ID))
	return int(h.Sum32() % uint32(n))
}

// ShardedQueues expands a queue → weight map to every shard of each queue, each at the
// queue's weight. n ≤ 1 returns the map unchanged.
func ShardedQueues(weights map[string]int, n int) map[string]int {
	if n <= 1 {
		return weights
	}
	out := make(map[string]int, len(weights)*n)
	for q, w := range weights {
		for s := range n {
			out[ShardName(q, s)] = w
		}
	}
	return out
}

// Defaults for moderation tasks.
const (
	// DefaultMaxRetry bounds retries of a moderation task that fails transiently (Redis
	// unreachable, a signal stage timing out). Permanent errors skip retry.
	DefaultMaxRetry = 8
	// DefaultTaskTimeout bounds one moderation attempt, images included.
	DefaultTaskTimeout = 60 * time.Second
)

// TaskID is the asynq task id of an item revision: "scene:id:revision". asynq refuses a second
// task with the same id while the first is pending, active, retrying or archived.
func TaskID(k moderation.Key) string { return k.String() }

// NewModerateTask returns the task that moderates it in queue q. The item must be valid.
func NewModerateTask(it *moderation.Item, q string) (*asynq.Task, error) {
	// AppendJSON writes what json.Marshal would, several times faster (one task per item).
	payload, err := it.AppendJSON(make([]byte, 0, 160+len(it.Title)+len(it.Body)+len(it.Meta)))
	if err != nil {
		return nil, fmt.Errorf("encode item %s: %w", it.Key(), err)
	}
	return asynq.NewTask(TypeModerate, payload,
		asynq.TaskID(TaskID(it.Key())),
		asynq.Queue(q),
		asynq.MaxRetry(DefaultMaxRetry),
		asynq.Timeout(DefaultTaskTimeout),
	), nil
}

// DecodeModeratePayload decodes and validates a moderation task payload. A payload that
// cannot decode or is invalid can never succeed, so the error wraps asynq.SkipRetry: the task
// is archived (visible in the asynq inspector), not retried.
func DecodeModeratePayload(payload []byte) (*moderation.Item, error) {
	it, err := moderation.DecodeItem(payload)
	if err != nil {
		return nil, fmt.Errorf("decode %s payload: %w: %w", TypeModerate, err, asynq.SkipRetry)
	}
	return it, nil
}

// NewBenchNoopTask returns a no-op task of about the size of a comment task.
func NewBenchNoopTask(id string, payload []byte, q string) *asynq.Task {
	return asynq.NewTask(TypeBenchNoop, payload, asynq.TaskID(id), asynq.Queue(q), asynq.MaxRetry(0))
}
