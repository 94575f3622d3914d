package queue

import (
	"encoding/json"
	"fmt"
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
	payload, err := json.Marshal(it)
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
