package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// serveAPI serves the API handler of st (as `trustd api` builds it) for the test and returns a
// function that makes one request and returns the status and the body.
func serveAPI(t *testing.T, rdb redis.UniversalClient, st *stack, reg prometheus.Registerer, log *slog.Logger) func(method, path, body string) (int, string) {
	t.Helper()
	h, err := newAPIHandler(rdb, st, reg, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
}
