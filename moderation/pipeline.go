package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Signal is a finding of a non-text stage (images, author trust, floods): a label and the
// decision that this finding alone asks for. The policy combines signals with text findings.
type Signal struct {
	Label    Label    `json:"label"`
	Decision Decision `json:"decision"`
	Reason   string   `json:"reason"`
}

// Evidence is everything the stages found about one item; the policy turns it into a decision.
type Evidence struct {
	Item     *Item
	Hits     []Hit
	Contacts []Contact
	Images   []ImageResult
	Signals  []Signal
}

// Outcome is what a policy decides: the decision, the sorted unique labels, and a short
// human-readable reason for each step that raised the decision (the trace).
type Outcome struct {
	Decision Decision
	Labels   []Label
	Reasons  []string
}

// Rules is one immutable, versioned snapshot of compiled rules: text scanning and policy.
// Implementations must be safe for concurrent use.
type Rules interface {
	// Version identifies the snapshot; it is echoed in every verdict.
	Version() string
	// ScanText finds dictionary hits and contacts in one field (title or body) of an item.
	// Offsets in the results are byte offsets into text.
	ScanText(scene Scene, field, text string) ([]Hit, []Contact)
	// Decide turns evidence into an outcome.
	Decide(ev *Evidence) Outcome
}

// RulesSource hands out the current rules snapshot. Hot reload swaps the snapshot atomically;
// a pipeline run uses one snapshot from start to end.
type RulesSource interface {
	Rules() Rules
}

// StaticRules is a RulesSource that always returns the same snapshot.
type StaticRules struct{ R Rules }

// Rules returns the snapshot.
func (s StaticRules) Rules() Rules { return s.R }

// ImageChecker checks the images of an item: fetch, guard, decode, hash, index lookup. It
// returns one result per image, in order, and the signals the matches raise. It must never
// fail the whole item for a bad image: a bad image is an ImageResult with Status "error".
type ImageChecker interface {
	CheckImages(ctx context.Context, it *Item) ([]ImageResult, []Signal)
}

// ImageCheckerFunc adapts a function to ImageChecker.
type ImageCheckerFunc func(ctx context.Context, it *Item) ([]ImageResult, []Signal)

// CheckImages calls f.
func (f ImageCheckerFunc) CheckImages(ctx context.Context, it *Item) ([]ImageResult, []Signal) {
	return f(ctx, it)
}

// Signaler is an extra stage that looks at an item and its evidence so far (author strikes,
// floods, split contacts) and adds signals.
type Signaler interface {
	Signals(ctx context.Context, ev *Evidence) ([]Signal, error)
}

// StageObserver receives the duration of every pipeline stage ("text", "images", "signals",
// "policy", "total"). Metrics implement it; nil means no observation.
type StageObserver interface {
	ObserveStage(stage string, d time.Duration)
}

// The stage names passed to StageObserver.
const (
	StageText    = "text"
	StageImages  = "images"
	StageSignals = "signals"
	StagePolicy  = "policy"
	StageTotal   = "total"
)

// Stages lists the stage names, for pre-initialising metric labels.
var Stages = []string{StageText, StageImages, StageSignals, StagePolicy, StageTotal}

// Config configures a Pipeline.
type Config struct {
	// Rules supplies the rules snapshot for each run. Required.
	Rules RulesSource
	// Images checks images. Nil means images are not checked: every image gets status
	// "error" with reason "image checks disabled", so the item still goes to review.
	Images ImageChecker
	// Signalers run after text and images, in order. Nil or empty means none.
	Signalers []Signaler
	// Build is the build version echoed in verdicts. Empty means "dev".
	Build string
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// Observer receives stage durations. Nil means none.
	Observer StageObserver
}

// Pipeline moderates items. It is safe for concurrent use.
type Pipeline struct {
	cfg Config
}

// ErrNoRules is returned by New when Config.Rules is nil.
var ErrNoRules = errors.New("moderation: no rules source")

// New validates cfg, fills defaults and returns a Pipeline.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Rules == nil {
		return nil, ErrNoRules
	}
	if cfg.Build == "" {
		cfg.Build = "dev"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Pipeline{cfg: cfg}, nil
}

func (p *Pipeline) observe(stage string, since time.Time) {
	if p.cfg.Observer != nil {
		p.cfg.Observer.ObserveStage(stage, time.Since(since))
	}
}

