package queue_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trustd/trustd/queue"
)

func newAPIServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	api, err := queue.NewAPI(queue.APIConfig{Client: e.client, Publisher: e.pub, Moderator: e.pipe})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: response is not JSON: %v", method, url, err)
	}
	return res.StatusCode, out
}

func TestAPIIngest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newAPIServer(t, e)
	item := `{"id":"n-1","scene":"note","author_id":"u-1","title":"hi","body":"a badword here"}`
	tests := []struct {
		name       string
		method     string
		path, body string
		wantStatus int
		check      func(t *testing.T, body map[string]any)
	}{
		{"one item accepted", "POST", "/v1/items", item, 202, func(t *testing.T, b map[string]any) {
			if b["accepted"].(float64) != 1 {
				t.Errorf("body %v", b)
			}
		}},
		{"same item is a duplicate", "POST", "/v1/items", item, 202, func(t *testing.T, b map[string]any) {
			if b["duplicate"].(float64) != 1 {
				t.Errorf("body %v", b)
			}
		}},
		{"invalid single item names the field", "POST", "/v1/items", `{"id":"n-2","scene":"blog","author_id":"u"}`, 400, func(t *testing.T, b map[string]any) {
			if e := b["error"].(map[string]any); e["field"] != "scene" || e["code"] != "invalid_item" {
				t.Errorf("error %v", e)
			}
		}},
		{"wrong type names the field", "POST", "/v1/items", `{"id":"n-2","scene":"note","author_id":"u","revision":"x"}`, 400, func(t *testing.T, b map[string]any) {
			if e := b["error"].(map[string]any); e["field"] != "revision" {
				t.Errorf("error %v", e)
			}
		}},
		{"batch with per-item results", "POST", "/v1/items",
			`[{"id":"c-1","scene":"comment","author_id":"u","body":"ok"},{"id":"","scene":"comment","author_id":"u"},{"id":"c-1","scene":"comment","author_id":"u","body":"ok"}]`,
			202, func(t *testing.T, b map[string]any) {
				if b["accepted"].(float64) != 1 || b["rejected"].(float64) != 1 || b["duplicate"].(float64) != 1 {
					t.Errorf("body %v", b)
				}
				if r := b["results"].([]any)[1].(map[string]any); r["field"] != "id" {
					t.Errorf("rejected result %v", r)
				}
			}},
		{"malformed JSON", "POST", "/v1/items", `{"id":`, 400, nil},
		{"empty body", "POST", "/v1/items", ``, 400, nil},
		{"batch too large", "POST", "/v1/items", "[" + strings.Repeat(item+",", 100) + item + "]", 400, nil},
		{"body too large", "POST", "/v1/items", `{"id":"x","scene":"note","author_id":"u","body":"` + strings.Repeat("a", 17<<20) + `"}`, 413, nil},
		{"verdict not found", "GET", "/v1/items/note/none/verdict", "", 404, nil},
		{"bad scene in lookup", "GET", "/v1/items/blog/x/verdict", "", 400, nil},
		{"check moderates synchronously", "POST", "/v1/check", item, 200, func(t *testing.T, b map[string]any) {
			if b["decision"] != "block" || b["event_type"] != "verdict.created" {
				t.Errorf("verdict %v", b)
			}
		}},
	}
	for _, tt := range tests { // sequential: later cases depend on earlier submissions
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, srv.URL+tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %v)", status, tt.wantStatus, body)
			}
			if tt.wantStatus >= 400 {
				if _, ok := body["error"].(map[string]any); !ok {
					t.Fatalf("error response without the envelope: %v", body)
				}
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}
