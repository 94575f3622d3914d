package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/queue/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).reaper"),
		// net/http keeps idle client connections' read loops until the transport is idle-closed.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		// The fault tests' trustd binary is built once for the whole run.
		goleak.Cleanup(func(int) { removeTrustdBinary() }),
	)
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCmd runs a trustd command in process and returns its exit code and output.
func runCmd(t *testing.T, ctx context.Context, stdin string, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	e := &env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return environ[k] }}
	code := run(ctx, e, args)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCmd(t, context.Background(), "", nil, "-h")
	if code != 0 || !strings.Contains(stderr, "check") || !strings.Contains(stderr, "worker") {
		t.Fatalf("trustd -h: code %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCmd(t, context.Background(), "", nil, "nope"); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
	for _, c := range commands() {
		code, _, stderr := runCmd(t, context.Background(), "", nil, c.name, "-h")
		if code != 0 || !strings.Contains(stderr, "Usage: trustd "+c.name) {
			t.Errorf("trustd %s -h: exit %d, stderr %q", c.name, code, stderr)
		}
		if code, _, _ := runCmd(t, context.Background(), "", nil, c.name, "--no-such-flag"); code != 2 {
			t.Errorf("trustd %s --no-such-flag: exit %d, want 2", c.name, code)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"id":"n-1","scene":"note","author_id":"u-1","title":"weekend","body":"a lovely walk by the lake"}`,
		`{"id":"bad id","scene":"note","author_id":"u-1"}`,
		`not json`,
		``,
		`{"id":"c-1","scene":"comment","author_id":"u-2","body":"you are a fucking idiot","meta":{"k":"v"}}`,
	}, "\n") + "\n"
	code, out, stderr := runCmd(t, context.Background(), in, nil, "check")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d output lines for 5 input lines:\n%s", len(lines), out)
	}
	var first moderation.Verdict
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Decision != moderation.Pass || first.ContentID != "n-1" || first.Revision != 1 || first.Versions.Rules == "" {
		t.Errorf("line 1: %s", lines[0])
	}
	// Every DESIGN §4 field is present, arrays included, even when empty.
	var raw map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &raw)
	for _, f := range []string{"event_id", "event_type", "content_id", "revision", "scene", "author_id", "decision",
		"labels", "hits", "contacts", "images", "versions", "decided_by", "decided_at"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("verdict lacks field %q: %s", f, lines[0])
		}
	}
	for i, want := range map[int]string{1: `"line":2`, 2: `"line":3`, 3: `"line":4`} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], `"error"`) {
			t.Errorf("line %d = %s, want an error for input %s", i+1, lines[i], want)
		}
	}
	var last moderation.Verdict
	if err := json.Unmarshal([]byte(lines[4]), &last); err != nil {
		t.Fatal(err)
	}
	if last.Decision != moderation.Block || len(last.Hits) == 0 || string(last.Meta) != `{"k":"v"}` {
		t.Errorf("line 5: %s", lines[4])
	}
	for _, h := range last.Hits {
		body := "you are a fucking idiot"
		if body[h.Start:h.End] != h.Text {
			t.Errorf("hit offsets %d:%d do not give %q", h.Start, h.End, h.Text)
		}
	}
}

func TestCheckBadFlags(t *testing.T) {
	t.Parallel()
	if code, _, _ := runCmd(t, context.Background(), "", nil, "check", "--rules"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

// TestWorkerAndSubmit runs `trustd worker` and `trustd submit` against a real Redis:
// every submitted comment gets exactly one stream entry, and resubmitting adds none.
func TestWorkerAndSubmit(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	environ := map[string]string{"TRUSTD_REDIS_URL": srv.URL(), "TRUSTD_ADMIN_ADDR": "127.0.0.1:0"}
	const n = 2000
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, `{"id":"c-%d","scene":"comment","author_id":"u-%d","body":"comment %d, what a lovely photo"}`+"\n", i, i%50, i)
	}
	in.WriteString("{broken\n")

	code, out, stderr := runCmd(t, context.Background(), in.String(), environ, "submit", "--quiet")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("accepted %d, duplicate 0, rejected 1", n)) {
		t.Fatalf("submit: exit %d, out %q, stderr %q", code, out, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		code, _, _ := runCmd(t, ctx, "", environ, "worker", "--log-level", "warn")
		done <- code
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		l, err := rdb.XLen(context.Background(), queue.DefaultStream).Result()
		if err != nil {
			t.Fatal(err)
		}
		if l >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d verdicts after 2 minutes", l, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, out, _ = runCmd(t, context.Background(), in.String(), environ, "submit", "--quiet")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("accepted 0, duplicate %d, rejected 1", n)) {
		t.Fatalf("resubmit: exit %d, out %q", code, out)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("worker exited %d", code)
	}
	if l, _ := rdb.XLen(context.Background(), queue.DefaultStream).Result(); l != n {
		t.Fatalf("stream has %d entries, want %d", l, n)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	environ := map[string]string{"TRUSTD_API_ADDR": "127.0.0.1:0", "TRUSTD_ADMIN_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	code, out, stderr := runCmd(t, ctx, "", environ, "demo", "--exit")
	if code != 0 {
		t.Fatalf("demo exit %d: %s\n%s", code, out, stderr)
	}
	items, err := demoItems("items.jsonl", "http://x")
	if err != nil {
		t.Fatal(err)
	}
	later, err := demoItems("items_later.jsonl", "http://x")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range append(items, later...) {
		if !strings.Contains(out, it.ID) {
			t.Errorf("demo printed no verdict for %s:\n%s", it.ID, out)
		}
	}
	// The later note reuses a photo of an earlier one by another author.
	if !strings.Contains(out, "≈ demo-note-5 of u-kate") || !strings.Contains(out, "duplicate_image") {
		t.Errorf("demo did not show the duplicate image:\n%s", out)
	}
	if !strings.Contains(out, "/metrics") {
		t.Errorf("demo did not print the metrics URL:\n%s", out)
	}
}
