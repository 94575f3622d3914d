package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyCheck is one readiness condition; a non-nil error makes /readyz answer 503.
type readyCheck struct {
	name  string
	check func(ctx context.Context) error
}

// adminServer is the admin listener: /metrics, /healthz, /readyz and /debug/pprof/, apart from
// the public API so that profiling and metrics are never exposed with it.
type adminServer struct {
	srv      *http.Server
	ln       net.Listener
	draining atomic.Bool
	checks   []readyCheck
	done     chan struct{}
	once     sync.Once
}

// startAdmin listens on addr (":0" style addresses work; Addr tells the port) and serves in the
// background. An empty addr disables the listener and returns nil.
func startAdmin(addr string, reg *prometheus.Registry, log *slog.Logger, checks ...readyCheck) (*adminServer, error) {
	if addr == "" {
		return nil, nil
	}
	a := &adminServer{checks: checks, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: true}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	a.ln = ln
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin_serve", slog.String("error", err.Error()))
		}
	}()
	return a, nil
}

// Addr is the address the admin listener serves on.
func (a *adminServer) Addr() string { return a.ln.Addr().String() }

// drain turns readiness off: load balancers stop sending work before the process stops.
func (a *adminServer) drain() {
	if a != nil {
		a.draining.Store(true)
	}
}

func (a *adminServer) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{}
	ok := true
	if a.draining.Load() {
		status["draining"] = "shutting down"
		ok = false
	}
	for _, c := range a.checks {
		if err := c.check(ctx); err != nil {
			status[c.name] = err.Error()
			ok = false
		} else {
			status[c.name] = "ok"
		}
	}
	code := http.StatusOK
	if !ok {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Ready", strconv.FormatBool(ok))
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}

// close shuts the listener down gracefully; it is idempotent and nil-safe.
func (a *adminServer) close(ctx context.Context) {
	if a == nil {
		return
	}
	a.once.Do(func() {
		_ = a.srv.Shutdown(ctx)
		<-a.done
	})
}
