package trust

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// MetaAuthorCreatedAt is the key of the item's meta object that carries the author's account
// creation time (RFC 3339), e.g. {"author_created_at": "2026-11-20T08:00:00Z"}. When it is
// present and younger than StrikesConfig.NewAccountAge, the stricter new-account threshold
// applies. Absent or unparsable means "not known to be new".
const MetaAuthorCreatedAt = "author_created_at"

// StrikesConfig configures Strikes.
type StrikesConfig struct {
	Options
	// Window is how long a strike counts. Zero means 24 hours.
	Window time.Duration
	// Review is the number of strikes within Window from which every item of the author is at
	// least review. Zero means 3; negative means never.
	Review int
	// Block is the number of strikes within Window from which every item of the author is
	// blocked. Zero or negative means never (a person should look first).
	Block int
	// NewAccountAge is the account age below which an author is new (see MetaAuthorCreatedAt).
	// Zero means 7 days; negative means accounts are never treated as new.
	NewAccountAge time.Duration
	// NewAccountReview is the Review threshold for new accounts. Zero means 1.
	NewAccountReview int
	// Count lists the automatic decisions that are strikes. Nil means block only.
	Count []moderation.Decision
	// MaxPerAuthor caps the strikes remembered per author (the newest are kept). Zero means
	// 100. It bounds memory; thresholds above it can never be reached.
	MaxPerAuthor int64
}

// Strikes counts recent blocks per author and escalates repeat offenders. Its OnVerdict
// method is a queue.VerdictHook that records strikes; its Signals method is a
// moderation.Signaler that raises an author signal. It is safe for concurrent use.
//
// State: one sorted set per author with a strike, {prefix}strikes:{author_id}, members the
// item revision keys ("scene:id:revision", so recording is idempotent per revision), scores
// the time in milliseconds; trimmed to Window and MaxPerAuthor on every write, expiring
// Window after the last strike.
type Strikes struct {
	cfg      StrikesConfig
	recorded prometheus.Counter
	signals  *prometheus.CounterVec
	errors   prometheus.Counter
}

// NewStrikes validates cfg, fills defaults and registers the metrics
// trustd_author_strikes_recorded_total, trustd_author_strike_signals_total{decision} and
// trustd_author_strike_errors_total.
func NewStrikes(cfg StrikesConfig) (*Strikes, error) {
	if err := cfg.fill("strikes"); err != nil {
		return nil, err
	}
	if cfg.Window == 0 {
		cfg.Window = 24 * time.Hour
	}
	if cfg.Window < time.Second {
		return nil, fmt.Errorf("%w: strikes window %v is below 1s", ErrInvalidConfig, cfg.Window)
	}
	if cfg.Review == 0 {
		cfg.Review = 3
	}
	if cfg.NewAccountAge == 0 {
		cfg.NewAccountAge = 7 * 24 * time.Hour
	}
	if cfg.NewAccountReview <= 0 {
		cfg.NewAccountReview = 1
	}
	if cfg.Count == nil {
		cfg.Count = []moderation.Decision{moderation.Block}
	}
	for _, d := range cfg.Count {
		if !d.Valid() || d == moderation.Pass {
			return nil, fmt.Errorf("%w: strikes cannot count %q verdicts", ErrInvalidConfig, d)
		}
	}
	if cfg.MaxPerAuthor <= 0 {
		cfg.MaxPerAuthor = 100
	}
	s := &Strikes{cfg: cfg,
		recorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_author_strikes_recorded_total",
			Help: "Strikes recorded against authors (automatic verdicts of the counted decisions)."}),
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trustd_author_strike_signals_total",
			Help: "Author signals raised because of recent strikes, by the decision they ask for."}, []string{"decision"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_author_strike_errors_total",
			Help: "Redis errors reading or recording strikes (a failed read sends the item to review)."}),
	}
	for _, d := range []moderation.Decision{moderation.Review, moderation.Block} {
		s.signals.WithLabelValues(string(d))
	}
	if err := register(cfg.Registerer, s.recorded, s.signals, s.errors); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Strikes) key(author string) string { return s.cfg.Prefix + "strikes:" + author }

