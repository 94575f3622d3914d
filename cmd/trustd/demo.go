package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/queue"
)

//go:embed testdata/demo
var demoFS embed.FS

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "demo [flags]\n\nRun everything in one process on an embedded Redis (nothing to install): a worker, the API\nand the moderator page. Sample notes and comments are submitted and their verdicts printed\nas they arrive. Ctrl-C stops it.")
	var p procFlags
	fs.StringVar(&p.apiAddr, "api-addr", envOr(e, "TRUSTD_API_ADDR", defaultAPIAddr), "API listen address (a free port is used if it is taken)")
	fs.StringVar(&p.adminAddr, "admin-addr", envOr(e, "TRUSTD_ADMIN_ADDR", defaultAdminAddr), "admin listen address (a free port is used if it is taken)")
	p.registerRules(fs, e)
	p.trust.register(fs, e)
	p.registerSeenRetention(fs, e)
	exit := fs.Bool("exit", false, "exit once every sample verdict is printed (for scripts and tests)")
	jsonOut := fs.Bool("json", false, "print whole verdicts as JSON lines instead of a summary line each")
	var of ocrFlags
	of.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// Embedded Redis. miniredis expires keys only when told time has passed, so a ticker
	// fast-forwards it with wall time (asynq leases and our TTLs depend on expiry).
	mr, err := miniredis.Run()
	if err != nil {
		return fmt.Errorf("start embedded redis: %w", err)
	}
	defer mr.Close()
	ffCtx, stopFF := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fastForward(ffCtx, mr)
	}()
	defer wg.Wait()
	defer stopFF()

	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	imagesBase, stopImages, err := serveDemoImages()
	if err != nil {
		return err
	}
	defer stopImages()
	reg := newRegistry("demo")
	st, err := buildStack(ctx, stackOptions{rulesDir: p.rulesDir, rdb: rdb, reg: reg, log: log, serveAPI: true, trust: &p.trust,
		seenRetention: p.seenRetention,
		// The demo's own image server is on loopback, which the fetcher refuses by default.
		imageAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		review:     reviewOptions{reviewFlags: reviewFlags{insecureCookies: true}, imageSources: "'self' http: https: data:"}})
	if err != nil {
		return err
	}
	defer st.close()
	ocr, err := openOCR(of, rdb, st, reg, log, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	if err != nil {
		return err
	}
	defer ocr.stop()

	w, err := newWorker(rdb, st, reg, log, 0, 5*time.Second)
	if err != nil {
		return err
	}
	handler, err := newAPIHandler(rdb, st, reg, log)
	if err != nil {
		return err
	}
	apiLn, err := listenOrAny(p.apiAddr)
	if err != nil {
		return err
	}
	srv := newHTTPServer(handler)
	go func() { _ = srv.Serve(apiLn) }()
	defer srv.Close()
	adm, err := startAdmin(anyIfTaken(p.adminAddr), reg, log, redisReady(rdb))
	if err != nil {
		return err
	}
	defer adm.close(context.Background())
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Shutdown()
	if err := ocr.start(); err != nil {
		return err
	}

	items, err := demoItems("items.jsonl", imagesBase)
	if err != nil {
		return err
	}
	later, err := demoItems("items_later.jsonl", imagesBase)
	if err != nil {
		return err
	}
	client, err := queue.NewClient(queue.ClientConfig{Redis: rdb})
	if err != nil {
		return err
	}
	defer client.Close()
	api := "http://" + apiLn.Addr().String()
	fmt.Fprintf(e.Stdout, "trustd demo: embedded Redis at %s, rules %s\n", mr.Addr(), st.rules.Rules().Version())
	fmt.Fprintf(e.Stdout, "submitting %d sample notes and comments…\n\n", len(items)+len(later))
	last := "0"
	// The later items reuse a photo of the first batch: they go in once it is in the seen bank.
	for _, batch := range [][]*moderation.Item{items, later} {
		for _, it := range batch {
			it.SubmittedAt = time.Now().UTC()
			if _, err := client.Submit(ctx, it); err != nil {
				return fmt.Errorf("submit %s: %w", it.ID, err)
			}
		}
		if last, err = printVerdicts(ctx, e.Stdout, rdb, last, len(batch), *jsonOut); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.Stdout, "\nAll %d verdicts are on the stream %q.\n", len(items)+len(later), queue.DefaultStream)
	fmt.Fprintf(e.Stdout, "  API:        %s/v1/items  (POST an item; GET %s/v1/items/note/demo-note-3/verdict)\n", api, api)
	if st.reviewAPI != nil {
		login, err := st.reviewAPI.LoginURL(ctx, api, "demo", review.RoleAdmin, time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "  Moderator:  %s  (one-time login link, valid for an hour)\n", login)
	}
	for _, l := range st.links {
		fmt.Fprintf(e.Stdout, "  %-11s %s\n", l.name+":", strings.ReplaceAll(l.url, "{api}", api))
	}
	fmt.Fprintf(e.Stdout, "  Metrics:    http://%s/metrics\n", adm.Addr())
	fmt.Fprintf(e.Stdout, "  Readiness:  http://%s/readyz\n", adm.Addr())
	if *exit {
		return nil
	}
	fmt.Fprintf(e.Stdout, "\nPress Ctrl-C to stop.\n")
	<-ctx.Done()
	adm.drain()
	w.Stop()
	return nil
}

