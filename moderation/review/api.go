package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trustd/trustd/moderation"
)

// APIConfig configures the review HTTP API and the moderator page.
type APIConfig struct {
	// Store is the review store. Required.
	Store *Store
	// Auth lists tokens and the SSO proxy. Zero means no tokens and no SSO: nobody can log
	// in except through LoginURL.
	Auth AuthConfig
	// SessionTTL is the lifetime of a browser session. Zero means 12 hours.
	SessionTTL time.Duration
	// InsecureCookies drops the Secure attribute of the session cookie, for a demo served on
	// http://localhost. Zero (false) means Secure cookies, as production needs.
	InsecureCookies bool
	// ImageSources is the CSP img-src of the page (where item images may load from). Empty
	// means "'self' https: data:".
	ImageSources string
	// MaxBodyBytes limits request bodies. Zero means 1 MiB.
	MaxBodyBytes int64
	// Logger receives request errors (ids only). Nil means the store's logger.
	Logger *slog.Logger
}

// API serves the review HTTP API and the moderator page. Create it with NewAPI and add its
// routes to a mux with Register.
type API struct {
	cfg   APIConfig
	store *Store
	auth  *authState
	log   *slog.Logger
	page  *page
}

// NewAPI validates cfg and returns an API.
func NewAPI(cfg APIConfig) (*API, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: APIConfig.Store is required", ErrInvalid)
	}
	st, err := cfg.Auth.compile()
	if err != nil {
		return nil, err
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.ImageSources == "" {
		cfg.ImageSources = "'self' https: data:"
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Store.log
	}
	pg, err := newPage()
	if err != nil {
		return nil, err
	}
	return &API{cfg: cfg, store: cfg.Store, auth: st, log: cfg.Logger, page: pg}, nil
}

// Register adds the review routes to mux:
//
//	GET  /v1/review/queues                      queue counts and oldest ages   moderator
//	POST /v1/review/queues/{queue}/claim        claim the next item            moderator (escalated: admin)
//	GET  /v1/review/items/{key}                 one item with its evidence     moderator
//	POST /v1/review/items/{key}/heartbeat       extend a lease                 moderator
//	POST /v1/review/items/{key}/release         give a claimed item back       moderator
//	POST /v1/review/items/{key}/decision        decide                         moderator
//	POST /v1/review/bulk                        bulk decision (≤ 1000 ids)     admin
//	GET  /v1/review/audit.ndjson                audit export                   admin
//	POST /v1/appeals                            appeal a decision              service, admin
//	GET  /review/ …                             the moderator page and its assets
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle("GET /v1/review/queues", a.guard(a.queues, RoleModerator))
	mux.Handle("POST /v1/review/queues/{queue}/claim", a.guard(a.claim, RoleModerator))
	mux.Handle("GET /v1/review/items/{key}", a.guard(a.item, RoleModerator))
	mux.Handle("POST /v1/review/items/{key}/heartbeat", a.guard(a.heartbeat, RoleModerator))
	mux.Handle("POST /v1/review/items/{key}/release", a.guard(a.release, RoleModerator))
	mux.Handle("POST /v1/review/items/{key}/decision", a.guard(a.decision, RoleModerator))
	mux.Handle("POST /v1/review/bulk", a.guard(a.bulk, RoleAdmin))
	mux.Handle("GET /v1/review/audit.ndjson", a.guard(a.auditExport, RoleAdmin))
	mux.Handle("POST /v1/appeals", a.guard(a.appeal, RoleService, RoleAdmin))
	a.registerPage(mux)
}

// LoginURL returns a one-time link (valid for ttl, 15 minutes when zero) that opens a browser
// session for name with role, e.g. for `trustd demo` to print. base is the server's base
// URL such as "http://127.0.0.1:8080".
func (a *API) LoginURL(ctx context.Context, base, name string, role Role, ttl time.Duration) (string, error) {
	if name == "" || (role != RoleModerator && role != RoleAdmin) {
		return "", fmt.Errorf("%w: login links need a name and the moderator or admin role", ErrInvalid)
	}
	if ttl <= 0 {
		ttl = 15 * time.Minute
	}
	code, err := a.store.createLoginCode(ctx, Principal{Name: name, Role: role, Via: "session"}, ttl)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/review/login?code=" + url.QueryEscape(code), nil
}

