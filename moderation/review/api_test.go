package review_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/trustd/trustd/moderation/review"
)

const (
	tokMod   = "mod-token-0123456789abcdef"
	tokAdmin = "admin-token-0123456789abcdef"
	tokSvc   = "svc-token-0123456789abcdef"
)

func authConfig() review.AuthConfig {
	return review.AuthConfig{
		Tokens: []review.TokenEntry{
			{Name: "alice", Role: review.RoleModerator, SHA256: review.HashToken(tokMod)},
			{Name: "root", Role: review.RoleAdmin, SHA256: review.HashToken(tokAdmin)},
			{Name: "app", Role: review.RoleService, SHA256: review.HashToken(tokSvc)},
		},
		SSO: &review.SSOConfig{UserHeader: "X-Forwarded-User", RoleHeader: "X-Forwarded-Role", TrustedProxies: []string{"127.0.0.1/32"}},
	}
}

type apiFixture struct {
	*fixture
	api *review.API
	mux *http.ServeMux
	srv *httptest.Server
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	f := newFixture(t, nil)
	a, err := review.NewAPI(review.APIConfig{Store: f.store, Auth: authConfig(), InsecureCookies: false})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &apiFixture{fixture: f, api: a, mux: mux, srv: srv}
}

// do sends a request and returns the status and body.
func (f *apiFixture) do(t *testing.T, c *http.Client, method, path, bearer, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = f.srv.Client()
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func errCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an error envelope: %q (%v)", body, err)
	}
	return e.Error.Code
}

func TestAPIAuthz(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	submit(t, f.store, "n-1")
	tests := []struct {
		name, method, path, token, body string
		hdr                             map[string]string
		want                            int
		code                            string
	}{
		{"no credentials", "GET", "/v1/review/queues", "", "", nil, 401, "unauthenticated"},
		{"unknown token", "GET", "/v1/review/queues", "nope", "", nil, 401, "unauthenticated"},
		{"service on review", "GET", "/v1/review/queues", tokSvc, "", nil, 403, "forbidden"},
		{"moderator queues", "GET", "/v1/review/queues", tokMod, "", nil, 200, ""},
		{"admin queues", "GET", "/v1/review/queues", tokAdmin, "", nil, 200, ""},
		{"moderator bulk", "POST", "/v1/review/bulk", tokMod, `{"keys":["note:n-1:1"],"action":"remove","reason":"x"}`, nil, 403, "forbidden"},
		{"admin bulk without reason", "POST", "/v1/review/bulk", tokAdmin, `{"keys":["note:n-1:1"],"action":"remove"}`, nil, 400, "invalid"},
		{"moderator audit", "GET", "/v1/review/audit.ndjson", tokMod, "", nil, 403, "forbidden"},
		{"admin audit", "GET", "/v1/review/audit.ndjson", tokAdmin, "", nil, 200, ""},
		{"moderator appeal", "POST", "/v1/appeals", tokMod, `{"scene":"note","content_id":"n-1"}`, nil, 403, "forbidden"},
		{"service appeal of open item", "POST", "/v1/appeals", tokSvc, `{"scene":"note","content_id":"n-1"}`, nil, 409, "appeal_open"},
		{"service appeal unknown", "POST", "/v1/appeals", tokSvc, `{"scene":"note","content_id":"zz"}`, nil, 404, "not_found"},
		{"bad JSON", "POST", "/v1/appeals", tokSvc, `{"scene":`, nil, 400, "bad_request"},
		{"unknown queue", "POST", "/v1/review/queues/nope/claim", tokMod, "", nil, 400, "invalid"},
		{"empty queue", "POST", "/v1/review/queues/contact/claim", tokMod, "", nil, 404, "queue_empty"},
		{"moderator claims escalated", "POST", "/v1/review/queues/escalated/claim", tokMod, "", nil, 403, "forbidden"},
		{"admin claims escalated", "POST", "/v1/review/queues/escalated/claim", tokAdmin, "", nil, 404, "queue_empty"},
		{"sso from trusted proxy", "GET", "/v1/review/queues", "", "", map[string]string{"X-Forwarded-User": "sso-bob"}, 200, ""},
		{"sso admin bulk needs a session (CSRF)", "POST", "/v1/review/bulk", "", `{}`, map[string]string{"X-Forwarded-User": "sso-bob", "X-Forwarded-Role": "admin"}, 403, "csrf"},
		{"sso service role ignored", "GET", "/v1/review/audit.ndjson", "", "", map[string]string{"X-Forwarded-User": "sso-bob", "X-Forwarded-Role": "service"}, 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body := f.do(t, nil, tt.method, tt.path, tt.token, tt.body, tt.hdr)
			if got != tt.want {
				t.Fatalf("%s %s: status %d, want %d: %s", tt.method, tt.path, got, tt.want, body)
			}
			if tt.code != "" {
				if c := errCode(t, body); c != tt.code {
					t.Errorf("code %q, want %q", c, tt.code)
				}
			}
		})
	}

	// The SSO header from an untrusted address is ignored.
	req := httptest.NewRequest("GET", "/v1/review/queues", nil)
	req.RemoteAddr = "10.9.8.7:4444"
	req.Header.Set("X-Forwarded-User", "mallory")
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("SSO header from untrusted address: %d, want 401", rec.Code)
	}
}

