package rules

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue/redistest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// copyDefaults writes the default rules into a fresh directory.
func copyDefaults(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(Default(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Default(), p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func hitTerms(src *Source, s string) []string {
	hits, _ := src.Rules().ScanText(moderation.SceneComment, "body", s)
	return terms(hits)
}

func TestSourceDirReload(t *testing.T) {
	t.Parallel()
	dir := copyDefaults(t)
	reg := prometheus.NewPedanticRegistry()
	src, err := NewSource(t.Context(), SourceConfig{Dir: dir, Registerer: reg, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	v1 := src.Rules().Version()
	if got := hitTerms(src, "zorblax here"); len(got) != 0 {
		t.Fatalf("hits before the change: %v", got)
	}
	if src.changed(t.Context()) {
		t.Fatal("changed() true without a change")
	}

	// A new dictionary file is picked up.
	writeFile(t, filepath.Join(dir, "custom.rules"), "kind dictionary\ncategory spam\nexample+ zorblax\nzorblax\n")
	if !src.changed(t.Context()) {
		t.Fatal("changed() false after adding a file")
	}
	if err := src.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := hitTerms(src, "zorblax here"); len(got) != 1 {
		t.Fatalf("hits after the change: %v", got)
	}
	if src.Rules().Version() == v1 {
		t.Error("version did not change")
	}
	if src.Ready() != nil {
		t.Errorf("Ready() = %v", src.Ready())
	}

	// A broken change is rejected: the old rules stay live and the error names file and line.
	v2 := src.Rules().Version()
	writeFile(t, filepath.Join(dir, "custom.rules"), "kind dictionary\ncategory spam\nzorblax ; action=maybe\n")
	err = src.Reload(t.Context())
	var le *LineError
	if !errors.As(err, &le) || le.File != "custom.rules" || le.Line != 3 || !errors.Is(err, ErrSyntax) {
		t.Fatalf("Reload of a broken file = %v, want a LineError at custom.rules:3", err)
	}
	if src.Rules().Version() != v2 || len(hitTerms(src, "zorblax")) != 1 {
		t.Error("old rules not kept after a broken change")
	}
	if src.LastError() == nil || src.Ready() == nil {
		t.Error("LastError/Ready do not report the rejected change")
	}
	if got := testutil.ToFloat64(src.m.failures); got != 1 {
		t.Errorf("reload failures = %v, want 1", got)
	}
	if src.changed(t.Context()) {
		t.Error("a rejected change is retried before it changes again")
	}

	// Fixing it recovers.
	writeFile(t, filepath.Join(dir, "custom.rules"), "kind dictionary\ncategory spam\nzorblax ; action=review\n")
	if err := src.Reload(t.Context()); err != nil || src.Ready() != nil {
		t.Fatalf("Reload after fix = %v, Ready = %v", err, src.Ready())
	}

	// Metrics: entries per dictionary, hits, last success; and they lint clean.
	if got := testutil.ToFloat64(src.m.entries.WithLabelValues("custom")); got != 1 {
		t.Errorf("trustd_dictionary_entries{custom} = %v, want 1", got)
	}
	before := testutil.ToFloat64(src.m.hits.WithLabelValues("custom", "spam"))
	hitTerms(src, "zorblax zorblax")
	if got := testutil.ToFloat64(src.m.hits.WithLabelValues("custom", "spam")) - before; got != 2 {
		t.Errorf("trustd_rule_hits_total{custom,spam} grew by %v, want 2", got)
	}
	if testutil.ToFloat64(src.m.lastSuccess) <= 0 {
		t.Error("last reload success timestamp not set")
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// Make sure the modification time moves even on coarse file systems.
	future := time.Now().Add(time.Duration(len(body)) * time.Second)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
}

func TestNewSourceBrokenIsFatal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.rules"), "category spam\n")
	_, err := NewSource(t.Context(), SourceConfig{Dir: dir, Logger: quiet})
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "a.rules:1") {
		t.Fatalf("NewSource = %v, want a syntax error at a.rules:1", err)
	}
}

// TestOverlayRedis: two sources (two processes) share one overlay; an edit through the
// Overlay reaches both by their poll loops within 2 s.
func TestOverlayRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	key := "test:" + t.Name()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	type proc struct {
		src     *Source
		reloads chan string
	}
	var procs []proc
	done := make(chan struct{})
	for range 2 {
		ch := make(chan string, 16)
		src, err := NewSource(ctx, SourceConfig{Redis: rdb, OverlayKey: key, Poll: 20 * time.Millisecond, Logger: quiet,
			OnReload: func(v string, err error) {
				if err == nil {
					ch <- v
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		<-ch // the initial load
		procs = append(procs, proc{src, ch})
		go func() {
			_ = src.Run(ctx)
			done <- struct{}{}
		}()
	}
	defer func() {
		cancel()
		<-done
		<-done
	}()
	waitAll := func(what string, ok func(*Source) bool) {
		t.Helper()
		deadline := time.After(2 * time.Second)
		for _, p := range procs {
			for !ok(p.src) {
				select {
				case <-p.reloads:
				case <-deadline:
					t.Fatalf("%s: not applied within 2 s", what)
				}
			}
		}
	}
	ov := NewOverlay(rdb, key)

	if err := ov.AddTerm(ctx, "runtime", "scam", "quuxcoin", "action=block"); err != nil {
		t.Fatal(err)
	}
	waitAll("add term", func(s *Source) bool { return len(hitTerms(s, "buy quuxcoin now")) == 1 })

	if err := ov.AddAllow(ctx, "quuxcoin museum", "categories=scam"); err != nil {
		t.Fatal(err)
	}
	waitAll("add allow", func(s *Source) bool { return len(hitTerms(s, "the quuxcoin museum")) == 0 })
	if got := hitTerms(procs[0].src, "buy quuxcoin now"); len(got) != 1 {
		t.Errorf("allow entry suppressed an uncovered hit: %v", got)
	}

	if err := ov.RemoveTerm(ctx, "runtime", "quuxcoin"); err != nil {
		t.Fatal(err)
	}
	waitAll("remove term", func(s *Source) bool { return len(hitTerms(s, "buy quuxcoin now")) == 0 })

	// Removing a term shipped in a file works too.
	if err := ov.RemoveTerm(ctx, "profanity_en", "damn"); err != nil {
		t.Fatal(err)
	}
	waitAll("remove file term", func(s *Source) bool { return len(hitTerms(s, "damn it")) == 0 })

	if err := ov.RemoveAllow(ctx, "quuxcoin museum"); err != nil {
		t.Fatal(err)
	}
	if err := ov.AddTerm(ctx, "runtime", "scam", "bad term", "action=nope"); !errors.Is(err, ErrBadOverlay) {
		t.Errorf("AddTerm with a bad action = %v, want ErrBadOverlay", err)
	}
}

// TestReloadDoesNotPauseMatching: while a large dictionary compiles, scans keep running on the
// old snapshot; afterwards they see the new one.
func TestReloadDoesNotPauseMatching(t *testing.T) {
	t.Parallel()
	dir := copyDefaults(t)
	src, err := NewSource(t.Context(), SourceConfig{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	old := src.Rules().Version()
	var b strings.Builder
	b.WriteString("kind dictionary\ncategory spam\n")
	for _, f := range syntheticFiles(20_000)[len(src.Set().Files()):] {
		for _, e := range f.Entries {
			b.WriteString(e.Term + "\n")
		}
	}
	b.WriteString("zorblax\n")
	writeFile(t, filepath.Join(dir, "big.rules"), b.String())

	stop := make(chan struct{})
	scans := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				scans <- n
				return
			default:
			}
			if v := src.Rules().Version(); v == old {
				src.Rules().ScanText(moderation.SceneComment, "body", "what the fuck")
				n++
			}
		}
	}()
	if err := src.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if n := <-scans; n == 0 {
		t.Error("no scan completed on the old rules while the new ones compiled")
	}
	if got := hitTerms(src, "zorblax"); len(got) != 1 {
		t.Errorf("new rules not live after reload: %v", got)
	}
}
