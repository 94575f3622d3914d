package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
)

const benchQueue = "bench"

type benchOptions struct {
	n, producers, concurrency int
	rate                      float64
	mix                       string
	noop                      bool
	drain                     time.Duration
	images                    *benchImages // notes carry one photo each; nil: no images
	stack                     string       // "full": the worker's whole stack; "text": rules and images only
}

// benchResult is one phase's measurements.
type benchResult struct {
	Phase       string  `json:"phase"`
	Submitted   int     `json:"submitted"`
	Verdicts    int     `json:"verdicts"`
	Lost        int     `json:"lost"`
	Duplicates  int     `json:"duplicates"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50ms       float64 `json:"latency_p50_ms,omitempty"`
	P90ms       float64 `json:"latency_p90_ms,omitempty"`
	P99ms       float64 `json:"latency_p99_ms,omitempty"`
	Maxms       float64 `json:"latency_max_ms,omitempty"`
	ProcessCPU  float64 `json:"process_cpu_cores"`
	RedisCPU    float64 `json:"redis_cpu_cores"`
	RatioToNoop float64 `json:"ratio_to_noop,omitempty"`
	// RatioToDecode is the pipeline's rate over the decode-only rate (runs with --images).
	RatioToDecode float64 `json:"ratio_to_decode,omitempty"`
	PayloadBytes  int     `json:"avg_payload_bytes"`
	// CPUPerItem is the CPU time of this process and Redis per item, in microseconds: the
	// capacity model's cost of one item (1e6 / CPUPerItem items per second per core).
	CPUPerItem float64 `json:"cpu_us_per_item"`
	// RedisCmdsPerItem is the number of Redis commands per item (the bench's own consumer and
	// progress reads included).
	RedisCmdsPerItem float64 `json:"redis_commands_per_item"`
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench", "bench [flags]\n\nLoad-test the pipeline against a real Redis: submit a realistic mix at a fixed rate or as fast\nas possible to in-process workers, consume the verdict stream and report lost, duplicates,\nthroughput, enqueue→verdict latency and CPU. A no-op phase first measures the asynq ceiling on\nthe same machine, so the result is also reported as a ratio to it. Bench keys are removed after.")
	var p procFlags
	fs.StringVar(&p.redisURL, "redis", envOr(e, "TRUSTD_REDIS_URL", defaultRedisURL), "Redis URL (env TRUSTD_REDIS_URL)")
	p.registerRules(fs, e)
	var o benchOptions
	fs.IntVar(&o.n, "n", 20000, "items per phase")
	fs.Float64Var(&o.rate, "rate", 0, "items per second to submit (0: as fast as possible)")
	fs.StringVar(&o.mix, "mix", "comments", "workload: comments (~200 B), notes (~1–2 KB) or mixed (80% comments)")
	fs.BoolVar(&o.noop, "noop", true, "run the no-op phase first (the asynq ceiling)")
	fs.IntVar(&o.producers, "producers", 4, "concurrent submitters")
	fs.StringVar(&o.stack, "stack", "full", "full: the stack of `trustd worker` (review intake, author strikes, floods, split contacts write to Redis, so use a scratch Redis); text: rules and images only")
	fs.IntVar(&o.concurrency, "concurrency", 0, "worker concurrency (0: the worker default)")
	fs.DurationVar(&o.drain, "drain-timeout", 2*time.Minute, "how long to wait for the last verdicts before counting the rest as lost")
	imagesDir := fs.String("images", "", "give every note one photo from this directory (\"demo\": the embedded demo photos), served on loopback; adds a decode-only phase")
	imageSize := fs.String("image-size", "1080x1440", "scale the --images photos to WIDTHxHEIGHT before the run (empty: as they are)")
	jsonOut := fs.Bool("json", false, "print results as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file, samples labelled phase=noop|decode|pipeline (go tool pprof -tagfocus phase=pipeline)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.n <= 0 || o.producers <= 0 || (o.mix != "comments" && o.mix != "notes" && o.mix != "mixed") || (o.stack != "full" && o.stack != "text") {
		return fmt.Errorf("%w: need --n > 0, --producers > 0, --mix comments|notes|mixed and --stack full|text", errUsage)
	}
	if *imagesDir != "" {
		if o.mix == "comments" {
			o.mix = "notes" // only notes carry photos
		}
		imgs, err := loadBenchImages(*imagesDir, *imageSize)
		if err != nil {
			return err
		}
		o.images = imgs
		defer o.images.stop()
	}
	rdb, err := openRedis(ctx, p.redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var results []benchResult
	if o.noop {
		var r benchResult
		pprof.Do(ctx, pprof.Labels("phase", "noop"), func(ctx context.Context) {
			r, err = benchNoop(ctx, rdb, o, log, e.Stderr)
		})
		if err != nil {
			return fmt.Errorf("no-op phase: %w", err)
		}
		results = append(results, r)
	}
	var decode benchResult
	if o.images != nil {
		fmt.Fprintf(e.Stderr, "bench: decode-only phase: %d photos of %d bytes on average…\n", o.n, avgLen(o.images.jpegs))
		pprof.Do(ctx, pprof.Labels("phase", "decode"), func(ctx context.Context) {
			decode, err = benchDecode(ctx, o.images, o.n)
		})
		if err != nil {
			return err
		}
		results = append(results, decode)
	}
	var r benchResult
	pprof.Do(ctx, pprof.Labels("phase", "pipeline"), func(ctx context.Context) {
		r, err = benchPipeline(ctx, rdb, p.rulesDir, o, log, e.Stderr)
	})
	if err != nil {
		return fmt.Errorf("pipeline phase: %w", err)
	}
	if o.noop && results[0].PerSecond > 0 {
		r.RatioToNoop = r.PerSecond / results[0].PerSecond
	}
	if decode.PerSecond > 0 {
		r.RatioToDecode = r.PerSecond / decode.PerSecond
	}
	results = append(results, r)
	if *jsonOut {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	printBench(e.Stdout, results)
	if r.Lost > 0 || r.Duplicates > 0 {
		return fmt.Errorf("%d lost and %d duplicate verdicts", r.Lost, r.Duplicates)
	}
	return nil
}

func printBench(w io.Writer, rs []benchResult) {
	fmt.Fprintf(w, "%-9s %9s %9s %5s %5s %8s %9s %8s %8s %8s %8s %6s %6s %8s %6s %8s\n",
		"phase", "submitted", "verdicts", "lost", "dup", "seconds", "items/s", "p50ms", "p90ms", "p99ms", "maxms", "cpu", "redis", "µs/item", "cmds", "ratio")
	for _, r := range rs {
		ratio := "-"
		switch {
		case r.RatioToDecode > 0:
			ratio = fmt.Sprintf("%.2f/dec", r.RatioToDecode)
		case r.RatioToNoop > 0:
			ratio = fmt.Sprintf("%.2f", r.RatioToNoop)
		}
		fmt.Fprintf(w, "%-9s %9d %9d %5d %5d %8.2f %9.0f %8.1f %8.1f %8.1f %8.1f %6.2f %6.2f %8.0f %6.1f %8s\n",
			r.Phase, r.Submitted, r.Verdicts, r.Lost, r.Duplicates, r.Seconds, r.PerSecond, r.P50ms, r.P90ms, r.P99ms, r.Maxms,
			r.ProcessCPU, r.RedisCPU, r.CPUPerItem, r.RedisCmdsPerItem, ratio)
	}
}

// cpuMeter measures this process's and Redis's CPU time over a phase.
type cpuMeter struct {
	rdb                redis.UniversalClient
	wall               time.Time
	proc, redisT, cmds float64
}

func processCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// redisStats returns Redis's CPU seconds and the number of commands it has processed (INFO; on
// a cluster, the node the client picks).
func redisStats(ctx context.Context, rdb redis.UniversalClient) (cpu, commands float64) {
	info, err := rdb.Info(ctx, "cpu", "stats").Result()
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		f, _ := strconv.ParseFloat(v, 64)
		switch {
		case !ok:
		case k == "used_cpu_sys" || k == "used_cpu_user":
			cpu += f
		case k == "total_commands_processed":
			commands = f
		}
	}
	return cpu, commands
}

func startCPU(ctx context.Context, rdb redis.UniversalClient) *cpuMeter {
	m := &cpuMeter{rdb: rdb, wall: time.Now(), proc: processCPU()}
	m.redisT, m.cmds = redisStats(ctx, rdb)
	return m
}

// stop returns the cores this process and Redis used on average since start, and the Redis
// commands processed meanwhile.
func (m *cpuMeter) stop(ctx context.Context) (procCores, redisCores, commands float64) {
	wall := time.Since(m.wall).Seconds()
	rc, cmds := redisStats(ctx, m.rdb)
	return (processCPU() - m.proc) / wall, (rc - m.redisT) / wall, cmds - m.cmds
}

// pace returns a function that blocks until the next submission is due (rate 0: never).
func pace(rate float64, start time.Time, next *atomic.Int64) func(ctx context.Context) {
	return func(ctx context.Context) {
		i := next.Add(1) - 1
		if rate <= 0 {
			return
		}
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	}
}

func benchNoop(ctx context.Context, rdb redis.UniversalClient, o benchOptions, log *slog.Logger, progress io.Writer) (benchResult, error) {
	var handled atomic.Int64
	done := make(chan struct{})
	n := int64(o.n)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: max(o.concurrency, 4*runtimeProcs()), Queues: map[string]int{benchQueue: 1},
		TaskCheckInterval: 100 * time.Millisecond, Logger: queue.NewAsynqLogger(log), LogLevel: asynq.ErrorLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(queue.TypeBenchNoop, func(context.Context, *asynq.Task) error {
		if handled.Add(1) == n {
			close(done)
		}
		return nil
	})
	if err := srv.Start(mux); err != nil {
		return benchResult{}, err
	}
	defer srv.Shutdown()
	client, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		return benchResult{}, err
	}
	defer client.Close()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	gen := newItemGen(o.mix, 1)
	payload, _ := json.Marshal(gen.item(0, run))
	cpu := startCPU(ctx, rdb)
	start := time.Now()
	var next atomic.Int64
	wait := pace(o.rate, start, &next)
	err = produce(ctx, o, func(ctx context.Context, i int) error {
		wait(ctx)
		return client.Enqueue(ctx, queue.NewBenchNoopTask(fmt.Sprintf("noop-%s-%d", run, i), payload, benchQueue))
	})
	if err != nil {
		return benchResult{}, err
	}
	fmt.Fprintf(progress, "bench: no-op phase: %d tasks enqueued, waiting for the workers…\n", o.n)
	select {
	case <-done:
	case <-time.After(o.drain):
	case <-ctx.Done():
		return benchResult{}, ctx.Err()
	}
	el := time.Since(start).Seconds()
	pc, rc, cmds := cpu.stop(ctx)
	got := int(handled.Load())
	return benchResult{Phase: "noop", Submitted: o.n, Verdicts: got, Lost: o.n - got, Seconds: el,
		PerSecond: float64(got) / el, ProcessCPU: pc, RedisCPU: rc, PayloadBytes: len(payload),
		CPUPerItem: (pc + rc) * el / float64(o.n) * 1e6, RedisCmdsPerItem: cmds / float64(o.n)}, nil
}

// produce runs fn for 0..n-1 on o.producers goroutines and returns the first error.
func produce(ctx context.Context, o benchOptions, fn func(ctx context.Context, i int) error) error {
	var wg sync.WaitGroup
	var next atomic.Int64
	errc := make(chan error, o.producers)
	for range o.producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= o.n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func benchPipeline(ctx context.Context, rdb redis.UniversalClient, rulesDir string, o benchOptions, log *slog.Logger, progress io.Writer) (benchResult, error) {
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	stream := "trustd:bench:verdicts:" + run
	defer rdb.Del(context.WithoutCancel(ctx), stream)
	so := stackOptions{rulesDir: rulesDir, log: log,
		imageAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}} // the bench's photo server
	if o.stack == "full" {
		so.rdb, so.reg = rdb, prometheus.NewRegistry()
	}
	st, err := buildStack(ctx, so)
	if err != nil {
		return benchResult{}, err
	}
	defer st.close()
	pub, err := queue.NewPublisher(queue.PublisherConfig{Redis: rdb, Stream: stream, DedupWindow: time.Hour, VerdictTTL: time.Minute})
	if err != nil {
		return benchResult{}, err
	}
	w, err := queue.NewWorker(queue.WorkerConfig{Redis: rdb, Moderator: st.pipeline, Publisher: pub, Hooks: st.hooks,
		Concurrency: o.concurrency, Queues: map[string]int{benchQueue: 1}, Logger: log})
	if err != nil {
		return benchResult{}, err
	}
	if err := w.Start(); err != nil {
		return benchResult{}, err
	}
	defer w.Shutdown()
	client, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		return benchResult{}, err
	}
	defer client.Close()

	sent := make([]int64, o.n) // unix nanos at submission, by item index
	lat := make([]float64, 0, o.n)
	seen := make([]bool, o.n)
	events, dups := 0, 0
	consumed := make(chan error, 1)
	cctx, stopConsumer := context.WithCancel(ctx)
	defer stopConsumer()
	go func() {
		// Latency is read off the stream entry ids (XADD time), not the time of reading, so
		// the consumer can read in large batches: it sleeps between short reads and so costs
		// the machine it shares with the workers one round trip per 50 ms, not per verdict.
		const batch, pause = 2000, 50 * time.Millisecond
		last := "0"
		for events-dups < o.n {
			res, err := rdb.XRead(cctx, &redis.XReadArgs{Streams: []string{stream, last}, Count: batch, Block: 200 * time.Millisecond}).Result()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				consumed <- err
				return
			}
			if len(res[0].Messages) < batch {
				select {
				case <-time.After(pause):
				case <-cctx.Done():
					consumed <- nil
					return
				}
			}
			for _, m := range res[0].Messages {
				last = m.ID
				ms, _ := strconv.ParseInt(m.ID[:strings.IndexByte(m.ID, '-')], 10, 64)
				raw, _ := m.Values["verdict"].(string)
				id, err := verdictContentID(raw)
				if err != nil {
					consumed <- err
					return
				}
				i, err := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
				if err != nil || i < 0 || i >= o.n {
					continue
				}
				events++
				if seen[i] {
					dups++
					continue
				}
				seen[i] = true
				lat = append(lat, float64(ms*1e6-atomic.LoadInt64(&sent[i]))/1e6)
			}
		}
		consumed <- nil
	}()

	// The items are made before the clock starts: the no-op phase, too, measures enqueueing
	// and handling, not making up content.
	gen := newItemGen(o.mix, 2)
	gen.images = o.images
	items := make([]*moderation.Item, o.n)
	bytesTotal := 0
	for i := range items {
		items[i] = gen.item(i, run)
		bytesTotal += len(items[i].Title) + len(items[i].Body)
	}
	cpu := startCPU(ctx, rdb)
	start := time.Now()
	var next atomic.Int64
	wait := pace(o.rate, start, &next)
	err = produce(ctx, o, func(ctx context.Context, i int) error {
		it := items[i]
		items[i] = nil // submitted (the task holds its encoding): let the GC have it
		wait(ctx)
		atomic.StoreInt64(&sent[i], time.Now().UnixNano())
		r, err := client.Submit(ctx, it, queue.ToQueue(benchQueue))
		if err == nil && r != queue.Accepted {
			err = fmt.Errorf("item %d %s", i, r)
		}
		return err
	})
	if err != nil {
		return benchResult{}, err
	}
	fmt.Fprintf(progress, "bench: pipeline phase: %d items submitted in %.1fs, waiting for verdicts…\n", o.n, time.Since(start).Seconds())
	var cerr error
	timedOut := false
	select {
	case cerr = <-consumed:
	case <-time.After(o.drain):
		timedOut = true
		stopConsumer()
		<-consumed // the consumer has stopped: its counters are ours to read
	case <-ctx.Done():
		stopConsumer()
		<-consumed
		return benchResult{}, ctx.Err()
	}
	el := time.Since(start).Seconds()
	pc, rc, cmds := cpu.stop(ctx)
	if cerr != nil {
		return benchResult{}, cerr
	}
	if timedOut {
		fmt.Fprintf(progress, "bench: drain timeout after %v: counting missing verdicts as lost\n", o.drain)
	}
	got := len(lat)
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	r := benchResult{Phase: "pipeline", Submitted: o.n, Verdicts: events, Lost: o.n - got, Duplicates: dups,
		Seconds: el, PerSecond: float64(got) / el, P50ms: q(.5), P90ms: q(.9), P99ms: q(.99), Maxms: q(1),
		ProcessCPU: pc, RedisCPU: rc, PayloadBytes: bytesTotal / o.n,
		CPUPerItem: (pc + rc) * el / float64(o.n) * 1e6, RedisCmdsPerItem: cmds / float64(o.n)}
	return r, nil
}

func avgLen(bs [][]byte) int {
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	return n / max(len(bs), 1)
}

// verdictContentID finds the content id in a verdict's JSON without decoding the rest: the
// bench shares the machine with the workers it measures, so its consumer must stay cheap
// (a full decode cost ~8% of the pipeline phase's CPU, profiled). Bench ids need no escaping.
func verdictContentID(raw string) (string, error) {
	const key = `"content_id":"`
	i := strings.Index(raw, key)
	if i < 0 {
		return "", fmt.Errorf("verdict without content_id: %.80q", raw)
	}
	rest := raw[i+len(key):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return "", fmt.Errorf("verdict with unterminated content_id: %.80q", raw)
	}
	return rest[:j], nil
}
