package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v2"

	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

const dashboardsDir = "../../dashboards"

// processRegistries builds the real registries of a worker and of the API, as runWorker and
// runAPI do, on a private Redis.
func processRegistries(t *testing.T) (worker, api *prometheus.Registry) {
	t.Helper()
	rdb := redistest.Start(t).Client(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()

	worker = newRegistry("worker")
	wst, err := buildStack(ctx, stackOptions{rdb: rdb, reg: worker, log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wst.close)
	if _, err := newWorker(rdb, wst, worker, log, 2, time.Second); err != nil {
		t.Fatal(err)
	}

	api = newRegistry("api")
	ast, err := buildStack(ctx, stackOptions{rdb: rdb, reg: api, log: log, serveAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ast.close)
	h, err := newAPIHandler(rdb, ast, api, log)
	if err != nil {
		t.Fatal(err)
	}
	// One request, so that the per-route HTTP series exist as on a running API.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/items/note/n-1/verdict", nil))
	if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("GET verdict of an unknown item: %d, want 401 or 404", rec.Code)
	}
	return worker, api
}

var reFQName = regexp.MustCompile(`fqName: "([^"]+)"`)

// exportedNames returns the metric names a registry exports, histograms with their
// _bucket, _sum and _count series. A vector registered without any series yet (a counter
// of rare events by label) counts as exported: its descriptor is registered.
func exportedNames(t *testing.T, regs ...*prometheus.Registry) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, reg := range regs {
		ch := make(chan *prometheus.Desc)
		go func() { reg.Describe(ch); close(ch) }()
		for d := range ch {
			if m := reFQName.FindStringSubmatch(d.String()); m != nil {
				names[m[1]] = true
			}
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			n := mf.GetName()
			names[n] = true
			if mf.GetType().String() == "HISTOGRAM" {
				names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
			}
		}
	}
	return names
}

func TestMetricsLint(t *testing.T) {
	t.Parallel()
	worker, api := processRegistries(t)
	for role, reg := range map[string]*prometheus.Registry{"worker": worker, "api": api} {
		problems, err := testutil.GatherAndLint(reg)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s: %s", role, p.Metric, p.Text)
		}
	}
	// The DESIGN §8 catalog, by the process that exports each metric.
	want := map[string][]string{
		"worker": {"trustd_build_info", "trustd_verdicts_total", "trustd_verdict_latency_seconds",
			"trustd_stage_duration_seconds", "trustd_task_failures_total", "trustd_task_redeliveries_total",
			"trustd_rule_hits_total", "trustd_dictionary_entries", "trustd_rules_last_reload_success_timestamp_seconds",
			"trustd_rules_reload_failures_total", "trustd_webhook_deliveries_total", "trustd_worker_concurrency",
			"go_goroutines", "process_cpu_seconds_total"},
		"api": {"trustd_build_info", "trustd_items_received_total", "trustd_submissions_total",
			"trustd_http_requests_total", "trustd_http_request_duration_seconds", "trustd_queue_tasks",
			"trustd_queue_latency_seconds", "trustd_queue_processed_total", "trustd_queue_failed_total",
			"trustd_queue_paused", "trustd_webhook_deliveries_total"},
	}
	for role, reg := range map[string]*prometheus.Registry{"worker": worker, "api": api} {
		got := exportedNames(t, reg)
		for _, n := range want[role] {
			if !got[n] {
				t.Errorf("%s does not export %s", role, n)
			}
		}
	}
	// asynq's queue state is exported once per deployment: by the api, not by workers.
	if exportedNames(t, worker)["trustd_queue_tasks"] {
		t.Error("the worker exports trustd_queue_tasks; only the api should")
	}
}

// notYetWired lists metrics the dashboards and rules use that are defined in code (the
// package named) but not yet registered by buildStack, so the real registries cannot show
// them. The test checks each is at least defined in that package, and fails once it is
// exported, so that this list only shrinks.
var notYetWired = map[string]string{}

// externalName reports whether a metric comes from outside trustd's registries.
func externalName(n string) bool {
	return n == "up" || strings.HasPrefix(n, "asynq_") || strings.HasPrefix(n, "process_") || strings.HasPrefix(n, "go_")
}

