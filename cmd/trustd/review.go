package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// reviewFlags configure the review store and API.
type reviewFlags struct {
	authFile        string
	insecureCookies bool
	auditPassRate   float64
	auditBlockRate  float64
}

func (f *reviewFlags) register(fs *flag.FlagSet, e *env, api bool) {
	fs.Float64Var(&f.auditPassRate, "audit-pass-rate", 0.001, "share of automatic pass verdicts sampled into the audit_sample review queue")
	fs.Float64Var(&f.auditBlockRate, "audit-block-rate", 0.01, "share of automatic limit/block verdicts sampled into the audit_sample review queue")
	if !api {
		return
	}
	fs.StringVar(&f.authFile, "auth", e.Getenv("TRUSTD_AUTH_FILE"),
		"auth file (JSON: moderator/admin/service token hashes, SSO proxy) (env TRUSTD_AUTH_FILE; empty: ingest is open and the page is reachable only through login links)")
	fs.BoolVar(&f.insecureCookies, "insecure-cookies", false, "session cookies without Secure, for plain-http localhost only")
}

// openReview builds the review store for s: the worker hook that files review verdicts (and
// the audit sample), and, when serving the API, the review routes, the lease/outbox loop and
// the ingest authorizer.
func openReview(ctx context.Context, s *stack, rdb redis.UniversalClient, o stackOptions) error {
	pub, err := newPublisher(rdb, s)
	if err != nil {
		return err
	}
	s.publisher = pub
	overlay := rules.NewOverlay(rdb, rules.DefaultOverlayKey)
	store, err := review.NewStore(review.Config{
		Client:    rdb,
		Publisher: pub,
		Lookup: review.VerdictLookupFunc(func(ctx context.Context, k moderation.Key) (*moderation.Verdict, *moderation.Item, error) {
			v, err := pub.Latest(ctx, k.Scene, k.ID)
			if errors.Is(err, queue.ErrNotFound) || (err == nil && v.Revision != k.Revision) {
				return nil, nil, nil
			}
			return v, nil, err
		}),
		// An overturned hit becomes a scoped allow entry in the runtime overlay.
		Allow: review.AllowListerFunc(func(ctx context.Context, term, category string, scene moderation.Scene, _ string) error {
			return overlay.AddAllow(ctx, term, fmt.Sprintf("categories=%s scenes=%s", category, scene))
		}),
		Banks:      s.banker,
		Sampler:    review.Sampler{PassRate: o.review.auditPassRate, BlockRate: o.review.auditBlockRate},
		Registerer: o.reg,
		Logger:     o.log,
	})
	if err != nil {
		return fmt.Errorf("review store: %w", err)
	}
	s.hooks = append(s.hooks, queue.VerdictHookFunc(store.Submit))
	if !o.serveAPI {
		return nil
	}
	s.routes = append(s.routes, func(mux *http.ServeMux) { registerRulesAPI(mux, s, overlay, o.log) })
	var auth review.AuthConfig
	if o.review.authFile != "" {
		f, err := os.Open(o.review.authFile)
		if err != nil {
			return fmt.Errorf("%w: --auth: %v", errUsage, err)
		}
		a, err := review.LoadAuthConfig(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%w: --auth %s: %v", errUsage, o.review.authFile, err)
		}
		auth = *a
	}
	api, err := review.NewAPI(review.APIConfig{Store: store, Auth: auth, InsecureCookies: o.review.insecureCookies,
		ImageSources: o.review.imageSources, Logger: o.log})
	if err != nil {
		return fmt.Errorf("review api: %w", err)
	}
	s.reviewAPI = api
	s.routes = append(s.routes, api.Register)
	if o.review.authFile != "" {
		s.authorize = func(r *http.Request) error {
			p, err := api.Caller(r)
			switch {
			case err != nil:
				return err
			case p == nil:
				return &queue.HTTPError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "a service token is required (Authorization: Bearer …)"}
			case p.Role != review.RoleService && p.Role != review.RoleAdmin:
				return &queue.HTTPError{Status: http.StatusForbidden, Code: "forbidden", Message: "ingest needs a service or admin token"}
			}
			return nil
		}
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = store.Run(rctx, 30*time.Second) // expired leases back to their queues, outbox re-sent
	}()
	s.closers = append(s.closers, func() { cancel(); <-done })
	return nil
}

// registerBanks mounts the image bank API, admin only (see adminOnly).
func registerBanks(mux *http.ServeMux, banks *imagehash.Banks, s *stack) {
	inner := http.NewServeMux()
	banks.Register(inner)
	h := adminOnly(s, inner, slog.Default())
	mux.Handle("/v1/banks", h)
	mux.Handle("/v1/banks/", h)
}
