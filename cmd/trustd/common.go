package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation/imagehash"
)

// Process configuration defaults (DESIGN §6).
const (
	defaultRedisURL  = "redis://127.0.0.1:6379/0"
	defaultAPIAddr   = "127.0.0.1:8080"
	defaultAdminAddr = "127.0.0.1:9464"
)

// procFlags are the flags shared by every command that talks to Redis or listens. Each flag
// defaults to its environment variable, then to the DESIGN §6 default: flag first, then
// environment.
type procFlags struct {
	redisURL      string
	apiAddr       string
	adminAddr     string
	rulesDir      string
	logLevel      string
	logJSON       bool
	shards        int        // queue shards (queue.ShardName); clients and workers must agree
	seenRetention string     // --seen-retention as given; openImages parses it
	trust         trustFlags // registered by register: the process commands moderate
}

func envOr(e *env, key, def string) string {
	if v := e.Getenv(key); v != "" {
		return v
	}
	return def
}

// registerProc adds the process flags to fs. api says whether the command serves the API.
func (p *procFlags) register(fs *flag.FlagSet, e *env, api bool) {
	fs.StringVar(&p.redisURL, "redis", envOr(e, "TRUSTD_REDIS_URL", defaultRedisURL), "Redis URL (env TRUSTD_REDIS_URL)")
	if api {
		fs.StringVar(&p.apiAddr, "api-addr", envOr(e, "TRUSTD_API_ADDR", defaultAPIAddr), "public API listen address (env TRUSTD_API_ADDR)")
	}
	fs.StringVar(&p.adminAddr, "admin-addr", envOr(e, "TRUSTD_ADMIN_ADDR", defaultAdminAddr), "admin listener address for /metrics /healthz /readyz /debug/pprof (env TRUSTD_ADMIN_ADDR; empty disables)")
	p.registerRules(fs, e)
	fs.StringVar(&p.logLevel, "log-level", envOr(e, "TRUSTD_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env TRUSTD_LOG_LEVEL)")
	fs.BoolVar(&p.logJSON, "log-json", e.Getenv("TRUSTD_LOG_JSON") != "", "log JSON lines instead of text (env TRUSTD_LOG_JSON)")
	p.registerShards(fs, e)
	p.registerSeenRetention(fs, e)
	p.trust.register(fs, e)
}

// registerSeenRetention adds --seen-retention, for the processes that build the image banks
// from Redis (worker, api, demo). It is kept as text so that a bad value, from the flag or the
// environment alike, is reported as a usage error when the banks are opened.
func (p *procFlags) registerSeenRetention(fs *flag.FlagSet, e *env) {
	fs.StringVar(&p.seenRetention, "seen-retention", envOr(e, "TRUSTD_SEEN_RETENTION", imagehash.DefaultSeenRetention.String()),
		"how long a moderated image stays in the seen bank (matched as a duplicate, kept in Redis and in memory); negative, e.g. -1h: forever (env TRUSTD_SEEN_RETENTION)")
}

// registerShards adds --queue-shards: every process that submits or works must use the same.
func (p *procFlags) registerShards(fs *flag.FlagSet, e *env) {
	def, _ := strconv.Atoi(envOr(e, "TRUSTD_QUEUE_SHARDS", "1"))
	fs.IntVar(&p.shards, "queue-shards", def, "split each queue into this many shards spread over Redis Cluster nodes; clients and workers must agree (env TRUSTD_QUEUE_SHARDS)")
}

func (p *procFlags) registerRules(fs *flag.FlagSet, e *env) {
	fs.StringVar(&p.rulesDir, "rules", e.Getenv("TRUSTD_RULES_DIR"), "rules directory (env TRUSTD_RULES_DIR; empty: the rules embedded in the binary)")
}

func (p *procFlags) logger(e *env) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(p.logLevel)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, p.logLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if p.logJSON {
		return slog.New(slog.NewJSONHandler(e.Stderr, opts)), nil
	}
	return slog.New(slog.NewTextHandler(e.Stderr, opts)), nil
}

// openRedis parses the Redis URL and checks the server answers within 5 s. A URL that names
// more nodes with addr= query parameters (redis://h1:6379?addr=h2:6379&addr=h3:6379) is a
// Redis Cluster.
func openRedis(ctx context.Context, url string) (redis.UniversalClient, error) {
	var rdb redis.UniversalClient
	var addr string
	if strings.Contains(url, "addr=") {
		opt, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, fmt.Errorf("%w: --redis %q: %v", errUsage, url, err)
		}
		rdb, addr = redis.NewClusterClient(opt), strings.Join(opt.Addrs, ",")
	} else {
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("%w: --redis %q: %v", errUsage, url, err)
		}
		rdb, addr = redis.NewClient(opt), opt.Addr
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", addr, err)
	}
	return rdb, nil
}

// buildVersion is the module version of the binary ("(devel)" in a source tree), plus the
// VCS revision when the build recorded one.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return strings.TrimSpace(v)
}

// newRegistry returns the process's one Prometheus registry with Go, process and build info
// collectors.
func newRegistry(role string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	bi := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "trustd_build_info",
		Help:        "Build information; the value is always 1.",
		ConstLabels: prometheus.Labels{"version": buildVersion(), "go_version": runtime.Version(), "role": role},
	})
	bi.Set(1)
	reg.MustRegister(bi)
	return reg
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