var (
	reString    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	reMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	reRange     = regexp.MustCompile(`\[[^\[\]]*\]|\boffset\s+-?[0-9a-z]+|\b[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\b`)
	reGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	reIdent     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	promqlWords = []string{"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
)

// metricNames extracts the metric names of a PromQL expression: identifiers that are not
// functions, aggregations, keywords, label names or durations.
func metricNames(expr string) []string {
	s := reString.ReplaceAllString(expr, `""`)
	s = reMatchers.ReplaceAllString(s, " ")
	s = reRange.ReplaceAllString(s, " ")
	s = reGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, m := range reIdent.FindAllStringSubmatch(s, -1) {
		if m[1] != "" || slices.Contains(promqlWords, strings.ToLower(m[0])) {
			continue // a function or aggregation call, or a keyword
		}
		if !slices.Contains(out, m[0]) {
			out = append(out, m[0])
		}
	}
	return out
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (scene) (rate(trustd_items_received_total[$__rate_interval]))`, []string{"trustd_items_received_total"}},
		{`histogram_quantile(0.99, sum by (stage, le) (rate(trustd_stage_duration_seconds_bucket{stage!="total"}[5m])))`, []string{"trustd_stage_duration_seconds_bucket"}},
		{`1 - trustd:verdict_latency_slo:error_ratio_rate1h > (14.4 * 0.01) and trustd:x offset 30m`, []string{"trustd:verdict_latency_slo:error_ratio_rate1h", "trustd:x"}},
		{`sum(up{job="trustd-worker"}) == 0 or absent(up{job="trustd-worker", instance=~"a(b)"})`, []string{"up"}},
		{`a / ignoring (decision) group_left () sum without (x) (b)`, []string{"a", "b"}},
		{`time() - trustd_rules_last_reload_success_timestamp_seconds > 4 * 3600`, []string{"trustd_rules_last_reload_success_timestamp_seconds"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, metricNames(tc.expr)); diff != "" {
			t.Errorf("metricNames(%q) (-want +got):\n%s", tc.expr, diff)
		}
	}
}

// dashboardExprs returns every panel target expression of a dashboard, by panel title.
func dashboardExprs(t *testing.T, path string) (uid string, exprs map[string][]string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		UID        string            `json:"uid"`
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct{ Name, Type, Query string } `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !slices.ContainsFunc(d.Templating.List, func(v struct{ Name, Type, Query string }) bool {
		return v.Name == "datasource" && v.Type == "datasource" && v.Query == "prometheus"
	}) {
		t.Errorf("%s: no ${datasource} variable of type prometheus", path)
	}
	exprs = map[string][]string{}
	var walk func([]json.RawMessage)
	walk = func(ps []json.RawMessage) {
		for _, rp := range ps {
			var p panel
			if err := json.Unmarshal(rp, &p); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			walk(p.Panels)
			if len(p.Targets) > 0 && (p.Datasource == nil || p.Datasource.UID != "${datasource}") {
				t.Errorf("%s: panel %q does not use ${datasource}", path, p.Title)
			}
			for _, tg := range p.Targets {
				exprs[p.Title] = append(exprs[p.Title], tg.Expr)
			}
		}
	}
	walk(d.Panels)
	return d.UID, exprs
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record      string            `yaml:"record"`
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func ruleFiles(t *testing.T) map[string]ruleFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dashboardsDir, "*rules*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ruleFile{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.yml") {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var rf ruleFile
		if err := yaml.Unmarshal(raw, &rf); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[p] = rf
	}
	if len(out) == 0 {
		t.Fatalf("no rule files in %s", dashboardsDir)
	}
	return out
}

