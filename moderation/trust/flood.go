package trust

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// FloodConfig configures Floods.
type FloodConfig struct {
	Options
	// Window is how long a posting counts towards a flood. Zero means 1 hour.
	Window time.Duration
	// Review is the number of distinct authors posting the same or a near-same text within
	// Window from which the item gets the flood label and at least review. Zero means 10.
	Review int
	// Block is the number of distinct authors from which a flood is blocked. Zero means 50;
	// negative means never. It must not exceed MaxPerBucket.
	Block int
	// MinAgree is the number of fingerprint bands (of Bands) on which another posting must
	// agree with this item's text to count as the same text; postings are found through one
	// agreeing band and verified on the rest. Zero means 3: a one-character edit of a
	// 20-character text usually counts, unrelated texts sharing a phrase do not. Bands means
	// identical canonical text only.
	MinAgree int
	// MinRunes is the shortest canonical text (in runes) that is fingerprinted. Short texts
	// ("好看", "求链接", "666") are posted by many people independently. Zero means 10.
	MinRunes int
	// MaxPerBucket caps the postings remembered per band bucket (the newest are kept); it
	// bounds memory and the work per item. Zero means 256.
	MaxPerBucket int64
	// Scenes are the scenes checked. Nil means notes and comments.
	Scenes []moderation.Scene
}

// Floods is a moderation.Signaler that labels an item flood when the same or a near-same
// text was posted by many distinct authors within a window. It records the item's posting in
// the same Redis round trip, so it needs no hook; recording is idempotent per author and text
// (a retried task, or the same author posting the same text twice, counts once). Safe for
// concurrent use.
//
// State: per fingerprint band i and band hash b, a sorted set {prefix}flood:{i}:{b as 16 hex
// digits}, members "{short fingerprint as 16 hex digits}|{author_id}", scores the time in
// milliseconds;
// trimmed to Window and MaxPerBucket on every write and expiring Window after the last one.
type Floods struct {
	cfg     FloodConfig
	signals *prometheus.CounterVec
	checked prometheus.Counter
	errors  prometheus.Counter
}

// NewFloods validates cfg, fills defaults and registers trustd_flood_signals_total{decision},
// trustd_flood_checks_total and trustd_flood_errors_total.
func NewFloods(cfg FloodConfig) (*Floods, error) {
	if err := cfg.fill("floods"); err != nil {
		return nil, err
	}
	if cfg.Window == 0 {
		cfg.Window = time.Hour
	}
	if cfg.Window < time.Second {
		return nil, fmt.Errorf("%w: flood window %v is below 1s", ErrInvalidConfig, cfg.Window)
	}
	if cfg.Review <= 0 {
		cfg.Review = 10
	}
	if cfg.Block == 0 {
		cfg.Block = 50
	}
	if cfg.MinAgree == 0 {
		cfg.MinAgree = 3
	}
	if cfg.MinAgree < 1 || cfg.MinAgree > Bands {
		return nil, fmt.Errorf("%w: flood MinAgree %d is not within 1 and %d", ErrInvalidConfig, cfg.MinAgree, Bands)
	}
	if cfg.MinRunes <= 0 {
		cfg.MinRunes = 10
	}
	if cfg.MaxPerBucket <= 0 {
		cfg.MaxPerBucket = 256
	}
	if cfg.Scenes == nil {
		cfg.Scenes = []moderation.Scene{moderation.SceneNote, moderation.SceneComment}
	}
	if int64(cfg.Review) > cfg.MaxPerBucket || int64(cfg.Block) > cfg.MaxPerBucket {
		return nil, fmt.Errorf("%w: flood thresholds %d/%d exceed MaxPerBucket %d", ErrInvalidConfig, cfg.Review, cfg.Block, cfg.MaxPerBucket)
	}
	f := &Floods{cfg: cfg,
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trustd_flood_signals_total",
			Help: "Items labelled flood, by the decision asked for."}, []string{"decision"}),
		checked: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_flood_checks_total",
			Help: "Items fingerprinted for flood detection (long enough and in a checked scene)."}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_flood_errors_total",
			Help: "Redis errors of flood detection (the item goes to review)."}),
	}
	for _, d := range []moderation.Decision{moderation.Review, moderation.Block} {
		f.signals.WithLabelValues(string(d))
	}
	if err := register(cfg.Registerer, f.signals, f.checked, f.errors); err != nil {
		return nil, err
	}
	return f, nil
}

// Signals records the item's text and returns a flood signal when enough distinct authors
// (this one included) posted it or a near-same text within the window.
func (f *Floods) Signals(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error) {
	it := ev.Item
	if !slices.Contains(f.cfg.Scenes, it.Scene) {
		return nil, nil
	}
	canon := floodText(it.Title, it.Body)
	if runeCount(canon) < f.cfg.MinRunes {
		return nil, nil
	}
	f.checked.Inc()
	fp := FingerprintOf(canon)
	n, err := f.post(ctx, fp, it.AuthorID)
	if err != nil {
		f.errors.Inc()
		return nil, fmt.Errorf("flood check: %w", err)
	}
	d := moderation.Pass
	switch {
	case f.cfg.Block > 0 && n >= f.cfg.Block:
		d = moderation.Block
	case n >= f.cfg.Review:
		d = moderation.Review
	default:
		return nil, nil
	}
	f.signals.WithLabelValues(string(d)).Inc()
	return []moderation.Signal{{Label: moderation.LabelFlood, Decision: d,
		Reason: fmt.Sprintf("%d authors posted this text within %s (fingerprint %016x)", n, human(f.cfg.Window), fp.Short())}}, nil
}

// post records (fp, author) in every band bucket and returns the number of distinct authors
// in those buckets whose text agrees with fp on at least MinAgree bands.
func (f *Floods) post(ctx context.Context, fp Fingerprint, author string) (int, error) {
	now := f.cfg.Now()
	short := fp.Short()
	member := fmt.Sprintf("%016x|%s", short, author)
	old := "(" + strconv.FormatInt(ms(now.Add(-f.cfg.Window)), 10)
	p := f.cfg.Redis.Pipeline()
	var ranges [Bands]*redis.StringSliceCmd
	for i := range Bands {
		key := fmt.Sprintf("%sflood:%d:%016x", f.cfg.Prefix, i, fp[i])
		p.ZAdd(ctx, key, redis.Z{Score: float64(ms(now)), Member: member})
		p.ZRemRangeByScore(ctx, key, "-inf", old)
		p.ZRemRangeByRank(ctx, key, 0, -f.cfg.MaxPerBucket-1)
		p.PExpire(ctx, key, f.cfg.Window)
		ranges[i] = p.ZRange(ctx, key, 0, -1)
	}
	if _, err := p.Exec(ctx); err != nil {
		return 0, err
	}
	authors := map[string]bool{}
	for _, r := range ranges {
		for _, m := range r.Val() {
			hexFP, a, ok := strings.Cut(m, "|")
			if !ok {
				continue
			}
			other, err := strconv.ParseUint(hexFP, 16, 64)
			if err != nil {
				continue
			}
			if Agree(short, other) >= f.cfg.MinAgree {
				authors[a] = true
			}
		}
	}
	return len(authors), nil
}
