//go:build tesseract

package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trustd/trustd/queue/redistest"
)

func TestOCRStageMetricsAndDemo(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t).Client(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := newRegistry("worker")
	st, err := buildStack(context.Background(), stackOptions{rdb: rdb, reg: reg, log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.close)
	hooks := len(st.hooks)
	ocr, err := openOCR(ocrFlags{on: true, concurrency: 1, timeout: time.Second}, rdb, st, reg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ocr.stop)
	if len(st.hooks) != hooks+1 {
		t.Fatalf("hooks %d → %d: want the OCR enqueue hook added", hooks, len(st.hooks))
	}
	if probs, err := testutil.GatherAndLint(reg, "trustd_ocr_images_total", "trustd_ocr_stage_duration_seconds", "trustd_ocr_tasks_total"); err != nil || len(probs) > 0 {
		t.Fatalf("promlint: %v %v", probs, err)
	}
	if n, err := testutil.GatherAndCount(reg, "trustd_ocr_images_total", "trustd_ocr_stage_duration_seconds", "trustd_ocr_tasks_total"); err != nil || n == 0 {
		t.Fatalf("ocr metrics: %d series, %v", n, err)
	}

	environ := map[string]string{"TRUSTD_API_ADDR": "127.0.0.1:0", "TRUSTD_ADMIN_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if code, out, stderr := runCmd(t, ctx, "", environ, "demo", "--ocr", "--exit"); code != 0 {
		t.Fatalf("demo --ocr exit %d: %s\n%s", code, out, stderr)
	}
}
