package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/queue"
)

func runWorker(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "worker", "worker [flags]\n\nProcess moderation tasks from Redis and publish verdicts to the verdict stream.\nSIGINT/SIGTERM drains: readiness off, no new tasks, in-flight tasks finish within --shutdown-timeout.")
	var p procFlags
	p.register(fs, e, false)
	var wf webhookFlags
	wf.register(fs, e)
	var rf reviewFlags
	rf.register(fs, e, false)
	var of ocrFlags
	of.register(fs, e)
	concurrency := fs.Int("concurrency", 0, "tasks processed at once (0: 4 × CPUs)")
	shutdown := fs.Duration("shutdown-timeout", 25*time.Second, "how long in-flight tasks may run after SIGTERM before they are returned to the queue")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := p.logger(e)
	if err != nil {
		return err
	}
	rdb, err := openRedis(ctx, p.redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	reg := newRegistry("worker")
	st, err := buildStack(ctx, stackOptions{rulesDir: p.rulesDir, rdb: rdb, reg: reg, log: log, webhooks: wf, shards: p.shards,
		review: reviewOptions{reviewFlags: rf}, trust: &p.trust, seenRetention: p.seenRetention})
	if err != nil {
		return err
	}
	defer st.close()
	ocr, err := openOCR(of, rdb, st, reg, log, nil)
	if err != nil {
		return err
	}
	w, err := newWorker(rdb, st, reg, log, *concurrency, *shutdown)
	if err != nil {
		ocr.stop()
		return err
	}
	adm, err := startAdmin(p.adminAddr, reg, log, append(st.ready, redisReady(rdb))...)
	if err != nil {
		ocr.stop()
		return err
	}
	if err := w.Start(); err != nil {
		adm.close(context.Background())
		ocr.stop()
		return err
	}
	if err := ocr.start(); err != nil {
		drain(adm, w, *shutdown)
		return err
	}
	log.Info("worker_started", slog.String("admin_addr", p.adminAddr), slog.String("rules", st.rules.Rules().Version()))
	<-ctx.Done()
	log.Info("worker_draining")
	drain(adm, w, *shutdown)
	ocr.stop()
	log.Info("worker_stopped")
	return nil
}

// newWorker builds the verdict publisher and the asynq worker around st's pipeline.
func newWorker(rdb redis.UniversalClient, st *stack, reg prometheus.Registerer, log *slog.Logger, concurrency int, shutdown time.Duration) (*queue.Worker, error) {
	return queue.NewWorker(queue.WorkerConfig{
		Redis:           rdb,
		Moderator:       st.pipeline,
		Publisher:       st.publisher,
		Hooks:           st.hooks,
		Webhooks:        st.webhooks,
		Shards:          st.shards,
		Concurrency:     concurrency,
		ShutdownTimeout: shutdown,
		Logger:          log,
		Registerer:      reg,
	})
}

// drain stops a worker in the order of STYLE 9: readiness off, no new tasks, the admin
// listener shut down, then in-flight tasks finish (or return to the queue) within the
// worker's shutdown timeout.
func drain(adm *adminServer, w *queue.Worker, timeout time.Duration) {
	adm.drain()
	w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	adm.close(ctx)
	w.Shutdown()
}

// redisReady is the readiness check that Redis answers.
func redisReady(rdb redis.UniversalClient) readyCheck {
	return readyCheck{name: "redis", check: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }}
}
