package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// Shadow rules are a rules bundle in Redis (rules.Bundles), managed through the API or the
// CLI and followed by every process:
//
//	GET    /v1/rules/shadow           both slots, the history, and this process's loaded versions
//	PUT    /v1/rules/shadow           {"files": {"path.rules": "…"}, "note": "…"}: validate, then shadow
//	POST   /v1/rules/shadow/promote   {"digest": "b-…"} (optional): the shadow bundle becomes live
//	DELETE /v1/rules/shadow           demote: drop the shadow bundle
//	POST   /v1/rules/shadow/reset     drop the live bundle: back to every process's --rules
//
// All are admin only (adminOnly); the history records the caller ("admin:NAME"). A change is
// picked up by every process on its next rules poll (about 500 ms).

// openShadow runs the shadow bundle beside the live rules (trust.Shadow, last among the
// signalers so that it sees every other signal) and, in the API, mounts the shadow routes.
func openShadow(ctx context.Context, s *stack, rdb redis.UniversalClient, o stackOptions) error {
	// No Registerer: the shadow's rules metrics would collide with the live ones.
	src, err := rules.NewSource(ctx, rules.SourceConfig{Redis: rdb, Slot: rules.SlotShadow, Logger: o.log})
	if err != nil {
		return fmt.Errorf("shadow rules: %w", err)
	}
	sh, err := trust.NewShadow(trust.ShadowConfig{Options: trust.Options{Redis: rdb, Registerer: o.reg, Logger: o.log},
		Live: s.rules, Shadow: src})
	if err != nil {
		return fmt.Errorf("shadow rules: %w", err)
	}
	background(ctx, s, src.Run)
	s.signalers = append(s.signalers, sh)
	if o.serveAPI {
		bundles := rules.NewBundles(rdb, rules.BundlesConfig{})
		s.routes = append(s.routes, func(mux *http.ServeMux) { registerShadowAPI(mux, s, bundles, src, o.log) })
	}
	return nil
}

type shadowSetRequest struct {
	Files map[string]string `json:"files"`
	Note  string            `json:"note,omitempty"`
}

type shadowPromoteRequest struct {
	Digest string `json:"digest,omitempty"`
}

// shadowStatus is GET /v1/rules/shadow: the slots in Redis and what this process runs.
type shadowStatus struct {
	*rules.BundleStatus
	Process processRules `json:"process"`
}

type processRules struct {
	LiveVersion   string `json:"live_version"`
	LiveBundle    string `json:"live_bundle,omitempty"` // digest; empty: the --rules files
	ShadowVersion string `json:"shadow_version,omitempty"`
	ShadowBundle  string `json:"shadow_bundle,omitempty"`
	ShadowError   string `json:"shadow_error,omitempty"`
}

func registerShadowAPI(mux *http.ServeMux, s *stack, bundles *rules.Bundles, shadow *rules.Source, log *slog.Logger) {
	fail := func(w http.ResponseWriter, err error) {
		switch {
		case errors.Is(err, rules.ErrBadBundle):
			err = &queue.HTTPError{Status: http.StatusBadRequest, Code: "bad_rule", Message: err.Error()}
		case errors.Is(err, rules.ErrNoBundle):
			err = &queue.HTTPError{Status: http.StatusNotFound, Code: "no_bundle", Message: err.Error()}
		case errors.Is(err, rules.ErrBundleChanged):
			err = &queue.HTTPError{Status: http.StatusConflict, Code: "shadow_changed", Message: err.Error()}
		}
		queue.WriteError(w, log, err)
	}
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, adminOnly(s, h, log)) }
	handle("GET /v1/rules/shadow", func(w http.ResponseWriter, r *http.Request) {
		st, err := bundles.Status(r.Context(), 20)
		if err != nil {
			fail(w, err)
			return
		}
		out := shadowStatus{BundleStatus: st, Process: processRules{LiveVersion: s.rules.Set().Version()}}
		if b := s.rules.Bundle(); b != nil {
			out.Process.LiveBundle = b.Digest
		}
		if set, b := shadow.Set(), shadow.Bundle(); set != nil && b != nil {
			out.Process.ShadowVersion, out.Process.ShadowBundle = set.Version(), b.Digest
		}
		if err := shadow.LastError(); err != nil {
			out.Process.ShadowError = err.Error()
		}
		queue.WriteJSON(w, http.StatusOK, out)
	})
	// changed answers a request that changed a slot: the error, or the log event and the
	// slot's new bundle.
	changed := func(w http.ResponseWriter, status int, event string, info *rules.BundleInfo, err error) {
		if err != nil {
			fail(w, err)
			return
		}
		log.Info(event, slog.String("digest", info.Digest), slog.String("by", info.By))
		queue.WriteJSON(w, status, info)
	}
	handle("PUT /v1/rules/shadow", func(w http.ResponseWriter, r *http.Request) {
		var req shadowSetRequest
		if !decodeBody(w, r, &req, 2*rules.MaxBundleBytes, log) {
			return
		}
		info, err := bundles.SetShadow(r.Context(), &rules.Bundle{Files: req.Files}, caller(s, r), req.Note)
		changed(w, http.StatusCreated, "shadow_rules_set", info, err)
	})
	handle("POST /v1/rules/shadow/promote", func(w http.ResponseWriter, r *http.Request) {
		var req shadowPromoteRequest
		if r.ContentLength != 0 && !decodeBody(w, r, &req, 4<<10, log) {
			return
		}
		info, err := bundles.Promote(r.Context(), caller(s, r), req.Digest)
		changed(w, http.StatusOK, "shadow_rules_promoted", info, err)
	})
	handle("DELETE /v1/rules/shadow", func(w http.ResponseWriter, r *http.Request) {
		info, err := bundles.Demote(r.Context(), caller(s, r))
		changed(w, http.StatusOK, "shadow_rules_demoted", info, err)
	})
	handle("POST /v1/rules/shadow/reset", func(w http.ResponseWriter, r *http.Request) {
		info, err := bundles.Reset(r.Context(), caller(s, r))
		changed(w, http.StatusOK, "live_rules_reset", info, err)
	})
}

// caller names the principal of an admin request for the history: "admin:NAME", or
// "anonymous" when the API runs without an auth file.
func caller(s *stack, r *http.Request) string {
	if s.reviewAPI == nil {
		return "anonymous"
	}
	p, err := s.reviewAPI.Caller(r)
	if err != nil || p == nil {
		return "anonymous"
	}
	return string(p.Role) + ":" + cmp.Or(p.Name, "?")
}