// TestDashboardsUseExportedMetrics: every metric in a dashboard or rule expression is exported
// by the real worker or API registry, recorded by a rule, or an allowed external name.
func TestDashboardsUseExportedMetrics(t *testing.T) {
	t.Parallel()
	worker, api := processRegistries(t)
	exported := exportedNames(t, worker, api)
	recorded := map[string]bool{}
	exprs := map[string]string{} // where → expression
	for path, rf := range ruleFiles(t) {
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
				}
				exprs[filepath.Base(path)+": "+r.Record+r.Alert] = r.Expr
			}
		}
	}
	paths, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantUIDs := []string{"trustd-overview", "trustd-pipeline", "trustd-queues", "trustd-review", "trustd-trust"}
	var uids []string
	for _, p := range paths {
		uid, byPanel := dashboardExprs(t, p)
		uids = append(uids, uid)
		for title, es := range byPanel {
			for i, e := range es {
				exprs[filepath.Base(p)+": "+title+"#"+string(rune('A'+i))] = e
			}
		}
	}
	slices.Sort(uids)
	if diff := cmp.Diff(wantUIDs, uids); diff != "" {
		t.Errorf("dashboard uids (-want +got):\n%s", diff)
	}
	used := map[string]bool{}
	for where, e := range exprs {
		names := metricNames(e)
		if len(names) == 0 {
			t.Errorf("%s: no metric in %q", where, e)
		}
		for _, n := range names {
			used[n] = true
			switch {
			case exported[n], recorded[n], externalName(n):
			case notYetWired[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")] != "":
			default:
				t.Errorf("%s: metric %s is not exported by the worker or API, recorded by a rule, or external", where, n)
			}
		}
	}
	for name, pkg := range notYetWired {
		if exported[name] {
			t.Errorf("%s is exported now: remove it from notYetWired", name)
		}
		if !definedIn(t, "../../"+pkg, name) {
			t.Errorf("%s is not defined in %s", name, pkg)
		}
	}
	// The dashboards cover the metrics an SRE needs (issue 6).
	for _, n := range []string{"trustd_review_backlog", "trustd_review_oldest_age_seconds", "trustd_review_decisions_total",
		"trustd_review_time_to_decision_seconds_bucket", "trustd_image_checks_total", "trustd_image_index_hashes",
		"trustd_rule_hits_total", "trustd_dictionary_entries", "trustd_rules_last_reload_success_timestamp_seconds",
		"trustd_rules_reload_failures_total", "trustd_queue_latency_seconds", "trustd_queue_tasks",
		"trustd_verdict_latency_seconds_bucket", "trustd_stage_duration_seconds_bucket", "trustd_webhook_deliveries_total"} {
		if !used[n] {
			t.Errorf("no dashboard or rule uses %s", n)
		}
	}
}

// definedIn reports whether a non-test Go file of dir contains the metric name as a literal.
func definedIn(t *testing.T, dir, name string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), `"`+name+`"`) {
			return true
		}
	}
	return false
}

// TestAlertsHaveRunbookSections: every alert links to its own runbook section, which exists.
func TestAlertsHaveRunbookSections(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(dashboardsDir, "runbook.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			sections[strings.ToLower(strings.TrimSpace(h))] = true
		}
	}
	n := 0
	for path, rf := range ruleFiles(t) {
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				n++
				anchor := strings.ToLower(r.Alert)
				if !sections[anchor] {
					t.Errorf("%s: alert %s has no runbook section", path, r.Alert)
				}
				if want := "/dashboards/runbook.md#" + anchor; !strings.HasSuffix(r.Annotations["runbook_url"], want) {
					t.Errorf("%s: alert %s: runbook_url %q, want …%s", path, r.Alert, r.Annotations["runbook_url"], want)
				}
				if r.Annotations["summary"] == "" {
					t.Errorf("%s: alert %s has no summary", path, r.Alert)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("%d alerts, want at least 10", n)
	}
}

// TestPromtoolRules runs promtool check rules and the promtool unit tests of every rule file.
// promtool comes with Debian's prometheus package; in CI (CI set) its absence is a failure.
func TestPromtoolRules(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is required in CI (apt-get install -y prometheus): %v", err)
		}
		t.Skip("promtool not on PATH (apt-get install -y prometheus); CI fails instead of skipping")
	}
	rules, _ := filepath.Glob(filepath.Join(dashboardsDir, "*rules*.yml"))
	var checks, tests []string
	for _, r := range rules {
		if strings.HasSuffix(r, "_test.yml") {
			tests = append(tests, r)
		} else {
			checks = append(checks, r)
		}
	}
	if len(checks) == 0 || len(tests) == 0 {
		t.Fatalf("rule files %v, tests %v: want both", checks, tests)
	}
	for _, args := range [][]string{append([]string{"check", "rules"}, checks...), append([]string{"test", "rules"}, tests...)} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// yamlDocs parses every document of a YAML file (syntax check of the deployment files; Docker
// and kubectl are not available to the tests).
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var raw map[string]any
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		// Round-trip through JSON so that nested maps are map[string]any.
		b, err := json.Marshal(jsonable(raw))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
}