type principalKey struct{}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// guard authenticates, authorises (401 without credentials, 403 with the wrong role) and
// checks CSRF on state-changing requests.
func (a *API) guard(h func(http.ResponseWriter, *http.Request), roles ...Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		ar, err := a.authenticate(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if ar == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="trustd-review"`)
			writeError(w, http.StatusUnauthorized, "unauthenticated", "credentials required", nil)
			return
		}
		if !allowed(ar.p.Role, roles...) {
			writeError(w, http.StatusForbidden, "forbidden", "role "+string(ar.p.Role)+" may not do this", nil)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !ar.checkCSRF(r) {
			writeError(w, http.StatusForbidden, "csrf", "missing or wrong CSRF token", nil)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes)
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, ar.p)))
	})
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Decision *DecisionRecord `json:"decision,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string, stored *DecisionRecord) {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Decision = code, msg, stored
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail writes the envelope for a store error; internal errors are logged, not shown.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, status := errorCode(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		a.log.ErrorContext(r.Context(), "review_api_error", "route", r.Pattern, "err", err)
		msg = "internal error"
	}
	var ce *ConflictError
	var stored *DecisionRecord
	if errors.As(err, &ce) {
		stored = ce.Stored
	}
	writeError(w, status, code, msg, stored)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "malformed JSON body: "+err.Error(), nil)
		return false
	}
	return true
}

func (a *API) queues(w http.ResponseWriter, r *http.Request) {
	st, err := a.store.QueueStats(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": st})
}

// ClaimResponse is the answer to a claim.
type ClaimResponse struct {
	Lease *Lease `json:"lease"`
	Entry *Entry `json:"entry"`
}

func (a *API) claim(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	q := r.PathValue("queue")
	if q == QueueEscalated && p.Role != RoleAdmin {
		writeError(w, http.StatusForbidden, "forbidden", "the escalated queue is for admins", nil)
		return
	}
	l, err := a.store.Claim(r.Context(), q, p.Name)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.store.Get(r.Context(), l.Key)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ClaimResponse{Lease: l, Entry: e})
}

func (a *API) item(w http.ResponseWriter, r *http.Request) {
	e, err := a.store.Get(r.Context(), r.PathValue("key"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

type leaseBody struct {
	Token string `json:"token"`
}

func (a *API) heartbeat(w http.ResponseWriter, r *http.Request) {
	var b leaseBody
	if !decodeBody(w, r, &b) {
		return
	}
	until, err := a.store.Heartbeat(r.Context(), r.PathValue("key"), b.Token)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"until": until})
}

func (a *API) release(w http.ResponseWriter, r *http.Request) {
	var b leaseBody
	if !decodeBody(w, r, &b) {
		return
	}
	if err := a.store.Release(r.Context(), r.PathValue("key"), b.Token); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"released": true})
}

// DecisionBody is the body of POST /v1/review/items/{key}/decision.
type DecisionBody struct {
	Token  string       `json:"token"`
	Action Action       `json:"action"`
	Queue  string       `json:"queue,omitempty"`
	Note   string       `json:"note,omitempty"`
	Allow  []AllowEntry `json:"allow,omitempty"`
	Bank   string       `json:"bank,omitempty"`
}

func (a *API) decision(w http.ResponseWriter, r *http.Request) {
	var b DecisionBody
	if !decodeBody(w, r, &b) {
		return
	}
	p := principalFrom(r.Context())
	rec, err := a.store.Decide(r.Context(), DecideRequest{Key: r.PathValue("key"), Token: b.Token, Actor: p.Name,
		Action: b.Action, Queue: b.Queue, Note: b.Note, Allow: b.Allow, Bank: b.Bank})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"decision": rec})
}

// BulkBody is the body of POST /v1/review/bulk.
type BulkBody struct {
	Keys   []string `json:"keys"`
	Action Action   `json:"action"`
	Queue  string   `json:"queue,omitempty"`
	Reason string   `json:"reason"`
}

func (a *API) bulk(w http.ResponseWriter, r *http.Request) {
	var b BulkBody
	if !decodeBody(w, r, &b) {
		return
	}
	p := principalFrom(r.Context())
	res, err := a.store.Bulk(r.Context(), BulkRequest{Keys: b.Keys, Actor: p.Name, Action: b.Action, Queue: b.Queue, Reason: b.Reason})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}

func (a *API) auditExport(w http.ResponseWriter, r *http.Request) {
	var from, to time.Time
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(q.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", q.name+" must be an RFC 3339 time", nil)
				return
			}
			*q.dst = t
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	if _, err := a.store.ExportAudit(r.Context(), w, from, to); err != nil {
		// Headers are gone; the truncated body is the signal. Log for the operator.
		a.log.ErrorContext(r.Context(), "review_audit_export_error", "err", err)
	}
}

// AppealBody is the body of POST /v1/appeals.
type AppealBody struct {
	Scene     moderation.Scene `json:"scene"`
	ContentID string           `json:"content_id"`
	Revision  int64            `json:"revision,omitempty"` // zero means 1
	Reason    string           `json:"reason,omitempty"`
}

func (a *API) appeal(w http.ResponseWriter, r *http.Request) {
	var b AppealBody
	if !decodeBody(w, r, &b) {
		return
	}
	if b.Revision == 0 {
		b.Revision = 1
	}
	p := principalFrom(r.Context())
	key, err := a.store.Appeal(r.Context(), AppealRequest{Key: moderation.Key{Scene: b.Scene, ID: b.ContentID, Revision: b.Revision},
		Actor: string(p.Role) + ":" + p.Name, Reason: b.Reason})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"key": key, "queue": QueueAppeals})
}
