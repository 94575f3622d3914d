package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// The runtime rules overlay API (admin only when an auth file is configured):
//
//	GET    /v1/rules                                  live version, dictionaries, last reload error
//	POST   /v1/rules/terms   {"dictionary","category","term","options"}
//	DELETE /v1/rules/terms?dictionary=D&term=T
//	POST   /v1/rules/allow   {"phrase","options"}     options: "categories=… scenes=…"
//	DELETE /v1/rules/allow?phrase=P
//
// Edits go to the Redis overlay; every process applies them on its next poll (about 500 ms).
// An edit that would not compile is refused with 400 and changes nothing.

type termRequest struct {
	Dictionary string `json:"dictionary"`
	Category   string `json:"category"`
	Term       string `json:"term"`
	Options    string `json:"options,omitempty"`
}

type allowRequest struct {
	Phrase  string `json:"phrase"`
	Options string `json:"options,omitempty"`
}

type rulesStatus struct {
	Version      string         `json:"version"`
	Dictionaries map[string]int `json:"dictionaries"`
	LastError    string         `json:"last_error,omitempty"`
}

func registerRulesAPI(mux *http.ServeMux, s *stack, ov *rules.Overlay, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	fail := func(w http.ResponseWriter, err error) {
		if errors.Is(err, rules.ErrBadOverlay) {
			err = &queue.HTTPError{Status: http.StatusBadRequest, Code: "bad_rule", Message: err.Error()}
		}
		queue.WriteError(w, log, err)
	}
	decode := func(w http.ResponseWriter, r *http.Request, v any) bool { return decodeBody(w, r, v, 64<<10, log) }
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, adminOnly(s, h, log)) }
	handle("GET /v1/rules", func(w http.ResponseWriter, _ *http.Request) {
		st := rulesStatus{Version: s.rules.Set().Version(), Dictionaries: s.rules.Set().Dictionaries()}
		if err := s.rules.LastError(); err != nil {
			st.LastError = err.Error()
		}
		queue.WriteJSON(w, http.StatusOK, st)
	})
	handle("POST /v1/rules/terms", func(w http.ResponseWriter, r *http.Request) {
		var req termRequest
		if !decode(w, r, &req) {
			return
		}
		if err := ov.AddTerm(r.Context(), req.Dictionary, req.Category, req.Term, req.Options); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	handle("DELETE /v1/rules/terms", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("dictionary") == "" || q.Get("term") == "" {
			fail(w, &queue.HTTPError{Status: http.StatusBadRequest, Code: "bad_request", Message: "dictionary and term are required"})
			return
		}
		if err := ov.RemoveTerm(r.Context(), q.Get("dictionary"), q.Get("term")); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	handle("POST /v1/rules/allow", func(w http.ResponseWriter, r *http.Request) {
		var req allowRequest
		if !decode(w, r, &req) {
			return
		}
		if err := ov.AddAllow(r.Context(), req.Phrase, req.Options); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	handle("DELETE /v1/rules/allow", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query().Get("phrase")
		if p == "" {
			fail(w, &queue.HTTPError{Status: http.StatusBadRequest, Code: "bad_request", Message: "phrase is required"})
			return
		}
		if err := ov.RemoveAllow(r.Context(), p); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeBody decodes a JSON request body of at most limit bytes into v, refusing unknown
// fields; on failure it writes a 400 and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, limit int64, log *slog.Logger) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		queue.WriteError(w, log, &queue.HTTPError{Status: http.StatusBadRequest, Code: "bad_body", Message: "malformed JSON: " + err.Error()})
		return false
	}
	return true
}

// adminOnly guards h with an admin token when an auth file is configured; without one the
// route is open like ingest (trusted network only).
func adminOnly(s *stack, h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorize == nil || s.reviewAPI == nil {
			h.ServeHTTP(w, r)
			return
		}
		p, err := s.reviewAPI.Caller(r)
		switch {
		case err != nil:
			queue.WriteError(w, log, err)
		case p == nil:
			queue.WriteError(w, log, &queue.HTTPError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "an admin token is required"})
		case p.Role != review.RoleAdmin:
			queue.WriteError(w, log, &queue.HTTPError{Status: http.StatusForbidden, Code: "forbidden", Message: "this needs an admin token"})
		default:
			h.ServeHTTP(w, r)
		}
	})
}
