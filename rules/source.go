package rules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// DefaultOverlayKey is the Redis hash holding the runtime overlay; its version counter is
// DefaultOverlayKey + ":version".
const DefaultOverlayKey = "trustd:rules:overlay"

// SourceConfig configures a Source.
type SourceConfig struct {
	// Dir is a rules directory watched for changes. Empty means FS, or the embedded defaults
	// when FS is nil too (never reloaded from disk).
	Dir string
	// FS is a fixed rules tree used when Dir is empty. Nil means Default().
	FS fs.FS
	// Redis holds the runtime overlay. Nil means no overlay.
	Redis redis.UniversalClient
	// OverlayKey is the overlay hash key. Empty means DefaultOverlayKey.
	OverlayKey string
	// BundlePrefix starts the keys of the rules bundles (see Bundles). Empty means
	// DefaultBundlePrefix.
	BundlePrefix string
	// Slot is the bundle slot the Source follows when Redis is set. Empty means SlotLive:
	// while a live bundle exists (Bundles.Promote) it replaces Dir and FS, until Bundles.Reset.
	// SlotShadow makes a shadow source: its rules are the shadow bundle's, or none while the
	// slot is empty (Rules returns nil); it needs Redis.
	Slot Slot
	// Poll is how often the directory and the overlay version are checked. Zero means 500 ms
	// (so a change is live within about a second on every process).
	Poll time.Duration
	// Engine selects the matcher engine. Empty means DefaultEngine.
	Engine Engine
	// OwnDomains are the platform's own domains (not contacts).
	OwnDomains []string
	// Registerer receives the rules metrics. Nil means they are not registered.
	Registerer prometheus.Registerer
	// Logger logs reloads. Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// OnReload is called after every reload attempt with the live version and the attempt's
	// error (nil on success). Nil means no callback.
	OnReload func(version string, err error)
}

// Source holds the live rules snapshot and reloads it when the directory or the overlay
// changes. It implements moderation.RulesSource. A change that does not load or compile is
// rejected: the old snapshot stays live and LastError reports why.
type Source struct {
	cfg     SourceConfig
	cur     atomic.Pointer[Set]
	mu      sync.Mutex // serialises reloads
	lastErr atomic.Pointer[error]
	bundles *Bundles // nil without Redis
	bundle  atomic.Pointer[BundleInfo]
	seen    loadState // what the last load attempt saw
	m       *metrics
}

// loadState is what a load saw of its inputs; a change of any of them means reload.
type loadState struct {
	dirSig    string // dirSignature of Dir
	ovVer     string // overlay version
	bundleGen string // generation of the followed bundle slot
}

type metrics struct {
	hits        *prometheus.CounterVec
	entries     *prometheus.GaugeVec
	lastSuccess prometheus.Gauge
	failures    prometheus.Counter
	mu          sync.Mutex
	known       map[string]bool
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trustd_rule_hits_total",
			Help: "Dictionary hits reported, by dictionary and category."}, []string{"dictionary", "category"}),
		entries: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "trustd_dictionary_entries",
			Help: "Entries per dictionary in the live rules."}, []string{"dictionary"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trustd_rules_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful rules load."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_rules_reload_failures_total",
			Help: "Rules reloads rejected because the new rules did not load or compile."}),
		known: map[string]bool{},
	}
	if reg != nil {
		reg.MustRegister(m.hits, m.entries, m.lastSuccess, m.failures)
	}
	return m
}

// ErrNoRulesLoaded is returned by Ready before the first successful load.
var ErrNoRulesLoaded = errors.New("rules: not loaded")