// demoItems reads a sample file, replacing "{images}" in image URLs with imagesBase.
func demoItems(name, imagesBase string) ([]*moderation.Item, error) {
	data, err := demoFS.ReadFile("testdata/demo/" + name)
	if err != nil {
		return nil, err
	}
	data = bytes.ReplaceAll(data, []byte("{images}"), []byte(imagesBase))
	var items []*moderation.Item
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		it, err := moderation.DecodeItem(line)
		if err != nil {
			return nil, fmt.Errorf("demo item %s:%d: %w", name, i+1, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// serveDemoImages serves the embedded sample photos on a loopback port.
func serveDemoImages() (base string, stop func(), err error) {
	sub, err := fs.Sub(demoFS, "testdata/demo")
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.StripPrefix("/img/", http.FileServerFS(sub)), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/img", func() { _ = srv.Close() }, nil
}

// fastForward advances miniredis's clock with wall time until ctx ends.
func fastForward(ctx context.Context, mr *miniredis.Miniredis) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			mr.FastForward(now.Sub(last))
			last = now
		}
	}
}

// printVerdicts reads the verdict stream after the entry id last, prints n verdicts and
// returns the id of the last one.
func printVerdicts(ctx context.Context, out io.Writer, rdb *redis.Client, last string, n int, asJSON bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	seen := 0
	for seen < n {
		res, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{queue.DefaultStream, last}, Count: 100, Block: 500 * time.Millisecond}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return last, fmt.Errorf("read verdicts (%d of %d so far): %w", seen, n, err)
		}
		for _, m := range res[0].Messages {
			last = m.ID
			seen++
			if asJSON {
				fmt.Fprintln(out, m.Values["verdict"])
				continue
			}
			v, err := decodeVerdict(m.Values["verdict"])
			if err != nil {
				return last, fmt.Errorf("stream entry %s: %w", m.ID, err)
			}
			fmt.Fprintln(out, summarize(&v))
		}
	}
	return last, nil
}

// summarize renders a verdict as one human-readable line.
func summarize(v *moderation.Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %-16s %-6s", v.Scene, v.ContentID, v.Decision)
	if len(v.Labels) > 0 {
		ls := make([]string, len(v.Labels))
		for i, l := range v.Labels {
			ls[i] = string(l)
		}
		fmt.Fprintf(&b, "  [%s]", strings.Join(ls, ","))
	}
	for _, h := range v.Hits {
		fmt.Fprintf(&b, "  %s %q→%s(%s)", h.Field, h.Text, h.Term, h.Category)
	}
	for _, c := range v.Contacts {
		fmt.Fprintf(&b, "  %s %q→%s:%s", c.Field, c.Text, c.Type, c.Value)
	}
	for _, im := range v.Images {
		if im.Status != moderation.ImageOK {
			fmt.Fprintf(&b, "  image %d: %s", im.Index, im.Error)
		}
		for _, m := range im.Matches {
			fmt.Fprintf(&b, "  image %d ≈ %s of %s (bank %s, distance %d)", im.Index, m.ContentID, m.AuthorID, m.Bank, m.Distance)
		}
	}
	return b.String()
}

// listenOrAny listens on addr, or on a free loopback port when addr is taken.
func listenOrAny(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// anyIfTaken returns addr when it can be bound now, else a free loopback address.
func anyIfTaken(addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "127.0.0.1:0"
	}
	ln.Close()
	return addr
}

// decodeVerdict decodes a stream entry's verdict field.
func decodeVerdict(raw any) (moderation.Verdict, error) {
	var v moderation.Verdict
	s, ok := raw.(string)
	if !ok {
		return v, fmt.Errorf("verdict field is %T, want string", raw)
	}
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}
