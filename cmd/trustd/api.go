package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/queue"
)

func runAPI(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "api", "api [flags]\n\nServe the HTTP API (ingest, verdict lookup, /v1/check, review) and the moderator page.")
	var p procFlags
	p.register(fs, e, true)
	var wf webhookFlags
	wf.register(fs, e)
	var rf reviewFlags
	rf.register(fs, e, true)
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
	reg := newRegistry("api")
	st, err := buildStack(ctx, stackOptions{rulesDir: p.rulesDir, rdb: rdb, reg: reg, log: log, webhooks: wf, shards: p.shards,
		review: reviewOptions{reviewFlags: rf}, serveAPI: true, trust: &p.trust, seenRetention: p.seenRetention})
	if err != nil {
		return err
	}
	defer st.close()
	handler, err := newAPIHandler(rdb, st, reg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", p.apiAddr)
	if err != nil {
		return err
	}
	adm, err := startAdmin(p.adminAddr, reg, log, append(st.ready, redisReady(rdb))...)
	if err != nil {
		ln.Close()
		return err
	}
	srv := newHTTPServer(handler)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("api_started", slog.String("addr", ln.Addr().String()), slog.String("admin_addr", p.adminAddr))
	select {
	case <-ctx.Done():
	case err := <-errc:
		adm.close(context.Background())
		return err
	}
	adm.drain()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	adm.close(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// newHTTPServer returns a server with timeouts that bound slow clients.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// newAPIHandler builds the public mux: ingest and lookup (queue.API) and whatever the stack
// adds (review, banks), instrumented by route.
func newAPIHandler(rdb redis.UniversalClient, st *stack, reg prometheus.Registerer, log *slog.Logger) (http.Handler, error) {
	client, err := queue.NewClient(queue.ClientConfig{Redis: rdb, Registerer: reg, Shards: st.shards})
	if err != nil {
		return nil, err
	}
	st.closers = append(st.closers, func() { _ = client.Close() })
	api, err := queue.NewAPI(queue.APIConfig{Client: client, Publisher: st.publisher, Moderator: st.pipeline,
		Authorize: st.authorize, Logger: log})
	if err != nil {
		return nil, err
	}
	// asynq's queue state is exported once per deployment, by the api (DESIGN §8).
	qm, err := queue.NewQueueMetrics(queue.QueueMetricsConfig{Redis: rdb, Logger: log, Shards: st.shards})
	if err != nil {
		return nil, err
	}
	if err := reg.Register(qm); err != nil {
		return nil, fmt.Errorf("register queue metrics: %w", err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	for _, r := range st.routes {
		r(mux)
	}
	return newHTTPMetrics(reg).wrap(mux), nil
}
