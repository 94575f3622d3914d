package trust

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// DefaultVerdictStream is the verdict stream (the queue package's default; DESIGN §7).
const DefaultVerdictStream = "trustd:verdicts"

// ModeratorStrikesConfig configures ModeratorStrikes.
type ModeratorStrikesConfig struct {
	Options
	// Strikes records the strikes. Required.
	Strikes *Strikes
	// Stream is the verdict stream. Empty means DefaultVerdictStream.
	Stream string
	// Group is the consumer group. Empty means "trustd-moderator-strikes".
	Group string
	ConsumerConfig
	// Count lists the moderator decisions that are strikes. Nil means limit and block.
	Count []moderation.Decision
	// KeepOnApprove keeps an automatic strike when a moderator approves the item. False means
	// the approval withdraws it: an overturned false positive must not escalate its author.
	KeepOnApprove bool
}

// ModeratorStrikes makes moderators' removals count as author strikes. It reads the verdict
// stream through a consumer group (so one process of the deployment handles each event,
// whichever process the moderator used) and, for every verdict.updated decided by a moderator
// (decided_by "moderator:…"), records a strike when the decision is limit or block, and
// withdraws the item's strike when it is pass. Strikes are keyed by item revision, so a
// removal of an item that was already blocked automatically, a re-read event or a second
// decision on the same revision is still one strike. A Redis error leaves the event pending;
// it is retried after ClaimIdle.
type ModeratorStrikes struct {
	cfg      ModeratorStrikesConfig
	c        consumer
	outcomes *prometheus.CounterVec
}

// NewModeratorStrikes validates cfg, fills defaults and registers
// trustd_moderator_strikes_total{outcome} (outcome recorded or withdrawn).
func NewModeratorStrikes(cfg ModeratorStrikesConfig) (*ModeratorStrikes, error) {
	if err := cfg.fill("moderator strikes"); err != nil {
		return nil, err
	}
	if cfg.Strikes == nil {
		return nil, fmt.Errorf("%w: moderator strikes need Strikes", ErrInvalidConfig)
	}
	cfg.Stream = cmp.Or(cfg.Stream, DefaultVerdictStream)
	cfg.Group = cmp.Or(cfg.Group, "trustd-moderator-strikes")
	cfg.ConsumerConfig.defaults()
	if cfg.Count == nil {
		cfg.Count = []moderation.Decision{moderation.Limit, moderation.Block}
	}
	for _, d := range cfg.Count {
		if !d.Valid() || d == moderation.Pass {
			return nil, fmt.Errorf("%w: moderator strikes cannot count %q decisions", ErrInvalidConfig, d)
		}
	}
	m := &ModeratorStrikes{cfg: cfg, c: consumer{ConsumerConfig: cfg.ConsumerConfig, rdb: cfg.Redis, stream: cfg.Stream, group: cfg.Group},
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trustd_moderator_strikes_total",
			Help: "Moderator decisions applied to author strikes: recorded (a removal) or withdrawn (an approval)."}, []string{"outcome"})}
	for _, o := range []string{"recorded", "withdrawn"} {
		m.outcomes.WithLabelValues(o)
	}
	if err := register(cfg.Registerer, m.outcomes); err != nil {
		return nil, err
	}
	return m, nil
}

// Observe applies one verdict event and reports whether it changed strikes.
func (m *ModeratorStrikes) Observe(ctx context.Context, v *moderation.Verdict) (bool, error) {
	if v.EventType != moderation.EventUpdated || !strings.HasPrefix(v.DecidedBy, "moderator:") || v.AuthorID == "" {
		return false, nil
	}
	switch {
	case slices.Contains(m.cfg.Count, v.Decision):
		if err := m.cfg.Strikes.Record(ctx, v.AuthorID, v.Key()); err != nil {
			return false, err
		}
		m.outcomes.WithLabelValues("recorded").Inc()
		return true, nil
	case v.Decision == moderation.Pass && !m.cfg.KeepOnApprove:
		withdrawn, err := m.cfg.Strikes.Withdraw(ctx, v.AuthorID, v.Key())
		if err != nil || !withdrawn {
			return false, err
		}
		m.outcomes.WithLabelValues("withdrawn").Inc()
		return true, nil
	}
	return false, nil
}

// Poll reads one batch of new (or abandoned) verdict events and applies them. It waits up to
// block for new events (negative: not at all) and returns how many changed strikes.
func (m *ModeratorStrikes) Poll(ctx context.Context, block time.Duration) (int, error) {
	return m.c.poll(ctx, block, func(msg redis.XMessage) (bool, error) {
		raw, _ := msg.Values["verdict"].(string)
		if !strings.Contains(raw, string(moderation.EventUpdated)) { // most events: skip the decode
			return false, nil
		}
		var v moderation.Verdict
		if json.Unmarshal([]byte(raw), &v) != nil {
			return false, nil
		}
		return m.Observe(ctx, &v)
	})
}

// Run polls until ctx ends; Redis errors are logged and retried after Block.
func (m *ModeratorStrikes) Run(ctx context.Context) error {
	return m.c.run(ctx, &m.cfg.Options, "moderator_strikes_poll_error", m.Poll)
}
