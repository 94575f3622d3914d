package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/moderation/imagetext"
	"github.com/trustd/trustd/queue"
)

// ocrFlags switch on OCR of the text inside images (worker and demo).
type ocrFlags struct {
	on          bool
	concurrency int
	timeout     time.Duration
}

func (f *ocrFlags) register(fs *flag.FlagSet, e *env) {
	fs.BoolVar(&f.on, "ocr", e.Getenv("TRUSTD_OCR") != "",
		"read the text inside images with Tesseract on the \"ocr\" queue and publish a verdict.updated when it changes the decision (env TRUSTD_OCR; needs a binary built with -tags tesseract)")
	fs.IntVar(&f.concurrency, "ocr-concurrency", 1, "OCR tasks processed at once, apart from moderation tasks (each holds one Tesseract engine)")
	fs.DurationVar(&f.timeout, "ocr-timeout", 10*time.Second, "OCR time allowed per image")
}

// ocrStage is the OCR worker of a process and what it holds.
type ocrStage struct {
	worker *queue.OCRWorker
	close  func()
}

// start starts the OCR worker; a nil stage (OCR off) does nothing.
func (s *ocrStage) start() error {
	if s == nil {
		return nil
	}
	return s.worker.Start()
}

// stop drains the OCR worker (in-flight tasks finish within its shutdown timeout) and frees
// the engines. It is safe on a nil stage.
func (s *ocrStage) stop() {
	if s == nil {
		return
	}
	s.worker.Stop()
	s.worker.Shutdown()
	s.close()
}

// openOCR builds the OCR stage when f.on: a Tesseract engine per OCR task slot, a Reader
// with the image checks' fetch rules, and an OCRWorker; it adds the hook that enqueues an OCR
// task for every verdict with images to st.hooks (call it before newWorker). OCR on in a
// binary built without Tesseract is a usage error naming the build tag.
func openOCR(f ocrFlags, rdb redis.UniversalClient, st *stack, reg prometheus.Registerer, log *slog.Logger, imageAllow []netip.Prefix) (*ocrStage, error) {
	if !f.on {
		return nil, nil
	}
	ts, err := imagetext.NewTesseract(imagetext.TesseractConfig{Engines: max(f.concurrency, 1)})
	if errors.Is(err, imagetext.ErrNoTesseract) {
		return nil, fmt.Errorf("%w: --ocr: %v", errUsage, err)
	}
	if err != nil {
		return nil, fmt.Errorf("--ocr: %w", err)
	}
	rd, err := imagetext.NewReader(imagetext.ReaderConfig{OCR: ts, Timeout: f.timeout, Logger: log, Registerer: reg,
		Fetch: imagehash.FetchConfig{AllowPrefixes: imageAllow}})
	if err != nil {
		_ = ts.Close()
		return nil, err
	}
	w, err := queue.NewOCRWorker(queue.OCRWorkerConfig{Redis: rdb, Reader: rd, Rules: st.rules, Publisher: st.publisher,
		Hooks: st.hooks, Concurrency: f.concurrency, Logger: log, Registerer: reg})
	if err != nil {
		rd.Close()
		_ = ts.Close()
		return nil, err
	}
	st.hooks = append(st.hooks, queue.NewOCREnqueuer(rdb))
	return &ocrStage{worker: w, close: func() { rd.Close(); _ = ts.Close() }}, nil
}
