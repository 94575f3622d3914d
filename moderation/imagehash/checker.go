package imagehash

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/trustd/trustd/moderation"
)

// Config configures a Checker.
type Config struct {
	// Fetch configures downloads (allowlist, address rules, timeouts, byte cap).
	Fetch FetchConfig
	// MaxPixels caps the declared width×height of an image. Zero means DefaultMaxPixels.
	MaxPixels int64
	// Concurrency bounds how many images of one item are processed at once. Zero means 4.
	Concurrency int
	// SpamRingAuthors is the number of distinct authors (the current one included) using the
	// same image from which it is a spam ring: block. Zero means 3.
	SpamRingAuthors int
	// MaxMatches caps the matches listed per image in a verdict (signals use all of them).
	// Zero means 20.
	MaxMatches int
	// Codes reads the QR codes of every image that decodes, from the same decoded image
	// (trustd passes an imagetext.QRReader): the results carry them in Codes, and the
	// contacts they are (a WeChat QR) in Contacts. Nil means codes are not read.
	Codes CodeReader
	// Banks holds the seen, deny and allow banks. Nil means fresh in-memory banks holding only
	// the seen bank (one trustd check run).
	Banks *Banks
	// Logger receives operational logs (never URLs). Nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the checker's metrics. Nil means no metrics.
	Registerer prometheus.Registerer
	// Now returns the current time (first-seen times). Nil means time.Now.
	Now func() time.Time
}

// Check results, the label values of trustd_image_checks_total.
const (
	ResultOK          = "ok"           // hashed, no match
	ResultMatched     = "matched"      // hashed, matched a bank
	ResultLowQuality  = "low_quality"  // too uniform to match
	ResultBlocked     = "blocked"      // URL or address not allowed
	ResultFetchError  = "fetch_error"  // network or HTTP error
	ResultTooLarge    = "too_large"    // byte or pixel cap
	ResultNotImage    = "not_image"    // not a supported format
	ResultDecodeError = "decode_error" // corrupt image data
	ResultCanceled    = "canceled"     // the context ended
)

// Results lists every check result.
var Results = []string{ResultOK, ResultMatched, ResultLowQuality, ResultBlocked, ResultFetchError,
	ResultTooLarge, ResultNotImage, ResultDecodeError, ResultCanceled}

// Stages of one image check, the label values of trustd_image_stage_duration_seconds.
var imageStages = []string{"fetch", "decode", "hash", stageCodes, "lookup"}

// Checker checks the images of items: fetch, guard, decode, hash, match the banks, register
// in the seen bank. It implements moderation.ImageChecker and is safe for concurrent use.
type Checker struct {
	cfg     Config
	fetcher *Fetcher
	banks   *Banks
	log     *slog.Logger
	checks  *prometheus.CounterVec
	stages  *prometheus.HistogramVec
	codes   *prometheus.CounterVec
}

var _ moderation.ImageChecker = (*Checker)(nil)

// New validates cfg, fills defaults and returns a Checker.
func New(cfg Config) (*Checker, error) {
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = DefaultMaxPixels
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.SpamRingAuthors <= 0 {
		cfg.SpamRingAuthors = 3
	}
	if cfg.SpamRingAuthors < 2 {
		return nil, fmt.Errorf("imagehash: SpamRingAuthors %d: want at least 2", cfg.SpamRingAuthors)
	}
	if cfg.MaxMatches <= 0 {
		cfg.MaxMatches = 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Fetch = cfg.Fetch.withDefaults()
	if cfg.Banks == nil {
		b, err := NewBanks(BanksConfig{Logger: cfg.Logger, Now: cfg.Now})
		if err != nil {
			return nil, err
		}
		cfg.Banks = b
	}
	c := &Checker{cfg: cfg, fetcher: NewFetcher(cfg.Fetch), banks: cfg.Banks, log: cfg.Logger,
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_image_checks_total",
			Help: "Images checked, by result.",
		}, []string{"result"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trustd_image_stage_duration_seconds",
			Help:    "Duration of the stages of one image check (fetch, decode, hash, qr, lookup).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"stage"}),
		codes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trustd_image_codes_total",
			Help: "QR codes read in images, by payload kind.",
		}, []string{"kind"}),
	}
	for _, r := range Results {
		c.checks.WithLabelValues(r)
	}
	for _, s := range imageStages {
		c.stages.WithLabelValues(s)
	}
	for _, k := range moderation.CodeKinds {
		c.codes.WithLabelValues(k)
	}
	if cfg.Registerer != nil {
		for _, m := range []prometheus.Collector{c.checks, c.stages, c.codes} {
			if err := cfg.Registerer.Register(m); err != nil {
				return nil, fmt.Errorf("register image metrics: %w", err)
			}
		}
	}
	return c, nil
}

// Banks returns the checker's banks.
func (c *Checker) Banks() *Banks { return c.banks }

// Close releases idle connections. The banks are closed by their owner.
func (c *Checker) Close() error {
	c.fetcher.CloseIdle()
	return nil
}

