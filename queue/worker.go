package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// Moderator turns an item into its verdict; *moderation.Pipeline implements it.
type Moderator interface {
	Moderate(ctx context.Context, it *moderation.Item) (*moderation.Verdict, error)
}

// VerdictHook runs for every new verdict before it is published (review intake, author
// strikes). It must be idempotent per item revision: a task that fails after a hook ran is
// retried and runs every hook again. A hook error fails the task, which is retried.
type VerdictHook interface {
	OnVerdict(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error
}

// VerdictHookFunc adapts a function to VerdictHook.
type VerdictHookFunc func(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error

// OnVerdict calls f.
func (f VerdictHookFunc) OnVerdict(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error {
	return f(ctx, it, v)
}

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	// Redis is the client the queues live on. Required. The Worker does not close it.
	Redis redis.UniversalClient
	// Moderator produces verdicts. Required.
	Moderator Moderator
	// Publisher publishes verdicts. Required.
	Publisher *Publisher
	// Hooks run for each new verdict, in order, before it is published.
	Hooks []VerdictHook
	// Webhooks delivers webhook tasks. Nil, or no subscriptions, means this worker does not
	// poll QueueWebhooks; otherwise it is added to Queues at weight 1 unless Queues names it.
	Webhooks *Webhooks
	// Concurrency is the number of tasks processed at once. Zero means 4 × GOMAXPROCS: text
	// moderation is CPU-bound but images wait on the network.
	Concurrency int
	// Queues maps queue names to weights. Nil means DefaultQueues().
	Queues map[string]int
	// Shards is the number of shards of every queue (see ShardName); the worker polls each
	// shard at its queue's weight. Zero or one means unsharded. Clients must use the same.
	Shards int
	// TaskCheckInterval is how often an idle worker polls for new tasks. Zero means 100 ms
	// (asynq's default of 1 s adds ~760 ms median pickup latency on an idle worker, measured;
	// 100 ms gives ~60 ms).
	TaskCheckInterval time.Duration
	// ShutdownTimeout bounds how long Shutdown waits for in-flight tasks; tasks still running
	// then are returned to their queue. Zero means 25 s.
	ShutdownTimeout time.Duration
	// Logger receives the worker's logs. Nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the worker's metrics. Nil means none.
	Registerer prometheus.Registerer
}

// Worker pulls moderation tasks from Redis, runs the Moderator and publishes verdicts.
type Worker struct {
	cfg WorkerConfig
	srv *asynq.Server
	m   workerMetrics
}

type workerMetrics struct {
	verdicts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	failures *prometheus.CounterVec
	dupes    prometheus.Counter
}

// Task failure reasons, the label values of trustd_task_failures_total.
const (
	failPayload  = "payload"
	failRedis    = "redis"
	failModerate = "moderate"
	failHook     = "hook"
	failTimeout  = "timeout"
)

func newWorkerMetrics(reg prometheus.Registerer) (workerMetrics, error) {
	m := workerMetrics{
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_verdicts_total",
			Help: "verdict.created events published, by scene and decision.",
		}, []string{"scene", "decision"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trustd_verdict_latency_seconds",
			Help:    "End-to-end latency from the item's submitted_at to its verdict being published.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"scene"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_task_failures_total",
			Help: "Moderation task attempts that failed, by reason (payload is permanent; the rest are retried).",
		}, []string{"reason"}),
		dupes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trustd_task_redeliveries_total",
			Help: "Moderation tasks whose verdict was already published (re-delivered after a crash or resubmitted); nothing is published again.",
		}),
	}
	for _, s := range moderation.Scenes {
		m.latency.WithLabelValues(string(s))
		for _, d := range moderation.Decisions {
			m.verdicts.WithLabelValues(string(s), string(d))
		}
	}
	for _, r := range []string{failPayload, failRedis, failModerate, failHook, failTimeout} {
		m.failures.WithLabelValues(r)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.verdicts, m.latency, m.failures, m.dupes} {
			if err := reg.Register(c); err != nil {
				return m, fmt.Errorf("register worker metrics: %w", err)
			}
		}
	}
	return m, nil
}

