package trust

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
	// bounds memory and the work per item that is not settled by the newest postings. Zero
	// means 256.
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
// State: per fingerprint band i (the first Bands−MinAgree+1 bands) and band hash b, a sorted
// set {prefix}flood:{i}:{b as 16 hex digits}, members "{short fingerprint as 16 hex
// digits}|{author_id}", scores the time in milliseconds; kept to the newest MaxPerBucket
// (postings older than Window are not counted) and expiring Window after the last write.
type Floods struct {
	cfg     FloodConfig
	enough  int64 // the highest threshold: the authors that settle the decision
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
	f := &Floods{cfg: cfg, enough: int64(max(cfg.Review, cfg.Block)),
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
	return alone(ctx, f, ev)
}

func (f *Floods) redis() redis.UniversalClient { return f.cfg.Redis }

func (f *Floods) plan(ev *moderation.Evidence) step {
	it := ev.Item
	if !slices.Contains(f.cfg.Scenes, it.Scene) {
		return nil
	}
	canon := floodText(it.Title, it.Body)
	if runeCount(canon) < f.cfg.MinRunes {
		return nil
	}
	f.checked.Inc()
	fp := FingerprintOf(canon)
	s := &floodStep{f: f, short: fp.Short(), author: it.AuthorID, now: f.cfg.Now()}
	// A posting that agrees on MinAgree of the Bands bands agrees on at least one of any
	// Bands−MinAgree+1 of them: postings are recorded in, and looked up by, those bands only
	// (6 of 8 by default).
	s.rs = make([]recording, Bands-f.cfg.MinAgree+1)
	member := string(append(appendHex16(make([]byte, 0, 17+len(s.author)), s.short), "|"+s.author...))
	for i := range s.rs {
		s.rs[i] = recording{key: f.bucket(i, fp), member: member,
			now: s.now, window: f.cfg.Window, cap: f.cfg.MaxPerBucket, read: f.enough}
	}
	return s
}

// floodStep records an item's posting in its band buckets and reads, in the same round trip,
// the newest postings of each bucket, as many as the highest threshold asks for: in a flood
// that settles the item. Only when the authors found stay below it, and a bucket that had
// more postings showed this text among its newest (another author's agreeing posting), does a
// second round trip read the rest of that bucket (up to MaxPerBucket). A bucket whose newest
// postings are all other texts is crowded by a common band value (a frequent phrase); reading
// all of it for every item cost more than the rest of the item's checks together (profiled
// with `trustd bench`), and a flood hidden behind its newest postings is still found through
// the item's other buckets, as a crowded bucket forgets beyond MaxPerBucket anyway.
type floodStep struct {
	f      *Floods
	short  uint64
	author string
	now    time.Time
	rs     []recording
	reads  []*redis.StringSliceCmd
	cmds   []redis.Cmder
}

func (s *floodStep) queue(ctx context.Context, p redis.Pipeliner) {
	s.reads = make([]*redis.StringSliceCmd, len(s.rs))
	for i, r := range s.rs {
		var cmds []redis.Cmder
		s.reads[i], cmds = r.queue(ctx, p)
		s.cmds = append(s.cmds, cmds...)
	}
}

func (s *floodStep) signals(ctx context.Context) ([]moderation.Signal, error) {
	f := s.f
	n, atLeast, err := s.count(ctx)
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
	count := strconv.Itoa(n)
	if atLeast {
		count = "at least " + count
	}
	return []moderation.Signal{{Label: moderation.LabelFlood, Decision: d,
		Reason: fmt.Sprintf("%s authors posted this text within %s (fingerprint %016x)", count, human(f.cfg.Window), s.short)}}, nil
}

// count returns the number of distinct authors (this one included) whose postings in the
// item's buckets agree with it on at least MinAgree bands, and whether that is only a lower
// bound (the threshold was reached before every posting was read).
func (s *floodStep) count(ctx context.Context) (n int, atLeast bool, err error) {
	f := s.f
	if err := firstErr(s.cmds); err != nil {
		return 0, false, err
	}
	authors := make(map[string]bool, f.enough)
	authors[s.author] = true
	var more []string // buckets with postings not read
	for i, r := range s.reads {
		if len(authors) >= int(f.enough) { // the decision is settled: the rest need no parsing
			break
		}
		if f.count(authors, s.author, s.short, r.Val()) > 0 && int64(len(r.Val())) == f.enough && f.enough < f.cfg.MaxPerBucket {
			more = append(more, s.rs[i].key)
		}
	}
	if len(authors) >= int(f.enough) || len(more) == 0 {
		return len(authors), len(authors) >= int(f.enough), nil
	}
	// The postings read were the newest: the rest starts at the same offset, give or take the
	// postings added since, which are read twice (and counted once) rather than missed.
	p := f.cfg.Redis.Pipeline()
	rest := make([]*redis.StringSliceCmd, len(more))
	for i, key := range more {
		rest[i] = p.ZRangeArgs(ctx, newest(key, s.now, f.cfg.Window, f.enough, f.cfg.MaxPerBucket))
	}
	if _, err := p.Exec(ctx); err != nil {
		return 0, false, err
	}
	for _, r := range rest {
		f.count(authors, s.author, s.short, r.Val())
	}
	return len(authors), false, nil
}

// bucket is the key of band i's bucket of fp.
func (f *Floods) bucket(i int, fp Fingerprint) string {
	b := make([]byte, 0, len(f.cfg.Prefix)+len("flood:0:")+16)
	b = append(b, f.cfg.Prefix...)
	b = append(b, "flood:"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ':')
	return string(appendHex16(b, fp[i]))
}

// appendHex16 appends v as 16 lower-case hex digits (fmt's %016x, without its cost: a flood
// check formats seven of them per item).
func appendHex16(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>uint(shift)&0xF])
	}
	return b
}

// count adds to authors the authors of the postings ("{short fingerprint as 16 hex
// digits}|{author}") that agree with short on at least MinAgree bands, and returns how many
// of those postings are by an author other than self.
func (f *Floods) count(authors map[string]bool, self string, short uint64, postings []string) (others int) {
	for _, m := range postings {
		other, ok := parseHex16(m)
		if !ok || len(m) < 17 || m[16] != '|' || Agree(short, other) < f.cfg.MinAgree {
			continue
		}
		if a := m[17:]; a != self {
			authors[a] = true
			others++
		}
	}
	return others
}

// parseHex16 reads the 16 lower-case hex digits at the start of s (a posting's fingerprint):
// strconv.ParseUint was the flood check's largest cost when a bucket is read in full.
func parseHex16(s string) (uint64, bool) {
	if len(s) < 16 {
		return 0, false
	}
	var v uint64
	for i := range 16 {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}
