package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text/detect"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// trustFlags are the settings of the trust-across-items mechanisms. They are read from the
// environment (TRUSTD_TRUST_*) because the process commands do not register them as flags yet;
// the zero value of each means the library default.
type trustFlags struct {
	off           bool          // TRUSTD_TRUST=off: no trust signals at all
	strikesWindow time.Duration // TRUSTD_TRUST_STRIKES_WINDOW (24h)
	strikesReview int           // TRUSTD_TRUST_STRIKES_REVIEW (3)
	strikesBlock  int           // TRUSTD_TRUST_STRIKES_BLOCK (0: never)
	floodWindow   time.Duration // TRUSTD_TRUST_FLOOD_WINDOW (1h)
	floodReview   int           // TRUSTD_TRUST_FLOOD_REVIEW (10)
	floodBlock    int           // TRUSTD_TRUST_FLOOD_BLOCK (50)
	splitWindow   time.Duration // TRUSTD_TRUST_SPLIT_WINDOW (10m)
	shadowDir     string        // TRUSTD_SHADOW_RULES: a rules directory run in shadow
}

func trustFlagsFromEnv(getenv func(string) string) (trustFlags, error) {
	var f trustFlags
	f.off = getenv("TRUSTD_TRUST") == "off"
	f.shadowDir = getenv("TRUSTD_SHADOW_RULES")
	for _, d := range []struct {
		name string
		p    *time.Duration
	}{{"TRUSTD_TRUST_STRIKES_WINDOW", &f.strikesWindow}, {"TRUSTD_TRUST_FLOOD_WINDOW", &f.floodWindow}, {"TRUSTD_TRUST_SPLIT_WINDOW", &f.splitWindow}} {
		if v := getenv(d.name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return f, fmt.Errorf("%w: %s=%q: want a positive duration", errUsage, d.name, v)
			}
			*d.p = x
		}
	}
	for _, n := range []struct {
		name string
		p    *int
	}{{"TRUSTD_TRUST_STRIKES_REVIEW", &f.strikesReview}, {"TRUSTD_TRUST_STRIKES_BLOCK", &f.strikesBlock},
		{"TRUSTD_TRUST_FLOOD_REVIEW", &f.floodReview}, {"TRUSTD_TRUST_FLOOD_BLOCK", &f.floodBlock}} {
		if v := getenv(n.name); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil {
				return f, fmt.Errorf("%w: %s=%q: want an integer", errUsage, n.name, v)
			}
			*n.p = x
		}
	}
	return f, nil
}

// openTrust adds the trust-across-items mechanisms to s: the author strikes hook and signal,
// flood and split-contact signals, the audit agreement counter (a background consumer of the
// review audit stream) and, when configured, shadow rules. Call it after openReview.
func openTrust(ctx context.Context, s *stack, rdb redis.UniversalClient, o stackOptions) error {
	f, err := trustFlagsFromEnv(os.Getenv)
	if err != nil || f.off {
		return err
	}
	opts := trust.Options{Redis: rdb, Registerer: o.reg, Logger: o.log}
	strikes, err := trust.NewStrikes(trust.StrikesConfig{Options: opts, Window: f.strikesWindow, Review: f.strikesReview, Block: f.strikesBlock})
	if err != nil {
		return fmt.Errorf("author strikes: %w", err)
	}
	floods, err := trust.NewFloods(trust.FloodConfig{Options: opts, Window: f.floodWindow, Review: f.floodReview, Block: f.floodBlock})
	if err != nil {
		return fmt.Errorf("floods: %w", err)
	}
	split, err := trust.NewSplitContacts(trust.SplitConfig{Options: opts, Window: f.splitWindow, Detector: &liveDetector{src: s.rules}})
	if err != nil {
		return fmt.Errorf("split contacts: %w", err)
	}
	s.signalers = append(s.signalers, strikes, floods, split)
	s.hooks = append(s.hooks, queue.VerdictHookFunc(strikes.OnVerdict))

	audit, err := trust.NewAudit(trust.AuditConfig{Options: opts})
	if err != nil {
		return fmt.Errorf("audit agreement: %w", err)
	}
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = audit.Run(actx)
	}()
	s.closers = append(s.closers, func() { cancel(); <-done })
	return openShadow(ctx, s, rdb, o, f)
}

// liveDetector is a contact detector that follows the live rules' variant tables: it is
// rebuilt when the rules version changes.
type liveDetector struct {
	src     *rules.Source
	mu      sync.Mutex
	version string
	d       *detect.Detector
}

func (l *liveDetector) Contacts(field, text string) []moderation.Contact {
	set := l.src.Set()
	l.mu.Lock()
	if l.d == nil || l.version != set.Version() {
		d, err := detect.New(detect.Config{Variants: set.Variants()})
		if err != nil {
			d, _ = detect.New(detect.Config{}) // the zero config always builds
		}
		l.d, l.version = d, set.Version()
	}
	d := l.d
	l.mu.Unlock()
	return d.Contacts(field, text)
}

// openShadow runs the rules directory TRUSTD_SHADOW_RULES in shadow beside the live rules
// (reloaded when it changes, like the live ones). Promote by restarting with --rules set to that
// directory; demote by unsetting TRUSTD_SHADOW_RULES.
func openShadow(ctx context.Context, s *stack, rdb redis.UniversalClient, o stackOptions, f trustFlags) error {
	if f.shadowDir == "" {
		return nil
	}
	// No Registerer: the shadow's rules metrics would collide with the live ones.
	src, err := rules.NewSource(ctx, rules.SourceConfig{Dir: f.shadowDir, Logger: o.log})
	if err != nil {
		return fmt.Errorf("%w: TRUSTD_SHADOW_RULES=%s: %v", errUsage, f.shadowDir, err)
	}
	sh, err := trust.NewShadow(trust.ShadowConfig{Options: trust.Options{Redis: rdb, Registerer: o.reg, Logger: o.log},
		Live: s.rules, Shadow: src})
	if err != nil {
		return fmt.Errorf("shadow rules: %w", err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = src.Run(rctx)
	}()
	s.closers = append(s.closers, func() { cancel(); <-done })
	s.signalers = append(s.signalers, sh) // last: it sees every other signal
	return nil
}
