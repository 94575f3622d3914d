package trust

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text/detect"
)

// ContactDetector finds contacts in one field of text; *detect.Detector implements it.
type ContactDetector interface {
	Contacts(field, text string) []moderation.Contact
}

// ContactDetectorFunc adapts a function to ContactDetector (for example one that follows the
// live rules' variant tables).
type ContactDetectorFunc func(field, text string) []moderation.Contact

// Contacts calls f.
func (f ContactDetectorFunc) Contacts(field, text string) []moderation.Contact { return f(field, text) }

// SplitConfig configures SplitContacts.
type SplitConfig struct {
	Options
	// Detector finds contacts in the reassembled text. Nil means detect.New with the built-in
	// triggers only.
	Detector ContactDetector
	// Window is how long an author's earlier text is kept for reassembly. Zero means 10 minutes.
	Window time.Duration
	// MaxFragments is how many earlier items of an author are kept (the newest). Zero means 8.
	MaxFragments int64
	// FragmentBytes is how much text is kept from the end of each item (cut on a rune
	// boundary). Zero means 40 (so that a member stays within Redis's compact listpack encoding,
	// 64 bytes, for ids up to about 20 bytes); a contact is reassembled when the pieces before the current
	// item fit in it.
	FragmentBytes int
	// HeadBytes is how much of the current item (title, then body) is joined to the earlier
	// fragments. Zero means 256.
	HeadBytes int
	// Decision is what a split contact asks for. Zero means review.
	Decision moderation.Decision
	// Types are the contact types reported. Nil means wechat, qq, phone, email and url.
	Types []string
}

// SplitContacts is a moderation.Signaler that reassembles contact details spread over
// consecutive items of one author (and over an item's title and body): it joins the tail of
// the author's recent items with the head of the current one, runs the contact detector, and
// reports the contacts that span a boundary and include the current item, with the
// contributing items in the reason. It records the current item's tail in the same round
// trip. Safe for concurrent use.
//
// State: one sorted set per recently active author, {prefix}tail:{author_id}, members
// "{scene:id:revision}\x1f{tail text}" (idempotent per revision), scores the time in
// milliseconds; trimmed to Window and MaxFragments on every write and expiring Window after
// the author's last item. The tail text is user text kept for Window only; it is never logged.
type SplitContacts struct {
	cfg     SplitConfig
	signals *prometheus.CounterVec
	errors  prometheus.Counter
}

// splitTypes is the closed label set of trustd_split_contact_signals_total.
var splitTypes = []string{moderation.ContactWeChat, moderation.ContactQQ, moderation.ContactPhone,
	moderation.ContactEmail, moderation.ContactURL, moderation.ContactTaoToken, moderation.ContactBait}

// NewSplitContacts validates cfg, fills defaults and registers
// trustd_split_contact_signals_total{type} and trustd_split_contact_errors_total.
func NewSplitContacts(cfg SplitConfig) (*SplitContacts, error) {
	if err := cfg.fill("split contacts"); err != nil {
		return nil, err
	}
	if cfg.Detector == nil {
		d, err := detect.New(detect.Config{})
		if err != nil {
			return nil, fmt.Errorf("split contacts detector: %w", err)
		}
		cfg.Detector = d
	}
	if cfg.Window == 0 {
		cfg.Window = 10 * time.Minute
	}
	if cfg.Window < time.Second {
		return nil, fmt.Errorf("%w: split contact window %v is below 1s", ErrInvalidConfig, cfg.Window)
	}
	if cfg.MaxFragments <= 0 {
		cfg.MaxFragments = 8
	}
	if cfg.FragmentBytes <= 0 {
		cfg.FragmentBytes = 40
	}
	if cfg.HeadBytes <= 0 {
		cfg.HeadBytes = 256
	}
	if cfg.Decision == "" {
		cfg.Decision = moderation.Review
	}
	if !cfg.Decision.Valid() {
		return nil, fmt.Errorf("%w: split contact decision %q", ErrInvalidConfig, cfg.Decision)
	}
	if cfg.Types == nil {
		cfg.Types = []string{moderation.ContactWeChat, moderation.ContactQQ, moderation.ContactPhone,
			moderation.ContactEmail, moderation.ContactURL}
	}
	for _, ty := range cfg.Types {
		if !slices.Contains(splitTypes, ty) {
			return nil, fmt.Errorf("%w: unknown contact type %q", ErrInvalidConfig, ty)
		}
	}
	s := &SplitContacts{cfg: cfg,
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trustd_split_contact_signals_total",
			Help: "Contacts found only by joining an author's consecutive items (or an item's title and body), by contact type."}, []string{"type"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "trustd_split_contact_errors_total",
			Help: "Redis errors of split contact detection (the item goes to review)."}),
	}
	for _, ty := range splitTypes {
		s.signals.WithLabelValues(ty)
	}
	if err := register(cfg.Registerer, s.signals, s.errors); err != nil {
		return nil, err
	}
	return s, nil
}