func TestAPIDecisionFlowAndConflict(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	key := submit(t, f.store, "n-1")
	st, body := f.do(t, nil, "POST", "/v1/review/queues/profanity/claim", tokMod, "", nil)
	if st != 200 {
		t.Fatalf("claim: %d %s", st, body)
	}
	var cr review.ClaimResponse
	if err := json.Unmarshal([]byte(body), &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Lease.Key != key || cr.Entry.Item.Body == "" || len(cr.Entry.Verdict.Hits) != 1 {
		t.Fatalf("claim response %+v", cr)
	}
	path := "/v1/review/items/" + url.PathEscape(key)
	if st, body := f.do(t, nil, "POST", path+"/heartbeat", tokMod, `{"token":"`+cr.Lease.Token+`"}`, nil); st != 200 {
		t.Fatalf("heartbeat: %d %s", st, body)
	}
	if st, body := f.do(t, nil, "POST", path+"/decision", tokMod, `{"token":"wrong","action":"remove"}`, nil); st != 409 || errCode(t, body) != "lease_lost" {
		t.Fatalf("decision with wrong token: %d %s", st, body)
	}
	if st, body := f.do(t, nil, "POST", path+"/decision", tokMod, `{"token":"`+cr.Lease.Token+`","action":"remove","note":"slur"}`, nil); st != 200 {
		t.Fatalf("decision: %d %s", st, body)
	}
	st, body = f.do(t, nil, "POST", path+"/decision", tokMod, `{"token":"`+cr.Lease.Token+`","action":"approve"}`, nil)
	if st != 409 || errCode(t, body) != "already_decided" {
		t.Fatalf("second decision: %d %s", st, body)
	}
	var conflict struct {
		Decision review.DecisionRecord `json:"decision"`
	}
	if err := json.Unmarshal([]byte(body), &conflict); err != nil || conflict.Decision.Action != review.ActionRemove || conflict.Decision.Actor != "alice" {
		t.Errorf("409 body does not carry the stored decision: %s", body)
	}
	if ev := streamVerdicts(t, f.rdb); len(ev) != 1 || ev[0].DecidedBy != "moderator:alice" {
		t.Errorf("stream: %+v", ev)
	}
	// Appeal by the platform, then the audit export shows both.
	if st, body := f.do(t, nil, "POST", "/v1/appeals", tokSvc, `{"scene":"note","content_id":"n-1","reason":"quote"}`, nil); st != 202 {
		t.Fatalf("appeal: %d %s", st, body)
	}
	st, body = f.do(t, nil, "GET", "/v1/review/audit.ndjson", tokAdmin, "", nil)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if st != 200 || len(lines) != 2 || !strings.Contains(lines[0], `"actor":"alice"`) || !strings.Contains(lines[1], `"actor":"service:app"`) {
		t.Errorf("audit export %d:\n%s", st, body)
	}
}

func TestBrowserSessionCookiesAndCSRF(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	key := submit(t, f.store, "n-1")
	jar, _ := cookiejar.New(nil)
	c := f.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	// Without a session the page redirects to the login form.
	res, err := c.Get(f.srv.URL + "/review/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/review/login" {
		t.Fatalf("anonymous page: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Service tokens cannot log in to the page; a wrong token is 401.
	for tok, want := range map[string]int{tokSvc: 403, "nope": 401} {
		res, err := c.PostForm(f.srv.URL+"/review/login", url.Values{"token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("login with %q: %d, want %d", tok, res.StatusCode, want)
		}
	}
	res, err = c.PostForm(f.srv.URL+"/review/login", url.Values{"token": {tokMod}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "trustd_review" {
			cookie = ck
		}
	}
	if res.StatusCode != http.StatusSeeOther || cookie == nil {
		t.Fatalf("login: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	if !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie HttpOnly=%v Secure=%v SameSite=%v", cookie.HttpOnly, cookie.Secure, cookie.SameSite)
	}
	// The test server is plain HTTP, so the jar will not send a Secure cookie: add it by hand.
	u, _ := url.Parse(f.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: cookie.Name, Value: cookie.Value, Path: "/"}})

	st, page := f.do(t, c, "GET", "/review/", "", "", nil)
	m := regexp.MustCompile(`<meta name="csrf-token" content="([0-9a-f]+)">`).FindStringSubmatch(page)
	if st != 200 || m == nil {
		t.Fatalf("queues page %d without CSRF meta:\n%s", st, page)
	}
	csrf := m[1]
	if !strings.Contains(page, `data-claim="profanity"`) {
		t.Errorf("queues page lacks the claim button")
	}
	if st, body := f.do(t, c, "POST", "/v1/review/queues/profanity/claim", "", "", nil); st != 403 || errCode(t, body) != "csrf" {
		t.Fatalf("claim without CSRF: %d %s", st, body)
	}
	if st, body := f.do(t, c, "POST", "/v1/review/queues/profanity/claim", "", "", map[string]string{"X-CSRF-Token": wrongToken(csrf)}); st != 403 {
		t.Fatalf("claim with a wrong CSRF token: %d %s", st, body)
	}
	if st, body := f.do(t, c, "POST", "/v1/review/queues/profanity/claim", "", "", map[string]string{"X-CSRF-Token": csrf}); st != 200 {
		t.Fatalf("claim with CSRF: %d %s", st, body)
	}
	st, page = f.do(t, c, "GET", "/review/items/"+key, "", "", nil)
	for _, want := range []string{
		`<mark class="hit" data-tip="profanity_zh · profanity" title="profanity_zh · profanity" tabindex="0" data-nav>傻逼</mark>`,
		`你这个`, `<kbd>a</kbd> Approve`, `aria-keyshortcuts="r"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("item page (%d) lacks %q", st, want)
		}
	}
	// Logging out needs CSRF too, and ends the session.
	if st, _ := f.do(t, c, "POST", "/review/logout", "", "", nil); st != 403 {
		t.Errorf("logout without CSRF: %d", st)
	}
	if st, _ := f.do(t, c, "POST", "/review/logout", "", "", map[string]string{"X-CSRF-Token": csrf}); st != http.StatusSeeOther {
		t.Errorf("logout: %d", st)
	}
	if st, _ := f.do(t, c, "GET", "/v1/review/queues", "", "", nil); st != 401 {
		t.Errorf("after logout: %d, want 401", st)
	}
}

func TestLoginURLIsOneTime(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	link, err := f.api.LoginURL(context.Background(), f.srv.URL, "demo", review.RoleAdmin, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := f.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		res, err := c.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("use %d of the login link: %d, want %d", i+1, res.StatusCode, want)
		}
	}
	if _, err := f.api.LoginURL(context.Background(), f.srv.URL, "svc", review.RoleService, 0); err == nil {
		t.Error("login link for a service role")
	}
}

func TestLoadAuthConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"valid", `{"tokens":[{"name":"a","role":"admin","sha256":"` + review.HashToken("x") + `"}]}`, true},
		{"bad role", `{"tokens":[{"name":"a","role":"root","sha256":"` + review.HashToken("x") + `"}]}`, false},
		{"plain token", `{"tokens":[{"name":"a","role":"admin","sha256":"secret"}]}`, false},
		{"unknown field", `{"token":[]}`, false},
		{"sso without proxies", `{"sso":{"user_header":"X-User"}}`, false},
		{"sso bad cidr", `{"sso":{"user_header":"X-User","trusted_proxies":["10.0.0.0/99"]}}`, false},
		{"sso", `{"sso":{"user_header":"X-User","trusted_proxies":["10.0.0.0/8","::1/128"]}}`, true},
	}
	for _, tt := range tests {
		_, err := review.LoadAuthConfig(strings.NewReader(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

// wrongToken returns tok with its first hex digit changed (never equal to tok).
func wrongToken(tok string) string {
	if tok[0] == '0' {
		return "1" + tok[1:]
	}
	return "0" + tok[1:]
}