// imageCheck is what one image yielded.
type imageCheck struct {
	fp      Fingerprint
	hashed  bool
	err     error
	matches map[string][]Match // by bank name
	// codes and contacts are what Config.Codes read, whenever the image decoded.
	codes    []moderation.ImageCode
	contacts []moderation.Contact
}

// Check fetches, decodes and fingerprints one image without matching it.
func (c *Checker) Check(ctx context.Context, url string) (Fingerprint, error) {
	fp, _, err := c.examine(ctx, url, -1)
	return fp, err
}

// examine fetches, decodes and fingerprints one image and, when i ≥ 0 (the image's index in
// its item), reads its codes from the same decoded image. The codes are returned even when
// hashing fails.
func (c *Checker) examine(ctx context.Context, url string, i int) (Fingerprint, imageCheck, error) {
	var ck imageCheck
	t := time.Now()
	body := getBody()
	defer putBody(body) // the decoded image does not refer to the bytes
	b, err := c.fetcher.fetch(ctx, url, body)
	c.stages.WithLabelValues("fetch").Observe(time.Since(t).Seconds())
	if err != nil {
		return Fingerprint{}, ck, err
	}
	t = time.Now()
	d, err := DecodeGuarded(b, c.cfg.MaxPixels, c.cfg.Fetch.MaxBytes)
	c.stages.WithLabelValues("decode").Observe(time.Since(t).Seconds())
	if err != nil {
		return Fingerprint{}, ck, err
	}
	t = time.Now()
	fp, err := fingerprintSafe(d)
	c.stages.WithLabelValues("hash").Observe(time.Since(t).Seconds())
	if i >= 0 {
		ck.codes, ck.contacts = c.readCodes(i, d)
	}
	return fp, ck, err
}

// FingerprintBytes runs the decode guard and hashing on encoded image bytes, with the
// default limits.
func FingerprintBytes(b []byte) (Fingerprint, error) {
	d, err := DecodeGuarded(b, 0, 0)
	if err != nil {
		return Fingerprint{}, err
	}
	return fingerprintSafe(d)
}

func fingerprintSafe(d Decoded) (fp Fingerprint, err error) {
	defer func() {
		if r := recover(); r != nil {
			fp, err = Fingerprint{}, fmt.Errorf("%w: hashing panic", ErrDecode)
		}
	}()
	return FingerprintImage(d.Image, d.Orientation)
}

// CheckImages implements moderation.ImageChecker. Each image gets a result (status "error"
// with a reason when it cannot be fetched or decoded: the pipeline adds image_error), and the
// matches raise signals:
//   - seen bank, another author: duplicate_image, review; SpamRingAuthors distinct authors
//     or more (this one included): spam, block. The author's own reposts raise nothing.
//   - deny bank: fake_product, block when within the bank's Close threshold, else review.
//   - allow bank, an author not authorised by the bank: fake_product, review.
//
// After the check every hashed image is registered in the seen bank, so later items match it.
func (c *Checker) CheckImages(ctx context.Context, it *moderation.Item) ([]moderation.ImageResult, []moderation.Signal) {
	checks := make([]imageCheck, len(it.Images))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range it.Images {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				checks[i].err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			checks[i] = c.checkOne(ctx, i, it.Images[i].URL)
		}()
	}
	wg.Wait()

	results := make([]moderation.ImageResult, len(it.Images))
	var signals []moderation.Signal
	for i, ck := range checks {
		r := moderation.ImageResult{Index: i, Status: moderation.ImageOK, Codes: ck.codes, Contacts: ck.contacts}
		result := ResultOK
		switch {
		case ck.err != nil:
			r.Status, r.Error, result = moderation.ImageError, errorText(ck.err), classify(ck.err)
		case ck.fp.LowQuality:
			r.PHash, result = Hex(ck.fp.PHash), ResultLowQuality
		default:
			r.PHash = Hex(ck.fp.PHash)
			var sig []moderation.Signal
			r.Matches, sig = c.policy(it, i, ck.matches)
			signals = append(signals, sig...)
			if len(r.Matches) > 0 {
				result = ResultMatched
			}
		}
		c.checks.WithLabelValues(result).Inc()
		results[i] = r
	}
	c.register(ctx, it, checks)
	return results, signals
}

func (c *Checker) checkOne(ctx context.Context, i int, url string) imageCheck {
	fp, ck, err := c.examine(ctx, url, i)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		ck.err = err
		return ck
	}
	ck.fp, ck.hashed = fp, true
	if fp.LowQuality {
		return ck
	}
	t := time.Now()
	ck.matches = map[string][]Match{}
	for _, bk := range c.banks.all() {
		if m := bk.Match(fp); len(m) > 0 {
			ck.matches[bk.def.Name] = m
		}
	}
	c.stages.WithLabelValues("lookup").Observe(time.Since(t).Seconds())
	return ck
}

