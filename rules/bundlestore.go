package rules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultBundlePrefix starts the Redis keys of the rules bundles. The hash tag keeps them in
// one Redis Cluster slot, as the promote script needs.
const DefaultBundlePrefix = "trustd:rules:{bundle}:"

// Slot names where a bundle sits.
type Slot string

// The slots. A live bundle replaces every Source's directory (or embedded) rules; a shadow
// bundle runs in shadow beside the live rules (trust.Shadow) and never changes a verdict.
const (
	SlotLive   Slot = "live"
	SlotShadow Slot = "shadow"
)

// Errors of Bundles that callers branch on.
var (
	ErrNoBundle       = errors.New("rules: no bundle in that slot")
	ErrBundleChanged  = errors.New("rules: the shadow bundle is not the one expected")
	errUnknownBundleS = errors.New("rules: unexpected bundle script reply")
)

// BundleInfo describes a stored bundle.
type BundleInfo struct {
	Slot       Slot      `json:"slot"`
	Digest     string    `json:"digest"`  // Bundle.Digest
	Version    string    `json:"version"` // the compiled rules version (Set.Version), without the overlay
	Files      int       `json:"files"`
	Bytes      int       `json:"bytes"`
	By         string    `json:"by"` // who uploaded it, e.g. "admin:alice" or "cli:root"
	At         time.Time `json:"at"`
	Note       string    `json:"note,omitempty"`
	PromotedBy string    `json:"promoted_by,omitempty"`
	PromotedAt time.Time `json:"promoted_at,omitzero"`
}

