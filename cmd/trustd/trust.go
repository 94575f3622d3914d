package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text/detect"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue"
	"github.com/trustd/trustd/rules"
)

// trustFlags are the settings of the trust-across-items mechanisms, registered by the process
// commands (worker, api, demo): flag first, then the environment variable TRUSTD_TRUST_*, then
// the library default.
type trustFlags struct {
	on            bool
	strikesWindow time.Duration
	strikesReview int
	strikesBlock  int
	floodWindow   time.Duration
	floodReview   int
	floodBlock    int
	splitWindow   time.Duration
	errs          []error // environment values that do not parse
}

// register adds the trust flags to fs, with defaults from the environment.
func (f *trustFlags) register(fs *flag.FlagSet, e *env) {
	f.on = e.Getenv("TRUSTD_TRUST") != "off"
	fs.BoolVar(&f.on, "trust", f.on, "trust signals across items: author strikes, floods, split contacts, audit agreement, shadow rules (env TRUSTD_TRUST=off disables)")
	f.duration(fs, e, &f.strikesWindow, "trust-strikes-window", 24*time.Hour, "how long an author strike counts")
	f.int(fs, e, &f.strikesReview, "trust-strikes-review", 3, "strikes within the window from which an author's items are at least review (negative: never)")
	f.int(fs, e, &f.strikesBlock, "trust-strikes-block", 0, "strikes within the window from which an author's items are blocked (0: never)")
	f.duration(fs, e, &f.floodWindow, "trust-flood-window", time.Hour, "how long a posting counts towards a flood")
	f.int(fs, e, &f.floodReview, "trust-flood-review", 10, "distinct authors posting one text within the window from which it is a flood (review)")
	f.int(fs, e, &f.floodBlock, "trust-flood-block", 50, "distinct authors from which a flood is blocked (negative: never)")
	f.duration(fs, e, &f.splitWindow, "trust-split-window", 10*time.Minute, "how long an author's earlier text is kept to reassemble split contacts")
	if e.Getenv("TRUSTD_SHADOW_RULES") != "" {
		f.errs = append(f.errs, errors.New("TRUSTD_SHADOW_RULES is replaced by shadow rules in Redis: run `trustd rules shadow set DIR` once and unset it"))
	}
}

// envName is the environment variable of a trust flag: trust-flood-window → TRUSTD_TRUST_FLOOD_WINDOW.
func envName(flagName string) string {
	return "TRUSTD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *trustFlags) duration(fs *flag.FlagSet, e *env, p *time.Duration, name string, def time.Duration, usage string) {
	env := envName(name)
	if v := e.Getenv(env); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want a positive duration", env, v))
		} else {
			def = d
		}
	}
	fs.DurationVar(p, name, def, usage+" (env "+env+")")
}

func (f *trustFlags) int(fs *flag.FlagSet, e *env, p *int, name string, def int, usage string) {
	env := envName(name)
	if v := e.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: want an integer", env, v))
		} else {
			def = n
		}
	}
	fs.IntVar(p, name, def, usage+" (env "+env+")")
}

// check reports environment values that did not parse (and the retired TRUSTD_SHADOW_RULES)
// and windows that are not positive.
func (f *trustFlags) check() error {
	errs := f.errs
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--trust-strikes-window", f.strikesWindow}, {"--trust-flood-window", f.floodWindow}, {"--trust-split-window", f.splitWindow}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %v: want a positive duration", d.name, d.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// openTrust adds the trust-across-items mechanisms to s: the author strikes hook and signal
// (with moderators' removals counted from the verdict stream), flood and split-contact
// signals, the audit agreement counter (a background consumer of the review audit stream)
// and the shadow rules watcher. Call it after openReview.
func openTrust(ctx context.Context, s *stack, rdb redis.UniversalClient, o stackOptions) error {
	f := o.trust
	if f == nil { // a stack built without the process flags (tests): the defaults and environment
		f = new(trustFlags)
		f.register(flag.NewFlagSet("trust", flag.ContinueOnError), &env{Getenv: os.Getenv})
	}
	if err := f.check(); err != nil || !f.on {
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
	signals, err := trust.Combine(strikes, floods, split) // one Redis round trip per item for the three
	if err != nil {
		return err
	}
	s.signalers = append(s.signalers, signals)
	s.hooks = append(s.hooks, queue.VerdictHookFunc(strikes.OnVerdict))

	audit, err := trust.NewAudit(trust.AuditConfig{Options: opts})
	if err != nil {
		return fmt.Errorf("audit agreement: %w", err)
	}
	stream := trust.DefaultVerdictStream
	if s.publisher != nil {
		stream = s.publisher.Stream()
	}
	moderated, err := trust.NewModeratorStrikes(trust.ModeratorStrikesConfig{Options: opts, Strikes: strikes, Stream: stream})
	if err != nil {
		return fmt.Errorf("moderator strikes: %w", err)
	}
	background(ctx, s, audit.Run, moderated.Run)
	return openShadow(ctx, s, rdb, o)
}

// background runs the functions until the stack closes; closing cancels them all, then waits.
func background(ctx context.Context, s *stack, runs ...func(context.Context) error) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(func() { _ = run(rctx) })
	}
	s.closers = append(s.closers, func() { cancel(); wg.Wait() })
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