// segment is one piece of the joined text: which item (and field) it came from.
type segment struct {
	start, end int
	item       string // "scene:id:revision"
	current    bool
}

const fragSep = "\x1f"

// Signals reassembles and reports split contacts; see SplitContacts.
func (s *SplitContacts) Signals(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error) {
	return alone(ctx, s, ev)
}

func (s *SplitContacts) redis() redis.UniversalClient { return s.cfg.Redis }

func (s *SplitContacts) plan(ev *moderation.Evidence) step {
	it := ev.Item
	st := &splitStep{s: s, ev: ev, own: it.Key().String(), r: recording{key: s.cfg.Prefix + "tail:" + it.AuthorID,
		now: s.cfg.Now(), window: s.cfg.Window, cap: s.cfg.MaxFragments, read: s.cfg.MaxFragments, dropOld: true}}
	if full := strings.TrimSpace(strings.Join(nonEmpty(it.Title, it.Body), " ")); full != "" {
		st.r.member = st.own + fragSep + tail(full, s.cfg.FragmentBytes)
	}
	return st
}

// splitStep reads an author's recent fragments and records the item's own in one round trip.
type splitStep struct {
	s    *SplitContacts
	ev   *moderation.Evidence
	own  string // the item revision's key
	r    recording
	prev *redis.StringSliceCmd
	cmds []redis.Cmder
}

func (st *splitStep) queue(ctx context.Context, p redis.Pipeliner) {
	if st.r.member == "" { // nothing to record: read only
		st.prev = p.ZRangeArgs(ctx, newest(st.r.key, st.r.now, st.r.window, 0, st.r.read))
		st.cmds = []redis.Cmder{st.prev}
		return
	}
	st.prev, st.cmds = st.r.queue(ctx, p)
}

func (st *splitStep) signals(_ context.Context) ([]moderation.Signal, error) {
	s, ev, it, own := st.s, st.ev, st.ev.Item, st.own
	if err := firstErr(st.cmds); err != nil {
		s.errors.Inc()
		return nil, fmt.Errorf("split contacts of %s: %w", it.AuthorID, err)
	}
	prev := st.prev.Val()
	slices.Reverse(prev) // oldest first
	var b strings.Builder
	var segs []segment
	addSeg := func(item, txt string, current bool) {
		if txt == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		segs = append(segs, segment{start: b.Len(), end: b.Len() + len(txt), item: item, current: current})
		b.WriteString(txt)
	}
	for _, m := range prev {
		k, frag, ok := strings.Cut(m, fragSep)
		if !ok || sameContent(k, it) {
			continue // a retry of this item, or an earlier revision of it
		}
		addSeg(k, frag, false)
	}
	head := s.cfg.HeadBytes
	for _, f := range []struct{ name, txt string }{{"title", it.Title}, {"body", it.Body}} {
		if head <= 0 {
			break
		}
		t := headOf(f.txt, head)
		head -= len(t)
		addSeg(own+" "+f.name, t, true)
	}
	if len(segs) < 2 {
		return nil, nil
	}
	joined := b.String()
	var out []moderation.Signal
	seen := map[string]bool{}
	for _, c := range s.cfg.Detector.Contacts("joined", joined) {
		if !slices.Contains(s.cfg.Types, c.Type) || seen[c.Type+"\x00"+c.Value] || foundAlone(ev.Contacts, c) {
			continue
		}
		var items []string
		current := false
		n := 0
		for _, sg := range segs {
			if sg.start < c.End && c.Start < sg.end {
				n++
				current = current || sg.current
				if !slices.Contains(items, sg.item) {
					items = append(items, sg.item)
				}
			}
		}
		if n < 2 || !current {
			continue // within one piece: the single-item scan reports it (or did, earlier)
		}
		seen[c.Type+"\x00"+c.Value] = true
		s.signals.WithLabelValues(c.Type).Inc()
		out = append(out, moderation.Signal{Label: moderation.LabelContact, Decision: s.cfg.Decision,
			Reason: fmt.Sprintf("%s contact split over %s", c.Type, strings.Join(items, ", "))})
	}
	return out, nil
}

func sameContent(key string, it *moderation.Item) bool {
	scene, rest, _ := strings.Cut(key, ":")
	i := strings.LastIndexByte(rest, ':')
	return i >= 0 && scene == string(it.Scene) && rest[:i] == it.ID
}

// foundAlone reports whether the single-item scan already found this contact value.
func foundAlone(cs []moderation.Contact, c moderation.Contact) bool {
	return slices.ContainsFunc(cs, func(x moderation.Contact) bool { return x.Type == c.Type && x.Value == c.Value })
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// tail returns at most n bytes from the end of s, starting on a rune boundary.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

// headOf returns at most n bytes from the start of s, ending on a rune boundary.
func headOf(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