// NewSource loads the rules once (an error here is fatal: there is nothing to fall back on)
// and returns the Source. Call Run to watch for changes. A shadow source (SlotShadow) whose
// first load fails starts without rules instead, LastError says why, and it keeps watching.
func NewSource(ctx context.Context, cfg SourceConfig) (*Source, error) {
	cfg.OverlayKey = cmp.Or(cfg.OverlayKey, DefaultOverlayKey)
	cfg.Poll = cmp.Or(cfg.Poll, 500*time.Millisecond)
	cfg.Slot = cmp.Or(cfg.Slot, SlotLive)
	if cfg.Slot != SlotLive && cfg.Slot != SlotShadow {
		return nil, fmt.Errorf("rules: unknown bundle slot %q", cfg.Slot)
	}
	if cfg.Slot == SlotShadow && cfg.Redis == nil {
		return nil, errors.New("rules: a shadow source needs Redis")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Source{cfg: cfg, m: newMetrics(cfg.Registerer)}
	if cfg.Redis != nil {
		s.bundles = NewBundles(cfg.Redis, BundlesConfig{Prefix: cfg.BundlePrefix})
	}
	if err := s.Reload(ctx); err != nil && cfg.Slot == SlotLive {
		return nil, err
	}
	return s, nil
}

// Rules returns the live snapshot; nil only for a shadow source without a shadow bundle.
func (s *Source) Rules() moderation.Rules {
	if set := s.cur.Load(); set != nil {
		return set
	}
	return nil
}

// Set returns the live snapshot as a *Set (for Explain and rules tests); nil only for a
// shadow source without a shadow bundle.
func (s *Source) Set() *Set { return s.cur.Load() }

// Bundle describes the bundle the rules come from, or nil when they come from Dir or FS.
func (s *Source) Bundle() *BundleInfo { return s.bundle.Load() }

// LastError returns the error of the last reload attempt, or nil when it succeeded.
func (s *Source) LastError() error {
	if p := s.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Ready reports whether rules are loaded and the last reload attempt succeeded (for /readyz).
func (s *Source) Ready() error {
	if s.cur.Load() == nil && s.cfg.Slot == SlotLive {
		return ErrNoRulesLoaded
	}
	if err := s.LastError(); err != nil {
		return fmt.Errorf("last rules reload rejected (old rules live): %w", err)
	}
	return nil
}

// Run polls the directory and the overlay until ctx is done, reloading on change. It returns
// nil when ctx is cancelled.
func (s *Source) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if s.changed(ctx) {
				_ = s.Reload(ctx) // the error is kept in LastError and counted
			}
		}
	}
}

// changed reports whether the directory, the overlay or the bundle slot changed since the
// last load attempt.
func (s *Source) changed(ctx context.Context) bool {
	s.mu.Lock()
	seen := s.seen
	s.mu.Unlock()
	if s.cfg.Dir != "" {
		if sig, err := dirSignature(s.cfg.Dir); err == nil && sig != seen.dirSig {
			return true
		}
	}
	if s.cfg.Redis != nil {
		v, err := s.cfg.Redis.Get(ctx, s.cfg.OverlayKey+":version").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return false
		}
		g, err := s.bundles.Generation(ctx, s.cfg.Slot)
		if err != nil {
			return false
		}
		return v != seen.ovVer || g != seen.bundleGen
	}
	return false
}

// dirSignature summarises names, sizes and modification times of the rules files.
func dirSignature(dir string) (string, error) {
	var b strings.Builder
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rules") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	return b.String(), err
}

