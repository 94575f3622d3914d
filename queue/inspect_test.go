package queue_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trustd/trustd/queue"
)

func TestQueueMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	submitAll(t, e.client, 5)
	m, err := queue.NewQueueMetrics(queue.QueueMetricsConfig{Redis: e.rdb})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
	want := `
# HELP trustd_queue_tasks asynq tasks per queue and state (pending, active, scheduled, retry, archived, completed, aggregating).
# TYPE trustd_queue_tasks gauge
trustd_queue_tasks{queue="bulk",state="active"} 0
trustd_queue_tasks{queue="bulk",state="aggregating"} 0
trustd_queue_tasks{queue="bulk",state="archived"} 0
trustd_queue_tasks{queue="bulk",state="completed"} 0
trustd_queue_tasks{queue="bulk",state="pending"} 0
trustd_queue_tasks{queue="bulk",state="retry"} 0
trustd_queue_tasks{queue="bulk",state="scheduled"} 0
trustd_queue_tasks{queue="realtime",state="active"} 0
trustd_queue_tasks{queue="realtime",state="aggregating"} 0
trustd_queue_tasks{queue="realtime",state="archived"} 0
trustd_queue_tasks{queue="realtime",state="completed"} 0
trustd_queue_tasks{queue="realtime",state="pending"} 5
trustd_queue_tasks{queue="realtime",state="retry"} 0
trustd_queue_tasks{queue="realtime",state="scheduled"} 0
trustd_queue_tasks{queue="webhooks",state="active"} 0
trustd_queue_tasks{queue="webhooks",state="aggregating"} 0
trustd_queue_tasks{queue="webhooks",state="archived"} 0
trustd_queue_tasks{queue="webhooks",state="completed"} 0
trustd_queue_tasks{queue="webhooks",state="pending"} 0
trustd_queue_tasks{queue="webhooks",state="retry"} 0
trustd_queue_tasks{queue="webhooks",state="scheduled"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "trustd_queue_tasks"); err != nil {
		t.Error(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "trustd_queue_latency_seconds" {
			continue
		}
		for _, mm := range mf.GetMetric() {
			if mm.GetLabel()[0].GetValue() == "realtime" && mm.GetGauge().GetValue() < 0 {
				t.Errorf("realtime latency %v", mm.GetGauge().GetValue())
			}
		}
	}
}
