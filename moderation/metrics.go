package moderation

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StageMetrics is a StageObserver that records stage durations in the histogram
// trustd_stage_duration_seconds{stage}.
type StageMetrics struct {
	hist *prometheus.HistogramVec
}

// NewStageMetrics creates the stage histogram and registers it with reg (nil: not registered).
// Buckets span 50 µs (a short comment's text stage) to 30 s (a note with slow images).
func NewStageMetrics(reg prometheus.Registerer) (*StageMetrics, error) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "trustd_stage_duration_seconds",
		Help:    "Duration of one pipeline stage for one item.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"stage"})
	for _, s := range Stages {
		h.WithLabelValues(s)
	}
	if reg != nil {
		if err := reg.Register(h); err != nil {
			return nil, fmt.Errorf("register stage metrics: %w", err)
		}
	}
	return &StageMetrics{hist: h}, nil
}

// ObserveStage records one stage duration.
func (m *StageMetrics) ObserveStage(stage string, d time.Duration) {
	m.hist.WithLabelValues(stage).Observe(d.Seconds())
}
