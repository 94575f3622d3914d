package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// Result is the outcome of submitting one item.
type Result string

// Submission results.
const (
	// Accepted: the item was enqueued and will get exactly one verdict.created event.
	Accepted Result = "accepted"
	// Duplicate: the same (scene, id, revision) is queued, being moderated, or was published
	// within the dedup window; nothing was enqueued.
	Duplicate Result = "duplicate"
	// Rejected: the item is invalid (the error names the field); nothing was enqueued.
	Rejected Result = "rejected"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Redis is the client the queues live on. Required. The Client does not close it.
	Redis redis.UniversalClient
	// KeyPrefix and DedupWindow must match the workers' publisher configuration. Zero means
	// the defaults (DefaultKeyPrefix; the dedup window only matters to the publisher).
	KeyPrefix string
	// Registerer receives the client's metrics. Nil means none.
	Registerer prometheus.Registerer
	// Shards splits every queue into this many shards (see ShardName); workers must use the
	// same value. Zero or one means unsharded.
	Shards int
	// Stream is the workers' verdict stream; on Redis Cluster it places the published markers
	// in the stream's slot (see keys). Zero means DefaultStream.
	Stream string
}

// Client submits items for moderation. Platform services embed it; the HTTP API uses it too.
// It is safe for concurrent use.
type Client struct {
	rdb      redis.UniversalClient
	checks   *groupCommit // published-marker checks of concurrent submissions share round trips
	shards   int
	aq       *asynq.Client
	keys     keys
	received *prometheus.CounterVec
	results  *prometheus.CounterVec
}

// NewClient returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Redis == nil {
		return nil, errors.New("queue: client needs a Redis client")
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if cfg.Stream == "" {
		cfg.Stream = DefaultStream
	}
	c := &Client{
		rdb:    cfg.Redis,
		checks: newGroupCommit(cfg.Redis, 64),
		shards: cfg.Shards,
		aq:     asynq.NewClientFromRedisClient(cfg.Redis),
		keys:   newKeys(cfg.Redis, cfg.KeyPrefix, cfg.Stream),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_items_received_total",
			Help: "Items submitted for moderation, by scene (valid items only).",
		}, []string{"scene"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_submissions_total",
			Help: "Submissions by result: accepted, duplicate or rejected.",
		}, []string{"result"}),
	}
	for _, s := range moderation.Scenes {
		c.received.WithLabelValues(string(s))
	}
	for _, r := range []Result{Accepted, Duplicate, Rejected} {
		c.results.WithLabelValues(string(r))
	}
	if cfg.Registerer != nil {
		for _, m := range []prometheus.Collector{c.received, c.results} {
			if err := cfg.Registerer.Register(m); err != nil {
				return nil, fmt.Errorf("register client metrics: %w", err)
			}
		}
	}
	return c, nil
}

// SubmitOption changes how one item is submitted.
type SubmitOption func(*submitOptions)

type submitOptions struct{ queue string }

// Bulk submits to the bulk queue (backfills, re-moderation), which workers poll at a sixth of
// the realtime queue's weight.
func Bulk() SubmitOption { return ToQueue(QueueBulk) }

// ToQueue submits to the named queue; workers must be configured to poll it.
func ToQueue(name string) SubmitOption { return func(o *submitOptions) { o.queue = name } }

// Submit validates it (filling defaults such as revision 1) and enqueues it for moderation.
// It returns Rejected with an error naming the field for an invalid item, Duplicate when the
// same (scene, id, revision) was already submitted within the dedup window, and Accepted
// otherwise. Any other error (Redis unreachable) leaves the item unsubmitted: retry it.
func (c *Client) Submit(ctx context.Context, it *moderation.Item, opts ...SubmitOption) (Result, error) {
	o := submitOptions{queue: QueueRealtime}
	for _, opt := range opts {
		opt(&o)
	}
	if err := it.Normalize(); err != nil {
		c.results.WithLabelValues(string(Rejected)).Inc()
		return Rejected, err
	}
	c.received.WithLabelValues(string(it.Scene)).Inc()
	// A revision whose verdict was published is done; its task may already be gone.
	marker := c.keys.published(it.Key())
	n, err := c.checks.do(ctx, func(p redis.Pipeliner) redis.Cmder { return p.Exists(ctx, marker) }).(*redis.IntCmd).Result()
	if err != nil {
		return "", fmt.Errorf("submit %s: %w", it.Key(), err)
	}
	if n == 1 {
		c.results.WithLabelValues(string(Duplicate)).Inc()
		return Duplicate, nil
	}
	task, err := NewModerateTask(it, ShardName(o.queue, ShardOf(it.Key(), c.shards)))
	if err != nil {
		return "", err
	}
	if _, err := c.aq.EnqueueContext(ctx, task); err != nil {
		if errors.Is(err, asynq.ErrTaskIDConflict) {
			c.results.WithLabelValues(string(Duplicate)).Inc()
			return Duplicate, nil
		}
		return "", fmt.Errorf("submit %s: %w", it.Key(), err)
	}
	c.results.WithLabelValues(string(Accepted)).Inc()
	return Accepted, nil
}

// Close releases the client's resources. It does not close the Redis client.
func (c *Client) Close() error { return c.aq.Close() }

// Enqueue enqueues a task built by this package's catalog (bench and tools).
func (c *Client) Enqueue(ctx context.Context, t *asynq.Task) error {
	_, err := c.aq.EnqueueContext(ctx, t)
	return err
}