// Reload loads and compiles the rules now. On error the old snapshot stays live.
func (s *Source) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, bundle, seen, err := s.load(ctx)
	s.seen = seen // a broken change is not retried until it changes again
	if err != nil {
		s.lastErr.Store(&err)
		s.m.failures.Inc()
		s.cfg.Logger.Error("rules_reload_rejected", slog.String("error", err.Error()))
		if s.cfg.OnReload != nil {
			ver := ""
			if cur := s.cur.Load(); cur != nil {
				ver = cur.Version()
			}
			s.cfg.OnReload(ver, err)
		}
		return err
	}
	s.lastErr.Store(nil)
	s.bundle.Store(bundle)
	if set == nil { // a shadow source without a shadow bundle
		if s.cur.Swap(nil) != nil {
			s.cfg.Logger.Info("rules_unloaded", slog.String("slot", string(s.cfg.Slot)))
		}
		if s.cfg.OnReload != nil {
			s.cfg.OnReload("", nil)
		}
		return nil
	}
	s.publish(set)
	s.cur.Store(set)
	s.m.lastSuccess.Set(float64(s.cfg.Now().UnixNano()) / 1e9)
	from := "files"
	if bundle != nil {
		from = bundle.Digest
	}
	s.cfg.Logger.Info("rules_loaded", slog.String("slot", string(s.cfg.Slot)), slog.String("version", set.Version()),
		slog.String("engine", string(set.Engine())), slog.String("from", from))
	if s.cfg.OnReload != nil {
		s.cfg.OnReload(set.Version(), nil)
	}
	return nil
}

// load reads the base rules (the followed bundle, else Dir, FS or the embedded defaults) and
// the overlay, and compiles them. A shadow source with an empty slot returns a nil Set.
func (s *Source) load(ctx context.Context) (*Set, *BundleInfo, loadState, error) {
	seen := s.seen
	var bundle *Bundle
	var info *BundleInfo
	if s.bundles != nil {
		gen, b, i, err := s.bundles.Load(ctx, s.cfg.Slot)
		if err != nil {
			return nil, nil, seen, err
		}
		seen.bundleGen, bundle, info = gen, b, i
	}
	var files []*File
	var err error
	switch {
	case bundle != nil:
		files, err = bundle.Load()
	case s.cfg.Slot == SlotShadow:
		return nil, nil, seen, nil
	case s.cfg.Dir != "":
		sig, serr := dirSignature(s.cfg.Dir)
		if serr != nil {
			return nil, nil, seen, fmt.Errorf("scan rules dir %s: %w", s.cfg.Dir, serr)
		}
		seen.dirSig = sig
		files, err = Load(os.DirFS(s.cfg.Dir))
	case s.cfg.FS != nil:
		files, err = Load(s.cfg.FS)
	default:
		files, err = Load(Default())
	}
	if err != nil {
		return nil, nil, seen, err
	}
	if s.cfg.Redis != nil {
		ov := &Overlay{rdb: s.cfg.Redis, key: s.cfg.OverlayKey}
		ovVer, ovFiles, err := ov.files(ctx, files)
		if err != nil {
			return nil, nil, seen, err
		}
		seen.ovVer = ovVer
		files = append(files, ovFiles...)
	}
	set, err := Compile(files, CompileOptions{Engine: s.cfg.Engine, OwnDomains: s.cfg.OwnDomains, OnHit: s.onHit})
	if err != nil {
		return nil, nil, seen, err
	}
	return set, info, seen, nil
}

func (s *Source) onHit(dictionary, category string) {
	s.m.hits.WithLabelValues(dictionary, category).Inc()
}

// publish updates the per-dictionary metrics for a new snapshot.
func (s *Source) publish(set *Set) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.entries.Reset()
	for d, n := range set.dicts {
		s.m.entries.WithLabelValues(d).Set(float64(n))
	}
	for _, f := range set.files {
		if f.Kind != KindDictionary {
			continue
		}
		cats := []string{f.Category}
		for _, e := range f.Entries {
			if !slices.Contains(cats, e.Category) {
				cats = append(cats, e.Category)
			}
		}
		cats = append(cats, string(moderation.LabelAbuse)) // targeted hits are reported as abuse
		for _, c := range cats {
			if k := f.ID + "\x00" + c; !s.m.known[k] {
				s.m.known[k] = true
				s.m.hits.WithLabelValues(f.ID, c)
			}
		}
	}
	if k := "ad_law\x00ad_law"; !s.m.known[k] {
		s.m.known[k] = true
		s.m.hits.WithLabelValues("ad_law", "ad_law")
	}
}