// NewWorker validates cfg, fills defaults and returns a Worker that is not yet started.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	switch {
	case cfg.Redis == nil:
		return nil, errors.New("queue: worker needs a Redis client")
	case cfg.Moderator == nil:
		return nil, errors.New("queue: worker needs a Moderator")
	case cfg.Publisher == nil:
		return nil, errors.New("queue: worker needs a Publisher")
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.Queues == nil {
		cfg.Queues = DefaultQueues()
	}
	cfg.Queues = ShardedQueues(cfg.Queues, cfg.Shards)
	if _, ok := cfg.Queues[QueueWebhooks]; cfg.Webhooks.Active() && !ok {
		cfg.Queues = maps.Clone(cfg.Queues)
		cfg.Queues[QueueWebhooks] = 1
	}
	if cfg.TaskCheckInterval == 0 {
		cfg.TaskCheckInterval = 100 * time.Millisecond
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 25 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m, err := newWorkerMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	if cfg.Registerer != nil {
		slots := prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trustd_worker_concurrency",
			Help: "Tasks this worker processes at once (its configured concurrency).",
		})
		slots.Set(float64(cfg.Concurrency))
		if err := cfg.Registerer.Register(slots); err != nil {
			return nil, fmt.Errorf("register worker metrics: %w", err)
		}
	}
	w := &Worker{cfg: cfg, m: m}
	w.srv = asynq.NewServerFromRedisClient(cfg.Redis, asynq.Config{
		Concurrency:       cfg.Concurrency,
		Queues:            cfg.Queues,
		TaskCheckInterval: cfg.TaskCheckInterval,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		Logger:            NewAsynqLogger(cfg.Logger),
		LogLevel:          asynq.WarnLevel,
		ErrorHandler:      asynq.ErrorHandlerFunc(w.logTaskError),
		RetryDelayFunc:    w.retryDelay,
	})
	return w, nil
}

// Handler returns the task handler, for embedding the worker's logic in another asynq server.
func (w *Worker) Handler() asynq.Handler {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeModerate, w.processModerate)
	if w.cfg.Webhooks.Active() {
		mux.Handle(TypeWebhook, w.cfg.Webhooks)
	}
	return mux
}

// Start starts processing tasks in the background.
func (w *Worker) Start() error {
	if err := w.srv.Start(w.Handler()); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	return nil
}

// Stop stops fetching new tasks; in-flight tasks go on. Call Shutdown afterwards.
func (w *Worker) Stop() { w.srv.Stop() }

// Shutdown waits up to ShutdownTimeout for in-flight tasks, then returns the rest to their
// queues. It is safe to call more than once.
func (w *Worker) Shutdown() { w.srv.Shutdown() }

// retryDelay retries a task whose worker died (its lease expired) after one second: the work
// is not at fault and has already waited out the lease. Webhook deliveries back off by the
// webhooks' schedule, everything else as asynq does by default (n⁴ + 15 s plus jitter).
func (w *Worker) retryDelay(n int, err error, t *asynq.Task) time.Duration {
	switch {
	case errors.Is(err, asynq.ErrLeaseExpired):
		return time.Second
	case t.Type() == TypeWebhook && w.cfg.Webhooks != nil:
		return w.cfg.Webhooks.RetryDelay(n, err, t)
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

func (w *Worker) logTaskError(ctx context.Context, t *asynq.Task, err error) {
	id, _ := asynq.GetTaskID(ctx)
	retried, _ := asynq.GetRetryCount(ctx)
	w.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "task_failed",
		slog.String("task_type", t.Type()), slog.String("task_id", id),
		slog.Int("retried", retried), slog.Bool("permanent", errors.Is(err, asynq.SkipRetry)),
		slog.String("error", err.Error()))
}

func (w *Worker) processModerate(ctx context.Context, t *asynq.Task) error {
	growStack()
	it, err := DecodeModeratePayload(t.Payload())
	if err != nil {
		w.m.failures.WithLabelValues(failPayload).Inc()
		return err
	}
	// A retried attempt (a failure, or a worker that died with the task leased) may come after
	// the verdict was published: then there is nothing left to do. A first attempt cannot, apart
	// from a rare resubmission race that the publish marker catches anyway, so the hot path
	// saves the round trip.
	if retried, _ := asynq.GetRetryCount(ctx); retried > 0 {
		done, err := w.cfg.Publisher.Published(ctx, it.Key())
		if err != nil {
			w.m.failures.WithLabelValues(failRedis).Inc()
			return err
		}
		if done {
			w.m.dupes.Inc()
			return nil
		}
	}
	v, err := w.cfg.Moderator.Moderate(ctx, it)
	if err != nil {
		if errors.Is(err, moderation.ErrInvalidItem) {
			w.m.failures.WithLabelValues(failPayload).Inc()
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			w.m.failures.WithLabelValues(failTimeout).Inc()
		} else {
			w.m.failures.WithLabelValues(failModerate).Inc()
		}
		return err
	}
	for _, h := range w.cfg.Hooks {
		if err := h.OnVerdict(ctx, it, v); err != nil {
			w.m.failures.WithLabelValues(failHook).Inc()
			return fmt.Errorf("verdict hook for %s: %w", it.Key(), err)
		}
	}
	published, err := w.cfg.Publisher.Publish(ctx, v)
	if err != nil {
		w.m.failures.WithLabelValues(failRedis).Inc()
		return err
	}
	if !published {
		w.m.dupes.Inc()
		return nil
	}
	w.m.verdicts.WithLabelValues(string(v.Scene), string(v.Decision)).Inc()
	if !it.SubmittedAt.IsZero() {
		w.m.latency.WithLabelValues(string(v.Scene)).Observe(time.Since(it.SubmittedAt).Seconds())
	}
	return nil
}
