package queue

import (
	"errors"
	"log/slog"
	"slices"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// QueueMetricsConfig configures QueueMetrics.
type QueueMetricsConfig struct {
	// Redis is the client the queues live on. Required. QueueMetrics does not close it.
	Redis redis.UniversalClient
	// Queues are always reported, with zeros before asynq has seen them. Nil means realtime,
	// bulk and webhooks. Other queues asynq knows of are reported too.
	Queues []string
	// Shards is the deployment's queue shard count: with Queues nil, every shard of realtime
	// and bulk is reported. Zero or one means unsharded.
	Shards int
	// Logger receives inspection errors. Nil means slog.Default().
	Logger *slog.Logger
}

// QueueMetrics is a prometheus.Collector that reads asynq's queue state from Redis on each
// scrape: tasks per queue and state, the age of the oldest pending task, cumulative processed
// and failed counts, and whether a queue is paused.
//
// The numbers describe the shared Redis, not the process, so exactly one process per
// deployment should export them: trustd registers it in the api process. With several api
// replicas, aggregate with max by (queue, state), never sum.
//
// It is written here rather than taken from github.com/hibiken/asynq/x/metrics because that
// package names gauges with a _total suffix (asynq_tasks_enqueued_total is a gauge), which
// promlint rejects and which misleads rate(); these names follow trustd's conventions.
type QueueMetrics struct {
	insp   *asynq.Inspector
	queues []string
	log    *slog.Logger

	tasks, latency, paused, processed, failed *prometheus.Desc
	errCount                                  prometheus.Counter
}

// Task states, the label values of trustd_queue_tasks.
var queueStates = []string{"pending", "active", "scheduled", "retry", "archived", "completed", "aggregating"}

// NewQueueMetrics returns the collector; register it with the process registry.
func NewQueueMetrics(cfg QueueMetricsConfig) (*QueueMetrics, error) {
	if cfg.Redis == nil {
		return nil, errors.New("queue: queue metrics need a Redis client")
	}
	if cfg.Queues == nil {
		for s := range max(cfg.Shards, 1) {
			cfg.Queues = append(cfg.Queues, ShardName(QueueRealtime, s), ShardName(QueueBulk, s))
		}
		cfg.Queues = append(cfg.Queues, QueueWebhooks)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	q := []string{"queue"}
	return &QueueMetrics{
		insp:   asynq.NewInspectorFromRedisClient(cfg.Redis),
		queues: cfg.Queues,
		log:    cfg.Logger,
		tasks: prometheus.NewDesc("trustd_queue_tasks",
			"asynq tasks per queue and state (pending, active, scheduled, retry, archived, completed, aggregating).",
			[]string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("trustd_queue_latency_seconds",
			"Age of the oldest pending task of the queue (0 when none is pending).", q, nil),
		paused: prometheus.NewDesc("trustd_queue_paused",
			"1 when the queue is paused (asynq inspector), else 0.", q, nil),
		processed: prometheus.NewDesc("trustd_queue_processed_total",
			"Tasks processed from the queue, succeeded or failed, since the queue was created.", q, nil),
		failed: prometheus.NewDesc("trustd_queue_failed_total",
			"Task attempts that failed in the queue since it was created.", q, nil),
		errCount: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trustd_queue_inspect_errors_total",
			Help: "Scrapes in which reading a queue's state from Redis returned an error.",
		}),
	}, nil
}

// Describe implements prometheus.Collector.
func (m *QueueMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.tasks, m.latency, m.paused, m.processed, m.failed} {
		ch <- d
	}
	m.errCount.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *QueueMetrics) Collect(ch chan<- prometheus.Metric) {
	queues := slices.Clone(m.queues)
	known, err := m.insp.Queues()
	if err != nil {
		m.errCount.Inc()
		m.log.Warn("queue_inspect", slog.String("error", err.Error()))
		m.errCount.Collect(ch)
		return
	}
	for _, q := range known {
		if !slices.Contains(queues, q) {
			queues = append(queues, q)
		}
	}
	for _, q := range queues {
		qi := &asynq.QueueInfo{Queue: q} // a queue asynq has not seen yet: all zeros
		var err error
		if slices.Contains(known, q) {
			qi, err = m.insp.GetQueueInfo(q)
		}
		if err != nil {
			m.errCount.Inc()
			m.log.Warn("queue_inspect", slog.String("queue", q), slog.String("error", err.Error()))
			continue
		}
		for i, n := range []int{qi.Pending, qi.Active, qi.Scheduled, qi.Retry, qi.Archived, qi.Completed, qi.Aggregating} {
			ch <- prometheus.MustNewConstMetric(m.tasks, prometheus.GaugeValue, float64(n), q, queueStates[i])
		}
		ch <- prometheus.MustNewConstMetric(m.latency, prometheus.GaugeValue, qi.Latency.Seconds(), q)
		paused := 0.0
		if qi.Paused {
			paused = 1
		}
		ch <- prometheus.MustNewConstMetric(m.paused, prometheus.GaugeValue, paused, q)
		ch <- prometheus.MustNewConstMetric(m.processed, prometheus.CounterValue, float64(qi.ProcessedTotal), q)
		ch <- prometheus.MustNewConstMetric(m.failed, prometheus.CounterValue, float64(qi.FailedTotal), q)
	}
	m.errCount.Collect(ch)
}
