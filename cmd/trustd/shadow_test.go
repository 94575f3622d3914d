package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue/redistest"
	"github.com/trustd/trustd/rules"
)

const zorblaxRules = "kind dictionary\ncategory abuse\nexample+ zorblax\nzorblax\n"

// writeRulesDir writes the default rules plus extra files into a fresh directory.
func writeRulesDir(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(rules.Default(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(rules.Default(), p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for n, c := range extra {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// metricValue returns the sum of the gauge or counter series of name in reg whose labels
// include labels (nil: every series).
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue next
				}
			}
			sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return sum
}

// TestShadowPromoteDemote runs an API process and a worker process (two stacks on one real
// Redis): shadow rules set with the CLI are run in shadow by the worker (a would-be block in
// the diff stream and the metrics) while its verdicts stay pass; promoted through the API,
// they become the worker's live rules; a new shadow is demoted, and reset brings back the
// directory rules.
func TestShadowPromoteDemote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	apiReg, workerReg := prometheus.NewRegistry(), prometheus.NewRegistry()
	apiStack, err := buildStack(ctx, stackOptions{rdb: rdb, reg: apiReg, log: log, serveAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	defer apiStack.close()
	worker, err := buildStack(ctx, stackOptions{rdb: rdb, reg: workerReg, log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer worker.close()
	call := serveAPI(t, rdb, apiStack, apiReg, log)
	n := 0
	moderate := func() moderation.Decision {
		t.Helper()
		n++
		it := &moderation.Item{ID: "c-" + strconv.Itoa(n), Scene: moderation.SceneComment, AuthorID: "u-" + strconv.Itoa(n),
			Body: "zorblax!"} // short: not fingerprinted, so the repeats are no flood
		if err := it.Normalize(); err != nil {
			t.Fatal(err)
		}
		v, err := worker.pipeline.Moderate(ctx, it)
		if err != nil {
			t.Fatal(err)
		}
		return v.Decision
	}
	shadowActive := func(want float64) {
		t.Helper()
		waitUntil(t, "the worker's shadow rules to follow Redis", 5*time.Second, func() bool {
			return metricValue(t, workerReg, "trustd_shadow_active", nil) == want
		})
	}

	// Set: the CLI validates and uploads; a broken directory is refused.
	dir := writeRulesDir(t, map[string]string{"custom.rules": zorblaxRules})
	if code, _, stderr := runCmd(t, ctx, "", nil, "rules", "shadow", "set", "--redis", srv.URL(), writeRulesDir(t, map[string]string{"bad.rules": "kind nonsense\n"})); code != 1 || !strings.Contains(stderr, "bad.rules") {
		t.Fatalf("set of a broken directory: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, ctx, "", map[string]string{"USER": "alice"}, "rules", "shadow", "set", "--redis", srv.URL(), "--note", "zorblax wave", dir)
	if code != 0 || !strings.Contains(stdout, "set by cli:alice") {
		t.Fatalf("rules shadow set: exit %d\n%s%s", code, stdout, stderr)
	}
	shadowActive(1)
	if d := moderate(); d != moderation.Pass {
		t.Fatalf("with the shadow set, the verdict is %s; shadow rules must not change verdicts", d)
	}
	diffs, err := rdb.XRange(ctx, trust.DefaultShadowStream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 || diffs[0].Values["live"] != "pass" || diffs[0].Values["shadow"] != "block" {
		t.Fatalf("shadow diff stream = %v, want one pass→block entry", diffs)
	}
	if got := metricValue(t, workerReg, "trustd_shadow_decisions_total", map[string]string{"live": "pass", "shadow": "block"}); got != 1 {
		t.Errorf("trustd_shadow_decisions_total{live=pass,shadow=block} = %v, want 1", got)
	}

	// Promote through the API, naming the bundle seen in the status.
	code, body := call("GET", "/v1/rules/shadow", "")
	var st shadowStatus
	if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil || st.Shadow == nil {
		t.Fatalf("GET /v1/rules/shadow: %d %s", code, body)
	}
	if code, body := call("POST", "/v1/rules/shadow/promote", `{"digest":"b-000000000000"}`); code != 409 {
		t.Fatalf("promote of a stale digest: %d %s", code, body)
	}
	if code, body := call("POST", "/v1/rules/shadow/promote", `{"digest":"`+st.Shadow.Digest+`"}`); code != 200 {
		t.Fatalf("promote: %d %s", code, body)
	}
	waitUntil(t, "the worker's verdicts to follow the promoted rules", 5*time.Second, func() bool { return moderate() == moderation.Block })
	shadowActive(0)
	if code, body := call("POST", "/v1/rules/shadow/promote", ""); code != 404 {
		t.Fatalf("promote without a shadow: %d %s", code, body)
	}

	// A new shadow (the original rules: zorblax would pass) through the API, then demoted.
	orig, err := rules.BundleFromFS(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(shadowSetRequest{Files: orig.Files})
	if code, body := call("PUT", "/v1/rules/shadow", `{"files":{"x.rules":"kind nonsense\n"}}`); code != 400 || !strings.Contains(body, "bad_rule") {
		t.Fatalf("PUT of broken rules: %d %s", code, body)
	}
	if code, body := call("PUT", "/v1/rules/shadow", string(req)); code != 201 {
		t.Fatalf("PUT /v1/rules/shadow: %d %s", code, body)
	}
	shadowActive(1)
	if d := moderate(); d != moderation.Block {
		t.Fatalf("live (promoted) rules with a shadow set: %s, want block", d)
	}
	if got := metricValue(t, workerReg, "trustd_shadow_decisions_total", map[string]string{"live": "block", "shadow": "pass"}); got != 1 {
		t.Errorf("trustd_shadow_decisions_total{live=block,shadow=pass} = %v, want 1", got)
	}
	if code, body := call("DELETE", "/v1/rules/shadow", ""); code != 200 {
		t.Fatalf("demote: %d %s", code, body)
	}
	shadowActive(0)

	// Reset with the CLI: back to the embedded rules.
	if code, stdout, stderr := runCmd(t, ctx, "", map[string]string{"USER": "bob"}, "rules", "shadow", "reset", "--redis", srv.URL()); code != 0 {
		t.Fatalf("rules shadow reset: exit %d\n%s%s", code, stdout, stderr)
	}
	waitUntil(t, "the worker to go back to its own rules", 5*time.Second, func() bool { return moderate() == moderation.Pass })
	code, stdout, _ = runCmd(t, ctx, "", nil, "rules", "shadow", "status", "--redis", srv.URL())
	if code != 0 {
		t.Fatalf("status: exit %d", code)
	}
	for _, want := range []string{"live:   none", "shadow: none", "reset    " + st.Shadow.Digest, "by cli:bob", "demote ", "by anonymous",
		"promote  " + st.Shadow.Digest, "set      " + st.Shadow.Digest, "by cli:alice"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("status does not show %q:\n%s", want, stdout)
		}
	}
	if code, _, _ := runCmd(t, ctx, "", nil, "rules", "shadow", "demote", "--redis", srv.URL()); code != 1 {
		t.Errorf("demote without a shadow: exit %d, want 1", code)
	}
}

// Trust settings: flag first, then environment, then the default; bad values and the retired
// TRUSTD_SHADOW_RULES are usage errors.
func TestTrustFlags(t *testing.T) {
	t.Parallel()
	parse := func(environ map[string]string, args ...string) (*trustFlags, error) {
		var f trustFlags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f.register(fs, &env{Getenv: func(k string) string { return environ[k] }})
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return &f, f.check()
	}
	f, err := parse(nil)
	if err != nil || !f.on || f.floodReview != 10 || f.strikesWindow != 24*time.Hour {
		t.Fatalf("defaults: %+v %v", f, err)
	}
	env := map[string]string{"TRUSTD_TRUST_FLOOD_REVIEW": "7", "TRUSTD_TRUST_SPLIT_WINDOW": "5m", "TRUSTD_TRUST": "off"}
	if f, err = parse(env); err != nil || f.floodReview != 7 || f.splitWindow != 5*time.Minute || f.on {
		t.Fatalf("environment: %+v %v", f, err)
	}
	if f, err = parse(env, "--trust-flood-review=5", "--trust=true"); err != nil || f.floodReview != 5 || !f.on {
		t.Fatalf("flag over environment: %+v %v", f, err)
	}
	for _, bad := range []map[string]string{{"TRUSTD_TRUST_STRIKES_WINDOW": "soon"}, {"TRUSTD_TRUST_FLOOD_BLOCK": "many"},
		{"TRUSTD_SHADOW_RULES": "/etc/trustd/shadow"}} {
		if _, err := parse(bad); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", bad, err)
		}
	}
	if _, err := parse(nil, "--trust-flood-window=0s"); !errors.Is(err, errUsage) {
		t.Errorf("zero window: err = %v, want a usage error", err)
	}
}
