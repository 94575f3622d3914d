package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// stack is the moderation pipeline with everything it needs, as a worker, the API or
// `trustd check` run it.
type stack struct {
	rules     *rules.Source
	images    moderation.ImageChecker
	pipeline  *moderation.Pipeline
	hooks     []queue.VerdictHook
	signalers []moderation.Signaler  // trust signals (strikes, floods, split contacts, shadow)
	webhooks  *queue.Webhooks        // fan-out and delivery of webhooks; nil without Redis
	routes    []func(*http.ServeMux) // extra API routes (review, banks)
	links     []demoLink             // pages the demo prints ("{api}" is the API base URL)
	ready     []readyCheck
	closers   []func()

	// With Redis only:
	publisher *queue.Publisher          // the process's verdict publisher (stream + webhooks)
	banker    review.ImageBanker        // adds a removed item's images to a deny bank; nil: off
	reviewAPI *review.API               // the review API, when serving it
	authorize func(*http.Request) error // ingest authorizer; nil: open ingest
	shards    int                       // queue shards the worker polls and the API submits to
}

// demoLink is a page worth opening, printed by the demo.
type demoLink struct{ name, url string }

func (s *stack) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// stackOptions says how to build a stack.
type stackOptions struct {
	rulesDir      string
	rdb           redis.UniversalClient // nil: no Redis (trustd check)
	reg           prometheus.Registerer
	log           *slog.Logger
	allowFileURLs bool
	banksDir      string
	imageAllow    []netip.Prefix // non-public addresses image fetches may reach anyway (the demo's server)
	webhooks      webhookFlags
	review        reviewOptions
	serveAPI      bool        // the process serves the API (review routes, review loop)
	trust         *trustFlags // nil: the defaults and the environment
	shards        int         // queue shards (--queue-shards)
	seenRetention string      // --seen-retention ("": imagehash.DefaultSeenRetention)
}

// reviewOptions are the review settings of stackOptions.
type reviewOptions struct {
	reviewFlags
	imageSources string
}

// openRules loads the rules from dir (or the embedded defaults when dir is empty), with the
// runtime overlay from Redis when there is one, and keeps them fresh in the background.
func openRules(ctx context.Context, s *stack, o stackOptions) (*rules.Source, error) {
	src, err := rules.NewSource(ctx, rules.SourceConfig{Dir: o.rulesDir, Redis: o.rdb, Registerer: o.reg, Logger: o.log})
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if o.rdb != nil || o.rulesDir != "" {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = src.Run(rctx)
		}()
		s.closers = append(s.closers, func() { cancel(); <-done })
	}
	s.ready = append(s.ready, readyCheck{name: "rules", check: func(context.Context) error { return src.Ready() }})
	return src, nil
}

func buildStack(ctx context.Context, o stackOptions) (*stack, error) {
	s := &stack{shards: o.shards}
	src, err := openRules(ctx, s, o)
	if err != nil {
		return nil, err
	}
	s.rules = src
	if err := openWebhooks(s, o); err != nil {
		s.close()
		return nil, err
	}
	chk, banks, closeImages, err := openImages(ctx, o)
	if err != nil {
		s.close()
		return nil, err
	}
	s.images, s.banker = chk, chk
	s.closers = append(s.closers, closeImages)
	s.routes = append(s.routes, func(mux *http.ServeMux) { registerBanks(mux, banks, s) })
	if o.rdb != nil {
		if err := openReview(ctx, s, o.rdb, o); err != nil {
			s.close()
			return nil, err
		}
		if err := openTrust(ctx, s, o.rdb, o); err != nil {
			s.close()
			return nil, err
		}
	}
	obs, err := moderation.NewStageMetrics(o.reg)
	if err != nil {
		s.close()
		return nil, err
	}
	s.pipeline, err = moderation.New(moderation.Config{
		Rules:     s.rules,
		Images:    s.images,
		Build:     buildVersion(),
		Observer:  obs,
		Signalers: s.signalers,
	})
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}
