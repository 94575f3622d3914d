package queue_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

// Test vector published by the Standard Webhooks specification (and the svix libraries'
// tests): secret, message id, timestamp, payload and the expected signature.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specPayload   = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// secondSecret is a second valid secret (24 bytes) for rotation tests.
var secondSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdefghijklmn"))

func TestWebhookSignatureSpecVector(t *testing.T) {
	t.Parallel()
	ts := time.Unix(specTimestamp, 0)
	got, err := queue.SignWebhook([]string{specSecret}, specID, ts, []byte(specPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got != specSignature {
		t.Fatalf("signature = %q, want the spec's %q", got, specSignature)
	}
	hdr := func(id, ts, sig string) http.Header {
		h := http.Header{}
		h.Set(queue.HeaderWebhookID, id)
		h.Set(queue.HeaderWebhookTimestamp, ts)
		h.Set(queue.HeaderWebhookSignature, sig)
		return h
	}
	rotated, err := queue.SignWebhook([]string{secondSecret, specSecret}, specID, ts, []byte(specPayload))
	if err != nil {
		t.Fatal(err)
	}
	tsStr := fmt.Sprint(specTimestamp)
	tests := []struct {
		name    string
		secrets []string
		h       http.Header
		body    string
		now     time.Time
		want    error
	}{
		{"spec vector", []string{specSecret}, hdr(specID, tsStr, specSignature), specPayload, ts, nil},
		{"either of two signatures", []string{specSecret}, hdr(specID, tsStr, "v1,bm90IGl0 "+specSignature), specPayload, ts, nil},
		{"rotation: old secret", []string{specSecret}, hdr(specID, tsStr, rotated), specPayload, ts, nil},
		{"rotation: new secret", []string{secondSecret}, hdr(specID, tsStr, rotated), specPayload, ts, nil},
		{"tampered body", []string{specSecret}, hdr(specID, tsStr, specSignature), `{"test": 2432232315}`, ts, queue.ErrWebhookSignature},
		{"other id", []string{specSecret}, hdr("msg_other", tsStr, specSignature), specPayload, ts, queue.ErrWebhookSignature},
		{"wrong secret", []string{secondSecret}, hdr(specID, tsStr, specSignature), specPayload, ts, queue.ErrWebhookSignature},
		{"too old", []string{specSecret}, hdr(specID, tsStr, specSignature), specPayload, ts.Add(6 * time.Minute), queue.ErrWebhookTimestamp},
		{"from the future", []string{specSecret}, hdr(specID, tsStr, specSignature), specPayload, ts.Add(-6 * time.Minute), queue.ErrWebhookTimestamp},
		{"no timestamp", []string{specSecret}, hdr(specID, "", specSignature), specPayload, ts, queue.ErrWebhookTimestamp},
		{"bad secret", []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, hdr(specID, tsStr, specSignature), specPayload, ts, queue.ErrWebhookSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := queue.VerifyWebhook(tc.secrets, tc.h, []byte(tc.body), tc.now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("VerifyWebhook = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseSubscriptions(t *testing.T) {
	t.Parallel()
	want := []queue.Subscription{{ID: "shop", URL: "https://hooks.example.com/t", Secrets: []string{specSecret, secondSecret},
		EventTypes: []string{"verdict.updated"}, Scenes: []string{"note"}}}
	tests := []struct {
		name, in string
		want     []queue.Subscription
		wantErr  string
	}{
		{"yaml", "subscriptions:\n  - id: shop\n    url: https://hooks.example.com/t\n    secrets: [" + specSecret + ", " + secondSecret + "]\n    event_types: [verdict.updated]\n    scenes: [note]\n", want, ""},
		{"json", `{"subscriptions":[{"id":"shop","url":"https://hooks.example.com/t","secrets":["` + specSecret + `","` + secondSecret + `"],"event_types":["verdict.updated"],"scenes":["note"]}]}`, want, ""},
		{"empty", "", nil, ""},
		{"unknown field", "subscriptions:\n  - id: a\n    url: https://x.example/\n    secrets: [" + specSecret + "]\n    scene: [note]\n", nil, "scene"},
		{"bad scheme", "subscriptions:\n  - id: a\n    url: ftp://x.example/\n    secrets: [" + specSecret + "]\n", nil, "http or https"},
		{"no secret", "subscriptions:\n  - id: a\n    url: https://x.example/\n", nil, "no secrets"},
		{"secret without prefix", "subscriptions:\n  - id: a\n    url: https://x.example/\n    secrets: [MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n", nil, "whsec_"},
		{"short secret", "subscriptions:\n  - id: a\n    url: https://x.example/\n    secrets: [whsec_c2hvcnQ=]\n", nil, "24 to 64"},
		{"bad event type", "subscriptions:\n  - id: a\n    url: https://x.example/\n    secrets: [" + specSecret + "]\n    event_types: [verdict.deleted]\n", nil, "verdict.deleted"},
		{"bad scene", "subscriptions:\n  - id: a\n    url: https://x.example/\n    secrets: [" + specSecret + "]\n    scenes: [story]\n", nil, "story"},
		{"bad id", "subscriptions:\n  - id: 'a b'\n    url: https://x.example/\n    secrets: [" + specSecret + "]\n", nil, "subscription id"},
		{"duplicate id", "subscriptions:\n  - {id: a, url: 'https://x.example/', secrets: [" + specSecret + "]}\n  - {id: a, url: 'https://y.example/', secrets: [" + specSecret + "]}\n", nil, "duplicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := queue.ParseSubscriptions([]byte(tc.in))
			if tc.wantErr != "" {
				if !errors.Is(err, queue.ErrWebhookConfig) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want ErrWebhookConfig mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("subscriptions (-want +got):\n%s", diff)
			}
		})
	}
}

// delivery is one request a test receiver got.
type delivery struct {
	id, ts, sig string
	body        []byte
	status      int
}

// receiver is a local webhook endpoint whose answer the test controls.
type receiver struct {
	srv    *httptest.Server
	status atomic.Int32 // answer; 0 means 204
	mu     sync.Mutex
	got    []delivery
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		code := int(r.status.Load())
		if code == 0 {
			code = http.StatusNoContent
		}
		r.mu.Lock()
		r.got = append(r.got, delivery{req.Header.Get(queue.HeaderWebhookID), req.Header.Get(queue.HeaderWebhookTimestamp),
			req.Header.Get(queue.HeaderWebhookSignature), body, code})
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// ok returns how many times each event id was answered 2xx.
func (r *receiver) ok() map[string]int {
	n := map[string]int{}
	for _, d := range r.deliveries() {
		if d.status < 300 {
			n[d.id]++
		}
	}
	return n
}

func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s}", name, label)
	return 0
}

func newWebhooks(t *testing.T, rdb redis.UniversalClient, reg prometheus.Registerer, backoff []time.Duration, subs ...queue.Subscription) *queue.Webhooks {
	t.Helper()
	wh, err := queue.NewWebhooks(queue.WebhooksConfig{Redis: rdb, Subscriptions: subs, Backoff: backoff,
		AllowPrivate: true, Registerer: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wh.Close() })
	return wh
}

// startDeliverer runs the webhook handler on its own asynq server that checks for due retries
// every 20 ms (the worker's server uses asynq's 5 s default), so backoff can be tested fast.
func startDeliverer(t *testing.T, rdb redis.UniversalClient, wh *queue.Webhooks) {
	t.Helper()
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: 4, Queues: map[string]int{queue.QueueWebhooks: 1},
		TaskCheckInterval: 10 * time.Millisecond, DelayedTaskCheckInterval: 20 * time.Millisecond,
		RetryDelayFunc: wh.RetryDelay, LogLevel: asynq.FatalLevel,
		Logger: queue.NewAsynqLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	})
	if err := srv.Start(wh); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
}

func verdictOf(i int, scene moderation.Scene, et string) *moderation.Verdict {
	it := &moderation.Item{ID: fmt.Sprintf("n-%d", i), Scene: scene, Revision: 1, AuthorID: "u-1"}
	id := moderation.CreatedEventID(it.Key())
	if et == moderation.EventUpdated {
		id = moderation.NewEventID()
	}
	return &moderation.Verdict{EventID: id, EventType: et, ContentID: it.ID, Revision: 1, Scene: scene,
		AuthorID: "u-1", Decision: moderation.Pass, DecidedBy: "auto", DecidedAt: time.Now().UTC()}
}

func fastBackoff(n int) []time.Duration {
	b := make([]time.Duration, n)
	for i := range b {
		b[i] = 10 * time.Millisecond
	}
	return b
}

// TestWebhookReceiverDownThenBack: every event published while the receiver answers 503
// arrives, exactly once with a 2xx, once it is back.
func TestWebhookReceiverDownThenBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	rcv := newReceiver(t)
	rcv.status.Store(http.StatusServiceUnavailable)
	reg := prometheus.NewRegistry()
	wh := newWebhooks(t, rdb, reg, fastBackoff(7), queue.Subscription{ID: "down", URL: rcv.srv.URL, Secrets: []string{specSecret}})
	pub, err := queue.NewPublisher(queue.PublisherConfig{Redis: rdb, Webhooks: wh})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := range n {
		if _, err := pub.Publish(context.Background(), verdictOf(i, moderation.SceneNote, moderation.EventCreated)); err != nil {
			t.Fatal(err)
		}
	}
	startDeliverer(t, rdb, wh)
	// Down until every event has failed at least twice.
	waitFor(t, "two failed attempts per event", 30*time.Second, func() bool {
		failed := map[string]int{}
		for _, d := range rcv.deliveries() {
			failed[d.id]++
		}
		for _, c := range failed {
			if c < 2 {
				return false
			}
		}
		return len(failed) == n
	})
	rcv.status.Store(0)
	// The receiver records a request before it answers and the deliverer counts it after
	// the answer arrives, so wait for both.
	waitFor(t, "every event delivered", 30*time.Second, func() bool {
		return len(rcv.ok()) == n && counter(t, reg, "trustd_webhook_deliveries_total", "delivered") >= n
	})
	for id, c := range rcv.ok() {
		if c != 1 {
			t.Errorf("event %s delivered %d times with 2xx, want 1", id, c)
		}
	}
	if got := counter(t, reg, "trustd_webhook_deliveries_total", "delivered"); got != n {
		t.Errorf("delivered = %v, want %d", got, n)
	}
	if got := counter(t, reg, "trustd_webhook_deliveries_total", "failed"); got < 2*n {
		t.Errorf("failed = %v, want >= %d", got, 2*n)
	}
	if got := counter(t, reg, "trustd_webhook_deliveries_total", "gave_up"); got != 0 {
		t.Errorf("gave_up = %v, want 0", got)
	}
}

// TestWebhookGivesUpAndArchives: a receiver that never answers 2xx gets len(Backoff)+1
// attempts, then the task is archived and counted as gave_up.
func TestWebhookGivesUpAndArchives(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	rcv := newReceiver(t)
	rcv.status.Store(http.StatusInternalServerError)
	reg := prometheus.NewRegistry()
	wh := newWebhooks(t, rdb, reg, fastBackoff(3), queue.Subscription{ID: "broken", URL: rcv.srv.URL, Secrets: []string{specSecret}})
	if err := wh.Fanout(context.Background(), verdictOf(1, moderation.SceneComment, moderation.EventCreated), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	startDeliverer(t, rdb, wh)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	waitFor(t, "task archived", 30*time.Second, func() bool {
		qi, err := insp.GetQueueInfo(queue.QueueWebhooks)
		return err == nil && qi.Archived == 1
	})
	if got := len(rcv.deliveries()); got != 4 {
		t.Errorf("attempts = %d, want 4", got)
	}
	if got := counter(t, reg, "trustd_webhook_deliveries_total", "gave_up"); got != 1 {
		t.Errorf("gave_up = %v, want 1", got)
	}
	if got := counter(t, reg, "trustd_webhook_deliveries_total", "failed"); got != 3 {
		t.Errorf("failed = %v, want 3", got)
	}
}

// TestWebhookRefusesPrivateTargets: with AllowPrivate off, a loopback receiver is never
// contacted and the delivery is given up at once.
func TestWebhookRefusesPrivateTargets(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	rcv := newReceiver(t)
	reg := prometheus.NewRegistry()
	wh, err := queue.NewWebhooks(queue.WebhooksConfig{Redis: rdb, Registerer: reg, Backoff: fastBackoff(3),
		Subscriptions: []queue.Subscription{{ID: "internal", URL: rcv.srv.URL, Secrets: []string{specSecret}}},
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wh.Close() })
	if err := wh.Fanout(context.Background(), verdictOf(1, moderation.SceneNote, moderation.EventCreated), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	startDeliverer(t, rdb, wh)
	waitFor(t, "gave_up", 30*time.Second, func() bool {
		return counter(t, reg, "trustd_webhook_deliveries_total", "gave_up") == 1
	})
	if got := len(rcv.deliveries()); got != 0 {
		t.Errorf("receiver got %d requests, want 0", got)
	}
	if got := counter(t, reg, "trustd_webhook_deliveries_total", "failed"); got != 0 {
		t.Errorf("failed = %v, want 0 (no retries)", got)
	}
}

func TestWebhookFilters(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	subs := []queue.Subscription{
		{ID: "all", URL: "https://a.example/", Secrets: []string{specSecret}},
		{ID: "notes", URL: "https://b.example/", Secrets: []string{specSecret}, Scenes: []string{"note"}},
		{ID: "updates", URL: "https://c.example/", Secrets: []string{specSecret}, EventTypes: []string{"verdict.updated"}},
		{ID: "note-updates", URL: "https://d.example/", Secrets: []string{specSecret}, Scenes: []string{"note"}, EventTypes: []string{"verdict.updated"}},
	}
	wh := newWebhooks(t, rdb, nil, nil, subs...)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	tests := []struct {
		scene moderation.Scene
		et    string
		want  []string
	}{
		{moderation.SceneComment, moderation.EventCreated, []string{"all"}},
		{moderation.SceneNote, moderation.EventCreated, []string{"all", "notes"}},
		{moderation.SceneComment, moderation.EventUpdated, []string{"all", "updates"}},
		{moderation.SceneNote, moderation.EventUpdated, []string{"all", "note-updates", "notes", "updates"}},
	}
	for i, tc := range tests {
		v := verdictOf(100+i, tc.scene, tc.et)
		// Twice: the second fan-out of the same event enqueues nothing.
		for range 2 {
			if err := wh.Fanout(context.Background(), v, []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for _, s := range subs {
			if _, err := insp.GetTaskInfo(queue.QueueWebhooks, queue.WebhookTaskID(s.ID, v.EventID)); err == nil {
				got = append(got, s.ID)
			}
		}
		if diff := cmp.Diff(tc.want, got, cmpSorted); diff != "" {
			t.Errorf("%s %s: subscriptions (-want +got):\n%s", tc.scene, tc.et, diff)
		}
	}
	qi, err := insp.GetQueueInfo(queue.QueueWebhooks)
	if err != nil {
		t.Fatal(err)
	}
	if qi.Pending != 9 {
		t.Errorf("pending = %d, want 9 (no duplicates)", qi.Pending)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// verifyPy is an independent Standard Webhooks verifier: Python's hmac, hashlib and base64,
// no trustd code. It reads one JSON object per line and prints ok or bad per line.
const verifyPy = `
import base64, hashlib, hmac, json, sys
for line in sys.stdin:
    d = json.loads(line)
    ok = False
    for secret in d["secrets"]:
        key = base64.b64decode(secret.split("_", 1)[1])
        msg = (d["id"] + "." + d["ts"] + ".").encode() + base64.b64decode(d["body"])
        want = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
        for sig in d["sig"].split(" "):
            v, _, s = sig.partition(",")
            if v == "v1" and hmac.compare_digest(s, want):
                ok = True
    print("ok" if ok else "bad")
`

// TestWebhookEndToEndVerifiedByPython: items moderated by a real Worker reach the receiver
// through the webhooks queue, and an independent Python implementation verifies every
// signature, including both signatures of a rotation.
func TestWebhookEndToEndVerifiedByPython(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed to verify signatures independently: %v", err)
	}
	e := newEnv(t)
	rcv := newReceiver(t)
	secrets := []string{specSecret, secondSecret}
	reg := prometheus.NewRegistry()
	wh := newWebhooks(t, e.rdb, reg, nil, queue.Subscription{ID: "shop", URL: rcv.srv.URL, Secrets: secrets})
	pub, err := queue.NewPublisher(queue.PublisherConfig{Redis: e.rdb, Webhooks: wh})
	if err != nil {
		t.Fatal(err)
	}
	w, err := queue.NewWorker(queue.WorkerConfig{
		Redis: e.rdb, Moderator: e.pipe, Publisher: pub, Webhooks: wh, Concurrency: 4,
		TaskCheckInterval: 10 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	const n = 12
	submitAll(t, e.client, n)
	// A moderator decision: verdict.updated through the same publisher fans out too.
	upd := verdictOf(0, moderation.SceneComment, moderation.EventUpdated)
	upd.ContentID = "c-0"
	if _, err := pub.Publish(context.Background(), upd); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all deliveries", 30*time.Second, func() bool { return len(rcv.ok()) == n+1 })

	var in strings.Builder
	types := map[string]int{}
	for _, d := range rcv.deliveries() {
		line, _ := json.Marshal(map[string]any{"secrets": secrets, "id": d.id, "ts": d.ts, "sig": d.sig,
			"body": base64.StdEncoding.EncodeToString(d.body)})
		in.Write(line)
		in.WriteByte('\n')
		var v moderation.Verdict
		if err := json.Unmarshal(d.body, &v); err != nil {
			t.Fatalf("body is not a verdict: %v", err)
		}
		if v.EventID != d.id {
			t.Errorf("webhook-id %s, body event_id %s", d.id, v.EventID)
		}
		types[v.EventType]++
		if err := queue.VerifyWebhook([]string{secondSecret}, http.Header{
			"Webhook-Id": {d.id}, "Webhook-Timestamp": {d.ts}, "Webhook-Signature": {d.sig}}, d.body, time.Now()); err != nil {
			t.Errorf("VerifyWebhook(%s): %v", d.id, err)
		}
	}
	cmd := exec.Command(py, "-c", verifyPy)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python verifier: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != n+1 {
		t.Fatalf("python verified %d deliveries, want %d", len(lines), n+1)
	}
	for i, l := range lines {
		if l != "ok" {
			t.Errorf("delivery %d: python says %s", i, l)
		}
	}
	if diff := cmp.Diff(map[string]int{"verdict.created": n, "verdict.updated": 1}, types); diff != "" {
		t.Errorf("event types (-want +got):\n%s", diff)
	}
	// Tampering is caught by the same verifier, so it is not vacuous.
	bad, _ := json.Marshal(map[string]any{"secrets": secrets, "id": "x", "ts": "1", "sig": specSignature, "body": "e30="})
	cmd = exec.Command(py, "-c", verifyPy)
	cmd.Stdin = strings.NewReader(string(bad) + "\n")
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "bad" {
		t.Fatalf("python verifier on a forged delivery: %q, %v", out, err)
	}
}