// BundleEvent is one line of the bundle history: who set, promoted, demoted or reset what.
type BundleEvent struct {
	ID      string    `json:"id"`
	Action  string    `json:"action"` // set, promote, demote, reset
	Digest  string    `json:"digest"`
	Version string    `json:"version"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Note    string    `json:"note,omitempty"`
}

// BundleStatus is what Bundles.Status returns.
type BundleStatus struct {
	Live    *BundleInfo   `json:"live"`   // nil: every process runs its own --rules (or the embedded rules)
	Shadow  *BundleInfo   `json:"shadow"` // nil: no shadow rules
	History []BundleEvent `json:"history"`
}

// BundlesConfig configures Bundles.
type BundlesConfig struct {
	// Prefix starts every key. Empty means DefaultBundlePrefix.
	Prefix string
	// Compile are the options bundles are validated with. Zero means the defaults.
	Compile CompileOptions
	// HistoryMaxLen caps the history stream (approximately). Zero means 1000 events.
	HistoryMaxLen int64
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Bundles keeps rules bundles in Redis, in two slots. SetShadow validates a bundle and puts it
// in the shadow slot; Promote moves the shadow bundle to the live slot atomically; Demote drops
// the shadow bundle; Reset drops the live bundle, so every Source goes back to its directory.
// Every change bumps the slot's generation, which Sources poll, and appends to a history
// stream. Keys:
//
//	{prefix}shadow, {prefix}live   hash: digest, version, files, bytes, by, at, note,
//	                               promoted_by, promoted_at, and "file:PATH" → content
//	{prefix}gen                    hash: shadow → n, live → n (never deleted)
//	{prefix}history                stream: action, digest, version, by, at, note
type Bundles struct {
	rdb redis.UniversalClient
	cfg BundlesConfig
}

// NewBundles returns the bundle store on rdb.
func NewBundles(rdb redis.UniversalClient, cfg BundlesConfig) *Bundles {
	cfg.Prefix = cmp.Or(cfg.Prefix, DefaultBundlePrefix)
	if cfg.HistoryMaxLen <= 0 {
		cfg.HistoryMaxLen = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Bundles{rdb: rdb, cfg: cfg}
}

func (b *Bundles) key(s Slot) string { return b.cfg.Prefix + string(s) }
func (b *Bundles) genKey() string    { return b.cfg.Prefix + "gen" }
func (b *Bundles) historyKey() string {
	return b.cfg.Prefix + "history"
}

const filePrefix = "file:"

// SetShadow validates bundle (Bundle.Validate) and makes it the shadow bundle, replacing any
// earlier one. by names who uploaded it; note is free text for the history.
func (b *Bundles) SetShadow(ctx context.Context, bundle *Bundle, by, note string) (*BundleInfo, error) {
	set, err := bundle.Validate(b.cfg.Compile)
	if err != nil {
		return nil, err
	}
	info := &BundleInfo{Slot: SlotShadow, Digest: bundle.Digest(), Version: set.Version(), Files: len(bundle.Files),
		By: by, At: b.cfg.Now().UTC().Truncate(time.Millisecond), Note: note}
	fields := map[string]any{}
	for name, data := range bundle.Files {
		fields[filePrefix+name] = data
		info.Bytes += len(data)
	}
	fields["digest"], fields["version"], fields["by"], fields["note"] = info.Digest, info.Version, info.By, info.Note
	fields["files"], fields["bytes"], fields["at"] = info.Files, info.Bytes, info.At.Format(time.RFC3339Nano)
	_, err = b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, b.key(SlotShadow))
		p.HSet(ctx, b.key(SlotShadow), fields)
		p.HIncrBy(ctx, b.genKey(), string(SlotShadow), 1)
		p.XAdd(ctx, b.event("set", info.Digest, info.Version, by, info.At, note))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store shadow bundle: %w", err)
	}
	return info, nil
}

func (b *Bundles) event(action, digest, version, by string, at time.Time, note string) *redis.XAddArgs {
	return &redis.XAddArgs{Stream: b.historyKey(), MaxLen: b.cfg.HistoryMaxLen, Approx: true,
		Values: []any{"action", action, "digest", digest, "version", version, "by", by, "at", at.Format(time.RFC3339Nano), "note", note}}
}

// moveScript promotes (ARGV[1] = "promote": RENAME shadow → live) or drops a slot ("drop":
// DEL KEYS[1]), bumping generations and appending the history event, atomically.
// KEYS: slot, live, gen, history. ARGV: mode, expected digest ("" for any), by, at, note,
// history max length. Replies {"ok", digest, version}, {"none"} or {"changed", digest}.
var moveScript = redis.NewScript(`
local d = redis.call("HGET", KEYS[1], "digest")
if not d then return {"none"} end
if ARGV[2] ~= "" and ARGV[2] ~= d then return {"changed", d} end
local v = redis.call("HGET", KEYS[1], "version") or ""
local action
if ARGV[1] == "promote" then
  redis.call("RENAME", KEYS[1], KEYS[2])
  redis.call("HSET", KEYS[2], "promoted_by", ARGV[3], "promoted_at", ARGV[4])
  redis.call("HINCRBY", KEYS[3], "shadow", 1)
  redis.call("HINCRBY", KEYS[3], "live", 1)
  action = "promote"
else
  redis.call("DEL", KEYS[1])
  redis.call("HINCRBY", KEYS[3], ARGV[7], 1)
  action = ARGV[8]
end
redis.call("XADD", KEYS[4], "MAXLEN", "~", ARGV[6], "*", "action", action, "digest", d, "version", v,
  "by", ARGV[3], "at", ARGV[4], "note", ARGV[5])
return {"ok", d, v}
`)

// move runs moveScript and returns the bundle's digest and version and the time of the change.
func (b *Bundles) move(ctx context.Context, slot Slot, mode, action, digest, by string) (*BundleInfo, error) {
	at := b.cfg.Now().UTC().Truncate(time.Millisecond)
	res, err := moveScript.Run(ctx, b.rdb, []string{b.key(slot), b.key(SlotLive), b.genKey(), b.historyKey()},
		mode, digest, by, at.Format(time.RFC3339Nano), "", b.cfg.HistoryMaxLen, string(slot), action).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("%s rules bundle: %w", action, err)
	}
	switch res[0] {
	case "ok":
		return &BundleInfo{Slot: slot, Digest: res[1], Version: res[2], By: by, At: at}, nil
	case "none":
		return nil, fmt.Errorf("%w (%s)", ErrNoBundle, slot)
	case "changed":
		return nil, fmt.Errorf("%w: it is %s, not %s", ErrBundleChanged, res[1], digest)
	}
	return nil, fmt.Errorf("%w: %q", errUnknownBundleS, res[0])
}

// Promote makes the shadow bundle the live one, atomically: the shadow slot is emptied and
// every Source loads the bundle as its rules on its next poll, in place of its directory,
// until Reset. digest, when not empty, must be the shadow bundle's (ErrBundleChanged
// otherwise), so that an admin promotes what they looked at. It returns ErrNoBundle without
// a shadow bundle. The result names the promoted bundle; By and At say who promoted it when.
func (b *Bundles) Promote(ctx context.Context, by, digest string) (*BundleInfo, error) {
	info, err := b.move(ctx, SlotShadow, "promote", "promote", digest, by)
	if info != nil {
		info.Slot, info.PromotedBy, info.PromotedAt = SlotLive, info.By, info.At
	}
	return info, err
}

// Demote drops the shadow bundle. It returns ErrNoBundle without one. The result names the
// dropped bundle; By and At say who dropped it when.
func (b *Bundles) Demote(ctx context.Context, by string) (*BundleInfo, error) {
	return b.move(ctx, SlotShadow, "drop", "demote", "", by)
}

// Reset drops the live bundle: every Source goes back to its directory (or the embedded
// rules). It returns ErrNoBundle when no bundle is live. The result names the dropped bundle.
func (b *Bundles) Reset(ctx context.Context, by string) (*BundleInfo, error) {
	return b.move(ctx, SlotLive, "drop", "reset", "", by)
}

// Generation returns the slot's change counter ("" before the first change). Sources poll it.
func (b *Bundles) Generation(ctx context.Context, slot Slot) (string, error) {
	g, err := b.rdb.HGet(ctx, b.genKey(), string(slot)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read rules bundle generation: %w", err)
	}
	return g, nil
}

// Load returns the slot's generation and bundle, or a nil bundle when the slot is empty.
func (b *Bundles) Load(ctx context.Context, slot Slot) (string, *Bundle, *BundleInfo, error) {
	// The generation is read first: a change between the two reads bumps it again, so the
	// next poll reloads.
	gen, err := b.Generation(ctx, slot)
	if err != nil {
		return "", nil, nil, err
	}
	h, err := b.rdb.HGetAll(ctx, b.key(slot)).Result()
	if err != nil {
		return "", nil, nil, fmt.Errorf("read rules bundle %s: %w", slot, err)
	}
	if len(h) == 0 {
		return gen, nil, nil, nil
	}
	bundle := &Bundle{Files: map[string]string{}}
	for k, v := range h {
		if name, ok := strings.CutPrefix(k, filePrefix); ok {
			bundle.Files[name] = v
		}
	}
	return gen, bundle, decodeInfo(slot, h), nil
}

func decodeInfo(slot Slot, h map[string]string) *BundleInfo {
	info := &BundleInfo{Slot: slot, Digest: h["digest"], Version: h["version"], By: h["by"], Note: h["note"],
		PromotedBy: h["promoted_by"]}
	info.Files, _ = strconv.Atoi(h["files"])
	info.Bytes, _ = strconv.Atoi(h["bytes"])
	info.At, _ = time.Parse(time.RFC3339Nano, h["at"])
	info.PromotedAt, _ = time.Parse(time.RFC3339Nano, h["promoted_at"])
	return info
}

var infoFields = []string{"digest", "version", "files", "bytes", "by", "at", "note", "promoted_by", "promoted_at"}

// Status returns both slots (without file contents) and the newest history events, newest
// first (at most history).
func (b *Bundles) Status(ctx context.Context, history int64) (*BundleStatus, error) {
	p := b.rdb.Pipeline()
	live := p.HMGet(ctx, b.key(SlotLive), infoFields...)
	shadow := p.HMGet(ctx, b.key(SlotShadow), infoFields...)
	hist := p.XRevRangeN(ctx, b.historyKey(), "+", "-", max(history, 1))
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read rules bundles: %w", err)
	}
	st := &BundleStatus{Live: infoOf(SlotLive, live.Val()), Shadow: infoOf(SlotShadow, shadow.Val()), History: []BundleEvent{}}
	if history <= 0 {
		return st, nil
	}
	for _, m := range hist.Val() {
		s := func(k string) string { v, _ := m.Values[k].(string); return v }
		at, _ := time.Parse(time.RFC3339Nano, s("at"))
		st.History = append(st.History, BundleEvent{ID: m.ID, Action: s("action"), Digest: s("digest"),
			Version: s("version"), By: s("by"), At: at, Note: s("note")})
	}
	return st, nil
}

func infoOf(slot Slot, vals []any) *BundleInfo {
	if len(vals) == 0 || vals[0] == nil {
		return nil
	}
	h := make(map[string]string, len(infoFields))
	for i, f := range infoFields {
		if v, ok := vals[i].(string); ok {
			h[f] = v
		}
	}
	return decodeInfo(slot, h)
}