// Moderate runs every stage on a valid item and returns its verdict (event type
// verdict.created, decided by auto). It returns an error only for an invalid item or a
// cancelled context; bad images and failing signalers are evidence, not errors.
func (p *Pipeline) Moderate(ctx context.Context, it *Item) (*Verdict, error) {
	start := time.Now()
	if err := it.Validate(); err != nil {
		return nil, err
	}
	rules := p.cfg.Rules.Rules()
	ev := &Evidence{Item: it}

	t := time.Now()
	for _, f := range []struct{ name, text string }{{"title", it.Title}, {"body", it.Body}} {
		if f.text == "" {
			continue
		}
		hits, contacts := rules.ScanText(it.Scene, f.name, f.text)
		ev.Hits = append(ev.Hits, hits...)
		ev.Contacts = append(ev.Contacts, contacts...)
	}
	p.observe(StageText, t)

	if len(it.Images) > 0 {
		t = time.Now()
		if p.cfg.Images != nil {
			res, sig := p.cfg.Images.CheckImages(ctx, it)
			ev.Images, ev.Signals = res, append(ev.Signals, sig...)
		} else {
			for i := range it.Images {
				ev.Images = append(ev.Images, ImageResult{Index: i, Status: ImageError, Error: "image checks disabled"})
			}
		}
		p.observe(StageImages, t)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("moderate %s: %w", it.Key(), err)
	}

	if len(p.cfg.Signalers) > 0 {
		t = time.Now()
		for _, s := range p.cfg.Signalers {
			sig, err := s.Signals(ctx, ev)
			if err != nil {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("moderate %s: %w", it.Key(), ctx.Err())
				}
				// A trust signal that cannot be computed must not let an item through
				// silently, nor fail it: it asks for review and says why.
				ev.Signals = append(ev.Signals, Signal{Decision: Review, Reason: "signal stage failed: " + err.Error()})
				continue
			}
			ev.Signals = append(ev.Signals, sig...)
		}
		p.observe(StageSignals, t)
	}
	textHits, textContacts := len(ev.Hits), len(ev.Contacts)
	ScanImageText(rules, it.Scene, ev)
	for _, r := range ev.Images {
		if r.Status == ImageError {
			ev.Signals = append(ev.Signals, Signal{Label: LabelImageError, Decision: Review,
				Reason: fmt.Sprintf("image %d: %s", r.Index, r.Error)})
		}
	}

	t = time.Now()
	out := rules.Decide(ev)
	p.observe(StagePolicy, t)

	v := &Verdict{
		EventID:   CreatedEventID(it.Key()),
		EventType: EventCreated,
		ContentID: it.ID,
		Revision:  it.Revision,
		Scene:     it.Scene,
		AuthorID:  it.AuthorID,
		Decision:  out.Decision,
		Labels:    SortLabels(out.Labels),
		Hits:      ev.Hits[:textHits:textHits],
		Contacts:  ev.Contacts[:textContacts:textContacts],
		Images:    ev.Images,
		Reasons:   out.Reasons,
		Versions:  Versions{Rules: rules.Version(), Build: p.cfg.Build},
		DecidedBy: DecidedByAuto,
		DecidedAt: p.cfg.Now().UTC(),
		Meta:      it.Meta,
	}
	v.normalizeSlices()
	p.observe(StageTotal, start)
	return v, nil
}

// ScanImageText runs the text checks over what was read inside the images of ev (decoded
// code payloads and OCR'd text): each image's Hits and Contacts get the findings, with fields
// named by ImageCodeField and ImageOCRField, and ev.Hits and ev.Contacts get them too, after
// the title and body findings, so the policy weighs them like caption text. Contacts a code
// reader already put on an image (a WeChat QR, say) are passed on to ev.Contacts as they are,
// and the text scan of that code does not report them again (see appendNewContacts).
// It is idempotent per image only if run once: callers run it once per evidence.
func ScanImageText(rules Rules, scene Scene, ev *Evidence) {
	for i := range ev.Images {
		r := &ev.Images[i]
		for k, c := range r.Codes {
			if c.Payload == "" {
				continue
			}
			hits, contacts := rules.ScanText(scene, ImageCodeField(r.Index, k), c.Payload)
			r.Hits = append(r.Hits, hits...)
			r.Contacts = appendNewContacts(r.Contacts, contacts)
		}
		if r.Text != "" {
			hits, contacts := rules.ScanText(scene, ImageOCRField(r.Index), r.Text)
			r.Hits = append(r.Hits, hits...)
			r.Contacts = append(r.Contacts, contacts...)
		}
		ev.Hits = append(ev.Hits, r.Hits...)
		ev.Contacts = append(ev.Contacts, r.Contacts...)
	}
}

// appendNewContacts appends to dst the contacts of cs that do not overlap one already in dst
// in the same field: the text scan of a code payload does not repeat the contact its reader
// reported (the URL of a WeChat QR is a wechat contact, not also a url one).
func appendNewContacts(dst, cs []Contact) []Contact {
	n := len(dst)
	for _, c := range cs {
		if !slices.ContainsFunc(dst[:n], func(d Contact) bool {
			return d.Field == c.Field && d.Start < c.End && c.Start < d.End
		}) {
			dst = append(dst, c)
		}
	}
	return dst
}

var eventNamespace = uuid.MustParse("6f1c1d3e-8a4b-4d6a-9e51-3b7f0c2a9d10")

// CreatedEventID is the event id of the verdict.created event of an item revision. It is
// derived from the key, so a re-run of the same revision yields the same id and consumers
// that deduplicate on event_id see one event even if a crash made it publish twice.
func CreatedEventID(k Key) string {
	return uuid.NewSHA1(eventNamespace, []byte("verdict.created/"+k.String())).String()
}

// NewEventID returns a fresh, time-ordered event id for verdict.updated events.
func NewEventID() string { return uuid.Must(uuid.NewV7()).String() }
