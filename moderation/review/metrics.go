package review

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	decisions *prometheus.CounterVec
	ttd       prometheus.Histogram
	overturns *prometheus.CounterVec
	backlog   *backlogCollector
}

// backlogCollector reads queue sizes and oldest ages from Redis at scrape time, so every API
// process reports the same shared truth without a background loop.
type backlogCollector struct {
	s       *Store
	backlog *prometheus.Desc
	oldest  *prometheus.Desc
	errors  *prometheus.Desc
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.backlog
	ch <- c.oldest
	ch <- c.errors
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := c.s.QueueStats(ctx)
	failed := 0.0
	if err != nil {
		failed = 1
		c.s.log.Warn("review_metrics_error", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.GaugeValue, failed)
	for _, st := range stats {
		ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, float64(st.Pending), st.Queue)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, st.OldestAgeSeconds, st.Queue)
	}
}

func newMetrics(reg prometheus.Registerer, s *Store) (*metrics, error) {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_review_decisions_total",
			Help: "Moderator decisions by queue and action.",
		}, []string{"queue", "action"}),
		ttd: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "trustd_review_time_to_decision_seconds",
			Help:    "Time from entering a review queue to a moderator's decision.",
			Buckets: []float64{10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600},
		}),
		overturns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_review_overturns_total",
			Help: "Approved review items by dictionary and category of their text hits (noisy rules show here).",
		}, []string{"dictionary", "category"}),
		backlog: &backlogCollector{
			s: s,
			backlog: prometheus.NewDesc("trustd_review_backlog",
				"Pending (unclaimed) review items per queue.", []string{"queue"}, nil),
			oldest: prometheus.NewDesc("trustd_review_oldest_age_seconds",
				"Age of the oldest pending review item per queue (0 when empty).", []string{"queue"}, nil),
			errors: prometheus.NewDesc("trustd_review_backlog_scrape_error",
				"1 when the last scrape could not read the review backlog from Redis.", nil, nil),
		},
	}
	for _, q := range Queues {
		for _, a := range Actions {
			m.decisions.WithLabelValues(q, string(a))
		}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.decisions, m.ttd, m.overturns, m.backlog} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) decided(queue string, a Action, waited time.Duration) {
	m.decisions.WithLabelValues(queue, string(a)).Inc()
	if a.Final() {
		m.ttd.Observe(max(0, waited.Seconds()))
	}
}

func (m *metrics) overturned(dictionary, category string) {
	m.overturns.WithLabelValues(dictionary, category).Inc()
}