// OnVerdict records a strike when v is an automatic verdict of a counted decision. Recording
// the same item revision twice is one strike.
func (s *Strikes) OnVerdict(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error {
	if v.DecidedBy != moderation.DecidedByAuto || !slices.Contains(s.cfg.Count, v.Decision) {
		return nil
	}
	return s.Record(ctx, v.AuthorID, v.Key())
}

// Record records a strike against author for the item revision k (ModeratorStrikes records
// moderators' removals this way). It is idempotent per (author, k).
func (s *Strikes) Record(ctx context.Context, author string, k moderation.Key) error {
	r := recording{key: s.key(author), member: k.String(), now: s.cfg.Now(), window: s.cfg.Window,
		cap: s.cfg.MaxPerAuthor, dropOld: true}
	p := s.cfg.Redis.Pipeline()
	r.queue(ctx, p)
	if _, err := p.Exec(ctx); err != nil {
		s.errors.Inc()
		return fmt.Errorf("record strike of %s: %w", author, err)
	}
	s.recorded.Inc()
	return nil
}

// Withdraw removes the strike of the item revision k from author, if there is one (a
// moderator approved the item), and reports whether there was.
func (s *Strikes) Withdraw(ctx context.Context, author string, k moderation.Key) (bool, error) {
	n, err := s.cfg.Redis.ZRem(ctx, s.key(author), k.String()).Result()
	if err != nil {
		s.errors.Inc()
		return false, fmt.Errorf("withdraw strike of %s: %w", author, err)
	}
	return n > 0, nil
}

// Count returns the number of strikes of author within the window, not counting the item
// revision exclude (pass the zero Key to count all).
func (s *Strikes) Count(ctx context.Context, author string, exclude moderation.Key) (int, error) {
	c := s.count(author, exclude)
	run(ctx, s.cfg.Redis, []step{c})
	return c.result()
}

// count is the step of Count: ZCOUNT and ZSCORE on the author's key.
func (s *Strikes) count(author string, exclude moderation.Key) *strikeCount {
	return &strikeCount{s: s, author: author, exclude: exclude, now: s.cfg.Now()}
}

type strikeCount struct {
	s       *Strikes
	author  string
	exclude moderation.Key
	now     time.Time
	n       *redis.IntCmd
	own     *redis.FloatCmd
	ev      *moderation.Evidence // for signals
}

func (c *strikeCount) queue(ctx context.Context, p redis.Pipeliner) {
	key := c.s.key(c.author)
	c.n = p.ZCount(ctx, key, strconv.FormatInt(ms(c.now.Add(-c.s.cfg.Window)), 10), "+inf")
	c.own = p.ZScore(ctx, key, c.exclude.String())
}

func (c *strikeCount) result() (int, error) {
	if err := firstErr([]redis.Cmder{c.n, c.own}); err != nil {
		c.s.errors.Inc()
		return 0, fmt.Errorf("count strikes of %s: %w", c.author, err)
	}
	n := int(c.n.Val())
	if sc, err := c.own.Result(); err == nil && c.exclude != (moderation.Key{}) && sc >= float64(ms(c.now.Add(-c.s.cfg.Window))) {
		n--
	}
	return n, nil
}

func (c *strikeCount) signals(_ context.Context) ([]moderation.Signal, error) {
	n, err := c.result()
	if err != nil || n == 0 {
		return nil, err
	}
	return c.s.judge(c.ev.Item, n), nil
}

func (s *Strikes) redis() redis.UniversalClient { return s.cfg.Redis }

func (s *Strikes) plan(ev *moderation.Evidence) step {
	c := s.count(ev.Item.AuthorID, ev.Item.Key())
	c.ev = ev
	return c
}

// Signals raises an author signal (no label) when the item's author has enough strikes:
// at least review from Review strikes (NewAccountReview for a new account), block from Block.
// The reason names the author and the count: "author u-42: 3 strikes in 24h".
func (s *Strikes) Signals(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error) {
	return alone(ctx, s, ev)
}

// judge returns the author signal for n strikes, if any.
func (s *Strikes) judge(it *moderation.Item, n int) []moderation.Signal {
	d, why := moderation.Pass, ""
	switch {
	case s.cfg.Block > 0 && n >= s.cfg.Block:
		d = moderation.Block
	case s.cfg.Review > 0 && n >= s.cfg.Review:
		d = moderation.Review
	case s.isNew(it):
		if n >= s.cfg.NewAccountReview {
			d, why = moderation.Review, " (new account)"
		}
	}
	if d == moderation.Pass {
		return nil
	}
	s.signals.WithLabelValues(string(d)).Inc()
	// "strikes", not the decision that counted: a moderator's limit or removal is one too.
	return []moderation.Signal{{Decision: d,
		Reason: fmt.Sprintf("author %s: %d strikes in %s%s", it.AuthorID, n, human(s.cfg.Window), why)}}
}

// isNew reports whether the item's meta says the account is younger than NewAccountAge.
func (s *Strikes) isNew(it *moderation.Item) bool {
	if s.cfg.NewAccountAge < 0 || len(it.Meta) == 0 {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(it.Meta, &m) != nil {
		return false
	}
	var created time.Time
	if raw, ok := m[MetaAuthorCreatedAt]; !ok || json.Unmarshal(raw, &created) != nil || created.IsZero() {
		return false
	}
	return s.cfg.Now().Sub(created) < s.cfg.NewAccountAge
}
