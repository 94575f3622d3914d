package trust

import (
	"cmp"
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// DefaultShadowStream is the Redis stream of shadow diffs.
const DefaultShadowStream = "trustd:shadow:diffs"

// ShadowConfig configures Shadow.
type ShadowConfig struct {
	Options
	// Live is the live rules source. Required.
	Live moderation.RulesSource
	// Shadow is the rules source run in shadow. Required. While its Rules returns nil (a
	// shadow source without a shadow bundle: rules.SlotShadow) nothing is compared.
	Shadow moderation.RulesSource
	// Stream receives one entry per item whose shadow decision differs from the live one.
	// Empty means DefaultShadowStream.
	Stream string
	// MaxLen caps the stream (approximately). Zero means 100,000 entries.
	MaxLen int64
}

// Shadow runs a second rules snapshot beside the live one and records what it would have
// decided. It is a moderation.Signaler that never returns a signal or an error, so it never
// changes a verdict; put it last among the signalers so that it sees every other signal.
// It counts trustd_shadow_decisions_total{live,shadow} and appends items whose decisions
// differ to a capped stream (fields key, live, shadow, live_rules, shadow_rules; ids only);
// trustd_shadow_active is 1 while there are shadow rules. A retried task is counted again.
type Shadow struct {
	cfg       ShadowConfig
	decisions *prometheus.CounterVec
	errors    prometheus.Counter
}

// NewShadow validates cfg, fills defaults and registers trustd_shadow_decisions_total,
// trustd_shadow_errors_total and trustd_shadow_active.
func NewShadow(cfg ShadowConfig) (*Shadow, error) {
	if err := cfg.fill("shadow"); err != nil {
		return nil, err
	}
	if cfg.Live == nil || cfg.Shadow == nil {
		return nil, fmt.Errorf("%w: shadow needs Live and Shadow rules", ErrInvalidConfig)
	}
	cfg.Stream = cmp.Or(cfg.Stream, DefaultShadowStream)
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = 100_000
	}
	s := &Shadow{cfg: cfg,
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trustd_shadow_decisions_total",
			Help: "Items decided by the live rules and, in shadow, by the shadow rules, by both decisions."}, []string{"live", "shadow"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_shadow_errors_total",
			Help: "Shadow diffs that could not be written to the stream."}),
	}
	for _, l := range moderation.Decisions {
		for _, sh := range moderation.Decisions {
			s.decisions.WithLabelValues(string(l), string(sh))
		}
	}
	active := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trustd_shadow_active",
		Help: "1 while shadow rules run beside the live ones, else 0."}, func() float64 {
		if cfg.Shadow.Rules() != nil {
			return 1
		}
		return 0
	})
	if err := register(cfg.Registerer, s.decisions, s.errors, active); err != nil {
		return nil, err
	}
	return s, nil
}

// Compare decides ev with both rule sets and returns the live and the shadow decision. The
// shadow side scans the text itself; images and signals are shared. Without shadow rules
// (see ShadowConfig.Shadow) ok is false.
func (s *Shadow) Compare(ev *moderation.Evidence) (live, shadow moderation.Decision, liveV, shadowV string, ok bool) {
	sr := s.cfg.Shadow.Rules()
	if sr == nil {
		return "", "", "", "", false
	}
	signals := ev.Signals
	for _, r := range ev.Images {
		if r.Status == moderation.ImageError {
			signals = append(signals[:len(signals):len(signals)], moderation.Signal{Label: moderation.LabelImageError,
				Decision: moderation.Review, Reason: fmt.Sprintf("image %d: %s", r.Index, r.Error)})
		}
	}
	lr := s.cfg.Live.Rules()
	lev := *ev
	lev.Signals = signals
	sev := moderation.Evidence{Item: ev.Item, Images: ev.Images, Signals: signals}
	for _, f := range []struct{ name, text string }{{"title", ev.Item.Title}, {"body", ev.Item.Body}} {
		if f.text == "" {
			continue
		}
		hits, contacts := sr.ScanText(ev.Item.Scene, f.name, f.text)
		sev.Hits = append(sev.Hits, hits...)
		sev.Contacts = append(sev.Contacts, contacts...)
	}
	return lr.Decide(&lev).Decision, sr.Decide(&sev).Decision, lr.Version(), sr.Version(), true
}

// Signals records the shadow decision of the item; it returns nothing.
func (s *Shadow) Signals(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error) {
	live, shadow, lv, sv, ok := s.Compare(ev)
	if !ok {
		return nil, nil
	}
	s.decisions.WithLabelValues(string(live), string(shadow)).Inc()
	if live == shadow {
		return nil, nil
	}
	err := s.cfg.Redis.XAdd(ctx, &redis.XAddArgs{Stream: s.cfg.Stream, MaxLen: s.cfg.MaxLen, Approx: true,
		Values: []any{"key", ev.Item.Key().String(), "live", string(live), "shadow", string(shadow), "live_rules", lv, "shadow_rules", sv}}).Err()
	if err != nil {
		s.errors.Inc()
		s.cfg.Logger.WarnContext(ctx, "shadow_diff_error", "key", ev.Item.Key().String(), "err", err)
	}
	return nil, nil
}