func jsonable(v any) any {
	switch v := v.(type) {
	case map[any]any:
		m := map[string]any{}
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case map[string]any:
		m := map[string]any{}
		for k, e := range v {
			m[k] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
	}
	return v
}

// dig walks a parsed document by keys and list indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func shutdownTimeout(t *testing.T, args []any) time.Duration {
	t.Helper()
	for _, a := range args {
		if s, ok := strings.CutPrefix(fmt.Sprint(a), "--shutdown-timeout="); ok {
			d, err := time.ParseDuration(s)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	return 25 * time.Second // the worker's default
}

// TestDeployFiles checks the syntax of every deployment file and the properties issue 6 asks
// for: AOF on, grace periods longer than the shutdown timeout, probes, resource requests, KEDA
// on the pending list plus CPU, a static non-root image, parseable webhook subscriptions.
func TestDeployFiles(t *testing.T) {
	t.Parallel()
	deploy := filepath.Join(dashboardsDir, "deploy")
	var files []string
	err := filepath.WalkDir(deploy, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]map[string]any{}
	for _, f := range files {
		for _, doc := range yamlDocs(t, f) {
			if k, ok := doc["kind"].(string); ok {
				kinds[k+"/"+fmt.Sprint(dig(doc, "metadata", "name"))] = doc
			}
		}
	}

	compose := yamlDocs(t, filepath.Join(deploy, "docker-compose.yml"))[0]
	if cmd := fmt.Sprint(dig(compose, "services", "redis", "command")); !strings.Contains(cmd, "--appendonly yes") {
		t.Errorf("compose redis command %s: AOF is off", cmd)
	}
	grace, err := time.ParseDuration(fmt.Sprint(dig(compose, "services", "worker", "stop_grace_period")))
	if err != nil {
		t.Fatalf("compose worker stop_grace_period: %v", err)
	}
	if args, _ := dig(compose, "services", "worker", "command").([]any); grace <= shutdownTimeout(t, args) {
		t.Errorf("compose worker stop_grace_period %v is not longer than the shutdown timeout", grace)
	}
	for _, svc := range []string{"redis", "worker", "api", "prometheus", "grafana"} {
		if dig(compose, "services", svc) == nil {
			t.Errorf("compose has no %s service", svc)
		}
	}

	for _, name := range []string{"Deployment/trustd-worker", "Deployment/trustd-api", "StatefulSet/trustd-redis"} {
		d := kinds[name]
		if d == nil {
			t.Errorf("no %s manifest", name)
			continue
		}
		spec := dig(d, "spec", "template", "spec")
		c := dig(spec, "containers", 0)
		for _, want := range []string{"readinessProbe", "livenessProbe"} {
			if dig(c, want) == nil {
				t.Errorf("%s: no %s", name, want)
			}
		}
		if dig(c, "resources", "requests", "cpu") == nil || dig(c, "resources", "requests", "memory") == nil {
			t.Errorf("%s: no cpu and memory requests", name)
		}
		if strings.HasPrefix(name, "Deployment/") {
			gp, _ := dig(spec, "terminationGracePeriodSeconds").(float64)
			args, _ := dig(c, "args").([]any)
			if time.Duration(gp)*time.Second <= shutdownTimeout(t, args) {
				t.Errorf("%s: terminationGracePeriodSeconds %v is not longer than the shutdown timeout", name, gp)
			}
			if dig(spec, "securityContext", "runAsNonRoot") != true {
				t.Errorf("%s: not runAsNonRoot", name)
			}
		}
	}
	so := kinds["ScaledObject/trustd-worker"]
	var triggers []string
	for _, tr := range asSlice(dig(so, "spec", "triggers")) {
		triggers = append(triggers, fmt.Sprint(dig(tr, "type"), ":", dig(tr, "metadata", "listName")))
	}
	for _, want := range []string{"redis:asynq:{realtime}:pending", "cpu:<nil>"} {
		if !slices.Contains(triggers, want) {
			t.Errorf("ScaledObject triggers %v: no %s", triggers, want)
		}
	}

	// The subscription files parse with the code that reads them.
	secret := fmt.Sprint(dig(kinds["Secret/trustd-webhooks"], "stringData", "webhooks.yaml"))
	for name, data := range map[string]string{"secret": secret, "compose": readFile(t, filepath.Join(deploy, "webhooks.yaml"))} {
		if _, err := queue.ParseSubscriptions([]byte(data)); err != nil {
			t.Errorf("%s webhooks.yaml: %v", name, err)
		}
	}

	df := readFile(t, "../../Dockerfile")
	for _, want := range []string{"CGO_ENABLED=0", "FROM gcr.io/distroless/static", "USER 65532", "AS build"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
