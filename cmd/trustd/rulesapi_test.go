package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/queue/redistest"
)

// TestRulesOverlayAPI adds a term through the API and sees /v1/check block it once the
// overlay reloads, then allows a phrase and sees the hit suppressed, with a real Redis.
func TestRulesOverlayAPI(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	st, err := buildStack(context.Background(), stackOptions{rdb: rdb, reg: reg, log: log, serveAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	call := serveAPI(t, rdb, st, reg, log)
	item := `{"id":"c-1","scene":"comment","author_id":"u-1","body":"what a zorblax of a day"}`
	decision := func() string {
		code, body := call("POST", "/v1/check", item)
		if code != 200 {
			t.Fatalf("check: %d %s", code, body)
		}
		var v struct{ Decision string }
		_ = json.Unmarshal([]byte(body), &v)
		return v.Decision
	}
	waitDecision := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for decision() != want {
			if time.Now().After(deadline) {
				t.Fatalf("decision still not %s 5 s after the overlay edit", want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if d := decision(); d != "pass" {
		t.Fatalf("before the edit: %s", d)
	}
	if code, body := call("POST", "/v1/rules/terms", `{"dictionary":"overlay_en","category":"abuse","term":"zorblax"}`); code != 204 {
		t.Fatalf("add term: %d %s", code, body)
	}
	waitDecision("block")
	if code, body := call("POST", "/v1/rules/allow", `{"phrase":"zorblax of a day","options":"categories=abuse"}`); code != 204 {
		t.Fatalf("add allow: %d %s", code, body)
	}
	waitDecision("pass")
	if code, _ := call("POST", "/v1/rules/terms", `{"dictionary":"d","category":"","term":"x"}`); code != 400 {
		t.Fatalf("bad term accepted: %d", code)
	}
	code, body := call("GET", "/v1/rules", "")
	if code != 200 || !strings.Contains(body, "overlay_en") {
		t.Fatalf("GET /v1/rules: %d %s", code, body)
	}
}