// policy turns the matches of image i into verdict matches and signals.
func (c *Checker) policy(it *moderation.Item, i int, matches map[string][]Match) ([]moderation.ImageMatch, []moderation.Signal) {
	var out []moderation.ImageMatch
	var sig []moderation.Signal
	// Deny and allow banks first (they decide), then seen; banks in name order.
	names := make([]string, 0, len(matches))
	for n := range matches {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == SeenBank) != (b == SeenBank) {
			if a == SeenBank {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		bk := c.banks.Bank(name)
		if bk == nil {
			continue
		}
		def := bk.Def()
		ms := matches[name]
		for _, m := range ms {
			out = append(out, m.imageMatch(name, def.Kind))
		}
		best := ms[0]
		switch def.Kind {
		case KindSeen:
			authors := map[string]struct{}{it.AuthorID: {}}
			others := 0
			for _, m := range ms {
				if m.ContentID == it.ID || m.AuthorID == it.AuthorID {
					continue // the same item again, or the author's own repost
				}
				others++
				authors[m.AuthorID] = struct{}{}
			}
			if others == 0 {
				continue
			}
			sig = append(sig, moderation.Signal{Label: moderation.LabelDuplicateImage, Decision: moderation.Review,
				Reason: fmt.Sprintf("image %d: same image as %d item(s) of other authors", i, others)})
			if len(authors) >= c.cfg.SpamRingAuthors {
				sig = append(sig, moderation.Signal{Label: moderation.LabelSpam, Decision: moderation.Block,
					Reason: fmt.Sprintf("image %d: used by %d distinct authors (spam ring threshold %d)", i, len(authors), c.cfg.SpamRingAuthors)})
			}
		case KindDeny:
			d := moderation.Review
			if best.Distance <= def.Close {
				d = moderation.Block
			}
			sig = append(sig, moderation.Signal{Label: moderation.LabelFakeProduct, Decision: d,
				Reason: fmt.Sprintf("image %d: matches deny bank %s at distance %d", i, name, best.Distance)})
		case KindAllow:
			if slices.Contains(def.Authorised, it.AuthorID) {
				continue
			}
			sig = append(sig, moderation.Signal{Label: moderation.LabelFakeProduct, Decision: moderation.Review,
				Reason: fmt.Sprintf("image %d: official photo of allow bank %s used by an unauthorised author", i, name)})
		}
	}
	if len(out) > c.cfg.MaxMatches {
		out = out[:c.cfg.MaxMatches]
	}
	return out, sig
}

// register adds the hashed images of an item to the seen bank, except exact copies already
// registered for the same item (a re-check).
func (c *Checker) register(ctx context.Context, it *moderation.Item, checks []imageCheck) {
	now := c.cfg.Now()
	for i, ck := range checks {
		if !ck.hashed || ck.fp.LowQuality {
			continue
		}
		dup := false
		for _, m := range ck.matches[SeenBank] {
			if m.ContentID == it.ID && m.Distance == 0 && m.Variant == VariantNone {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if err := c.banks.Add(ctx, SeenBank, EntryOf(ck.fp, it.ID, it.AuthorID, now)); err != nil {
			c.log.Warn("seen_register_error", slog.String("content_id", it.ID), slog.Int("image", i), slog.Any("error", err))
		}
	}
}

// classify maps an error to a check result.
func classify(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrFetch):
		return ResultCanceled
	case errors.Is(err, ErrBlockedURL), errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrTooManyRedirects):
		return ResultBlocked
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrTooManyPixels):
		return ResultTooLarge
	case errors.Is(err, ErrNotImage):
		return ResultNotImage
	case errors.Is(err, ErrDecode):
		return ResultDecodeError
	}
	return ResultFetchError
}

// errorText is the reason shown in a verdict: short, without the URL.
func errorText(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "imagehash: ")
	s = strings.ReplaceAll(s, "imagehash: ", "")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// AddToBank adds the images of an item to a bank, for a moderator's "remove and bank the
// photos" decision (it has the shape of review.ImageBanker). The entries are copied from the
// seen bank when the item was checked by this process's banks; otherwise the images are
// fetched and hashed again. actor and v are not stored. Images that cannot be fetched or are
// too uniform are skipped; an error is returned only when none could be added.
func (c *Checker) AddToBank(ctx context.Context, bank string, it *moderation.Item, _ *moderation.Verdict, _ string) error {
	if c.banks.Bank(bank) == nil {
		return fmt.Errorf("%w: %s", ErrNoBank, bank)
	}
	es := c.banks.Bank(SeenBank).entriesOf(it.ID)
	if len(es) == 0 {
		for i, img := range it.Images {
			fp, err := c.Check(ctx, img.URL)
			if err != nil || fp.LowQuality {
				c.log.Warn("bank_add_image_skipped", slog.String("content_id", it.ID), slog.Int("image", i), slog.Any("error", err))
				continue
			}
			es = append(es, EntryOf(fp, it.ID, it.AuthorID, c.cfg.Now()))
		}
	}
	if len(es) == 0 && len(it.Images) > 0 {
		return fmt.Errorf("bank %s: no usable image in %s", bank, it.ID)
	}
	for _, e := range es {
		e.Added = c.cfg.Now()
		if err := c.banks.Add(ctx, bank, e); err != nil {
			return err
		}
	}
	return nil
}
