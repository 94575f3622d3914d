package imagetext

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Stages of reading one image, the label values of trustd_ocr_stage_duration_seconds.
const (
	stageFetch    = "fetch"
	stageDecode   = "decode"
	stagePrecheck = "precheck"
	stageOCR      = "ocr"
)

// readerMetrics are the Reader's metrics.
type readerMetrics struct {
	stages   *prometheus.HistogramVec
	outcomes *prometheus.CounterVec
}

func newReaderMetrics(reg prometheus.Registerer) (readerMetrics, error) {
	m := readerMetrics{
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trustd_ocr_stage_duration_seconds",
			Help:    "Duration of the stages of reading the text of one image (fetch, decode, precheck, ocr).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"stage"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_ocr_images_total",
			Help: "Images whose text was read, by outcome (skipped_no_text, recognized, error, timeout).",
		}, []string{"outcome"}),
	}
	for _, s := range []string{stageFetch, stageDecode, stagePrecheck, stageOCR} {
		m.stages.WithLabelValues(s)
	}
	for _, o := range Outcomes {
		m.outcomes.WithLabelValues(o)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.stages, m.outcomes} {
			if err := reg.Register(c); err != nil {
				return m, fmt.Errorf("register ocr metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m readerMetrics) stage(s string, since time.Time) {
	m.stages.WithLabelValues(s).Observe(time.Since(since).Seconds())
}

func (m readerMetrics) outcome(o string) { m.outcomes.WithLabelValues(o).Inc() }
