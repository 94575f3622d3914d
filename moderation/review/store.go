package review

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// The review queues. Items are routed to exactly one queue by the labels of their verdict
// (see Route); the set is closed so that it can label metrics.
const (
	QueueProfanity      = "profanity"       // profanity, abuse, hate, sexual
	QueueContact        = "contact"         // self-advertising, contacts, ads, spam, scams
	QueueDuplicateImage = "duplicate_image" // re-posted or banked images
	QueueFakeProduct    = "fake_product"    // counterfeit goods
	QueueOther          = "other"           // review for any other reason (image errors, floods)
	QueueAppeals        = "appeals"         // authors' appeals against decisions
	QueueAuditSample    = "audit_sample"    // sampled pass/block verdicts for quality audit
	QueueEscalated      = "escalated"       // escalated by a moderator, for admins and seniors
)

// Queues lists every queue in display order.
var Queues = []string{QueueProfanity, QueueContact, QueueDuplicateImage, QueueFakeProduct, QueueOther,
	QueueAppeals, QueueAuditSample, QueueEscalated}

// ValidQueue reports whether q is one of Queues.
func ValidQueue(q string) bool { return slices.Contains(Queues, q) }

// Action is what a moderator does with a claimed item.
type Action string

// The actions. Approve, Limit, Remove and Uphold are final: they publish a verdict.updated
// event. Escalate and Move put the item back into a queue (escalated, or the one named) and
// publish nothing, because the item's decision is still "review".
const (
	ActionApprove  Action = "approve"  // → pass
	ActionLimit    Action = "limit"    // → limit
	ActionRemove   Action = "remove"   // → block
	ActionUphold   Action = "uphold"   // appeals: keep the decision under appeal
	ActionEscalate Action = "escalate" // → escalated queue, higher priority
	ActionMove     Action = "move"     // → another queue
)

// Actions lists every action (for metric labels).
var Actions = []Action{ActionApprove, ActionLimit, ActionRemove, ActionUphold, ActionEscalate, ActionMove}

// Final reports whether a is a final decision that publishes a verdict.
func (a Action) Final() bool {
	switch a {
	case ActionApprove, ActionLimit, ActionRemove, ActionUphold:
		return true
	}
	return false
}

// Valid reports whether a is one of Actions.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// decision maps a final action to the decision it publishes. Uphold has none of its own.
func (a Action) decision() moderation.Decision {
	switch a {
	case ActionApprove:
		return moderation.Pass
	case ActionLimit:
		return moderation.Limit
	case ActionRemove:
		return moderation.Block
	}
	return ""
}

// Item states.
const (
	StatePending = "pending"
	StateClaimed = "claimed"
	StateDecided = "decided"
)

// Errors callers branch on. The HTTP API maps them to status codes.
var (
	ErrNotFound     = errors.New("review: item not found")
	ErrQueueEmpty   = errors.New("review: queue empty")
	ErrLeaseLost    = errors.New("review: lease token does not hold the item")
	ErrLeaseExpired = errors.New("review: lease expired")
	ErrClaimed      = errors.New("review: item is claimed by another moderator")
	ErrConflict     = errors.New("review: item already decided")
	ErrAppealOpen   = errors.New("review: item is already under review or appeal")
	ErrInvalid      = errors.New("review: invalid request")
)

// ConflictError is returned when an item was already decided; it carries the stored decision.
type ConflictError struct{ Stored *DecisionRecord }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("review: item already decided (%s by %s)", e.Stored.Action, e.Stored.Actor)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Publisher publishes verdict.updated events (stream and webhooks). The queue package's
// publisher implements it. published is false when the event was a known duplicate.
type Publisher interface {
	Publish(ctx context.Context, v *moderation.Verdict) (published bool, err error)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, v *moderation.Verdict) (bool, error)

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, v *moderation.Verdict) (bool, error) {
	return f(ctx, v)
}

// AllowLister adds a scoped allow entry (term × category × scene) to the runtime rules
// overlay when a moderator overturns a text hit.
type AllowLister interface {
	AddAllow(ctx context.Context, term, category string, scene moderation.Scene, actor string) error
}

// ImageBanker adds the images of a removed item to an image bank (for example "deny").
type ImageBanker interface {
	AddToBank(ctx context.Context, bank string, it *moderation.Item, v *moderation.Verdict, actor string) error
}

// VerdictLookup finds the current verdict (and, when known, the item) of content that is not
// in the review store, so that it can be appealed. The item may be nil.
type VerdictLookup interface {
	LookupVerdict(ctx context.Context, k moderation.Key) (*moderation.Verdict, *moderation.Item, error)
}

// Config configures a Store.
type Config struct {
	// Client is the Redis client. Required.
	Client redis.UniversalClient
	// Prefix starts every key. Empty means "trustd:review:". On Redis Cluster use a hash tag,
	// e.g. "{trustd:review}:", because the Lua scripts touch several keys of the store.
	Prefix string
	// Publisher publishes verdict.updated events. Nil means decisions are stored, audited and
	// kept in the outbox, but not published (FlushOutbox with a publisher later).
	Publisher Publisher
	// Allow receives allow entries when hits are overturned. Nil disables that feedback.
	Allow AllowLister
	// Banks receives images of removed items. Nil disables that feedback.
	Banks ImageBanker
	// Lookup finds verdicts of content not in the store, for appeals. Nil means only content
	// that was in review (or sampled) can be appealed.
	Lookup VerdictLookup
	// Sampler picks pass/limit/block verdicts for the audit_sample queue. Zero means none.
	Sampler Sampler
	// Route picks the queue and priority (0–99, higher first) of a review verdict. Nil means
	// DefaultRoute.
	Route func(v *moderation.Verdict) (queue string, priority int)
	// LeaseTTL is how long a claim lasts without a heartbeat. Zero means 5 minutes.
	LeaseTTL time.Duration
	// AuditMaxLen caps the audit stream (approximately). Zero means 10,000,000 entries.
	AuditMaxLen int64
	// Retention is how long a decided item stays in the store (for the author history, the
	// page and appeals without Lookup); the author and content indexes expire the same time
	// after their last write. Zero means 30 days. Pending items never expire.
	Retention time.Duration
	// AuthorHistory is how many recent items per author are remembered. Zero means 50.
	AuthorHistory int64
	// Now returns the current time; lease expiry is judged by it. Nil means time.Now. All API
	// processes must have roughly synchronised clocks.
	Now func() time.Time
	// Logger receives operational logs (ids and keys only). Nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the review metrics. Nil means they are not registered.
	Registerer prometheus.Registerer
}

// Store is the review store. It is safe for concurrent use, and any number of processes may
// share one Redis: every state change is a single Lua script.
type Store struct {
	cfg Config
	rdb redis.UniversalClient
	p   string
	m   *metrics
	log *slog.Logger
}

// NewStore validates cfg, fills defaults, registers metrics and returns a Store.
func NewStore(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: Config.Client is required", ErrInvalid)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "trustd:review:"
	}
	if cfg.Route == nil {
		cfg.Route = DefaultRoute
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 5 * time.Minute
	}
	if cfg.AuditMaxLen <= 0 {
		cfg.AuditMaxLen = 10_000_000
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.AuthorHistory <= 0 {
		cfg.AuthorHistory = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := cfg.Sampler.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, rdb: cfg.Client, p: cfg.Prefix, log: cfg.Logger}
	m, err := newMetrics(cfg.Registerer, s)
	if err != nil {
		return nil, err
	}
	s.m = m
	return s, nil
}

// LeaseTTL returns the configured lease duration.
func (s *Store) LeaseTTL() time.Duration { return s.cfg.LeaseTTL }

// DefaultRoute routes a verdict by its labels: profanity/abuse/hate/sexual first, then
// contacts and ads, fake products, duplicate images, and everything else to "other".
// Severe labels (hate, sexual, drugs, scam, gambling) raise the priority.
func DefaultRoute(v *moderation.Verdict) (string, int) {
	has := func(ls ...moderation.Label) bool {
		for _, l := range ls {
			if slices.Contains(v.Labels, l) {
				return true
			}
		}
		return false
	}
	prio := 50
	if has(moderation.LabelHate, moderation.LabelSexual, moderation.LabelDrugs, moderation.LabelScam, moderation.LabelGambling) {
		prio = 70
	}
	switch {
	case has(moderation.LabelProfanity, moderation.LabelAbuse, moderation.LabelHate, moderation.LabelSexual):
		return QueueProfanity, prio
	case has(moderation.LabelContact, moderation.LabelAd, moderation.LabelSpam, moderation.LabelAdLaw,
		moderation.LabelScam, moderation.LabelGambling, moderation.LabelDrugs):
		return QueueContact, prio
	case has(moderation.LabelFakeProduct):
		return QueueFakeProduct, prio
	case has(moderation.LabelDuplicateImage):
		return QueueDuplicateImage, prio
	}
	return QueueOther, prio
}

// Priorities of the queues that are not routed by label.
const (
	PriorityAppeal    = 80
	PriorityEscalated = 90
	PriorityAudit     = 10
)

// score orders a queue: higher priority first, then older first. Priorities are 0–99 and
// milliseconds since 1970 stay below 1e13 until the year 2286, so the sum is exact in a double.
func score(priority int, created time.Time) float64 {
	priority = max(0, min(99, priority))
	return float64(99-priority)*1e13 + float64(created.UnixMilli())
}

// Key is the review key of an item: "scene:id:revision", the same as moderation.Key.String.
func Key(k moderation.Key) string { return k.String() }

// ParseKey parses "scene:id:revision". The id may itself contain colons.
func ParseKey(s string) (moderation.Key, error) {
	i, j := strings.IndexByte(s, ':'), strings.LastIndexByte(s, ':')
	if i <= 0 || j <= i+1 || j == len(s)-1 {
		return moderation.Key{}, fmt.Errorf("%w: key %q is not scene:id:revision", ErrInvalid, truncate(s, 64))
	}
	rev, err := strconv.ParseInt(s[j+1:], 10, 64)
	if err != nil || rev < 1 {
		return moderation.Key{}, fmt.Errorf("%w: key %q has a bad revision", ErrInvalid, truncate(s, 64))
	}
	k := moderation.Key{Scene: moderation.Scene(s[:i]), ID: s[i+1 : j], Revision: rev}
	if !k.Scene.Valid() {
		return moderation.Key{}, fmt.Errorf("%w: key %q has an unknown scene", ErrInvalid, truncate(s, 64))
	}
	return k, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (s *Store) itemKey(key string) string    { return s.p + "item:" + key }
func (s *Store) queueKey(q string) string     { return s.p + "q:" + q }
func (s *Store) ageKey(q string) string       { return s.p + "age:" + q }
func (s *Store) authorKey(a string) string    { return s.p + "author:" + a }
func (s *Store) contentKey(id string) string  { return s.p + "content:" + id }
func (s *Store) leasesKey() string            { return s.p + "leases" }
func (s *Store) auditKey() string             { return s.p + "audit" }
func (s *Store) outboxKey() string            { return s.p + "outbox" }
func (s *Store) outboxDueKey() string         { return s.p + "outbox:due" }
func (s *Store) sessionKey(id string) string  { return s.p + "session:" + id }
func (s *Store) loginCodeKey(c string) string { return s.p + "login:" + c }

func ms(t time.Time) int64 { return t.UnixMilli() }

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Submit puts a verdict into review. Call it for every verdict the worker produces: review
// verdicts go to the queue their labels route to; pass, limit and block verdicts go to the
// audit_sample queue when the Sampler picks them and are otherwise ignored without touching
// Redis. It is idempotent per (scene, id, revision): a second call for the same revision
// changes nothing and returns nil.
func (s *Store) Submit(ctx context.Context, it *moderation.Item, v *moderation.Verdict) error {
	if v == nil {
		return fmt.Errorf("%w: nil verdict", ErrInvalid)
	}
	var queue string
	var prio int
	switch {
	case v.Decision == moderation.Review:
		queue, prio = s.cfg.Route(v)
		if !ValidQueue(queue) {
			return fmt.Errorf("%w: route returned unknown queue %q", ErrInvalid, queue)
		}
	case s.cfg.Sampler.Sample(v):
		queue, prio = QueueAuditSample, PriorityAudit
	default:
		return nil
	}
	return s.put(ctx, it, v, queue, prio, 0, false)
}

// put stores a new item record in queue unless the key is already stored.
func (s *Store) put(ctx context.Context, it *moderation.Item, v *moderation.Verdict, queue string, prio int, round int, appealed bool) error {
	if it == nil {
		it = &moderation.Item{ID: v.ContentID, Scene: v.Scene, Revision: v.Revision, AuthorID: v.AuthorID, Meta: v.Meta}
	}
	key := Key(v.Key())
	if _, err := ParseKey(key); err != nil {
		return err
	}
	itJSON, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("encode item %s: %w", key, err)
	}
	vJSON, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode verdict %s: %w", key, err)
	}
	now := s.cfg.Now()
	created := now
	if !it.SubmittedAt.IsZero() && it.SubmittedAt.Before(now) {
		created = it.SubmittedAt
	}
	appealedFlag := "0"
	if appealed {
		appealedFlag = "1"
	}
	res, err := submitScript.Run(ctx, s.rdb,
		[]string{s.itemKey(key), s.queueKey(queue), s.ageKey(queue), s.authorKey(v.AuthorID), s.contentKey(v.ContentID)},
		key, queue, prio, score(prio, created), ms(created), string(itJSON), string(vJSON), s.cfg.AuthorHistory,
		round, appealedFlag, s.cfg.Retention.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("submit %s: %w", key, err)
	}
	if res == 1 {
		s.log.DebugContext(ctx, "review_submitted", "key", key, "queue", queue, "priority", prio)
	}
	return nil
}

// Lease is a claim on an item: present Token to heartbeat, release or decide.
type Lease struct {
	Key   string    `json:"key"`
	Queue string    `json:"queue"`
	Token string    `json:"token"`
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

// Claim takes the next item of queue (highest priority, then oldest) for actor and returns
// its lease. Expired leases are first returned to their queues. It returns ErrQueueEmpty when
// there is nothing to claim.
func (s *Store) Claim(ctx context.Context, queue, actor string) (*Lease, error) {
	if !ValidQueue(queue) {
		return nil, fmt.Errorf("%w: unknown queue %q", ErrInvalid, truncate(queue, 32))
	}
	if actor == "" {
		return nil, fmt.Errorf("%w: actor required", ErrInvalid)
	}
	now := s.cfg.Now()
	until := now.Add(s.cfg.LeaseTTL)
	tok := newToken()
	res, err := claimScript.Run(ctx, s.rdb, []string{s.queueKey(queue), s.ageKey(queue), s.leasesKey()},
		s.p, ms(now), ms(until), tok, actor).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrQueueEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("claim from %s: %w", queue, err)
	}
	key, _ := res.(string)
	return &Lease{Key: key, Queue: queue, Token: tok, Owner: actor, Until: until.UTC()}, nil
}

// Heartbeat extends a lease by the lease TTL from now.
func (s *Store) Heartbeat(ctx context.Context, key, token string) (time.Time, error) {
	now := s.cfg.Now()
	until := now.Add(s.cfg.LeaseTTL)
	res, err := heartbeatScript.Run(ctx, s.rdb, []string{s.itemKey(key), s.leasesKey()}, key, token, ms(now), ms(until)).Text()
	if err != nil {
		return time.Time{}, fmt.Errorf("heartbeat %s: %w", key, err)
	}
	if err := leaseErr(res); err != nil {
		return time.Time{}, err
	}
	return until.UTC(), nil
}

// Release returns a claimed item to its queue, in its old place.
func (s *Store) Release(ctx context.Context, key, token string) error {
	res, err := releaseScript.Run(ctx, s.rdb, []string{s.itemKey(key), s.leasesKey()}, s.p, key, token, ms(s.cfg.Now())).Text()
	if err != nil {
		return fmt.Errorf("release %s: %w", key, err)
	}
	return leaseErr(res)
}

// Reap returns items whose lease expired to their queues and reports how many it returned.
// Claim and QueueStats reap too, so calling it is optional.
func (s *Store) Reap(ctx context.Context) (int, error) {
	n, err := reapScript.Run(ctx, s.rdb, []string{s.leasesKey()}, s.p, ms(s.cfg.Now()), 1000).Int()
	if err != nil {
		return 0, fmt.Errorf("reap leases: %w", err)
	}
	return n, nil
}

func leaseErr(res string) error {
	switch res {
	case "ok":
		return nil
	case "notfound":
		return ErrNotFound
	case "expired":
		return ErrLeaseExpired
	case "decided":
		return ErrConflict
	default:
		return ErrLeaseLost
	}
}

// QueueStat is the state of one queue.
type QueueStat struct {
	Queue     string        `json:"queue"`
	Pending   int64         `json:"pending"`
	OldestAge time.Duration `json:"-"`
	// OldestAgeSeconds is OldestAge in seconds (0 when the queue is empty).
	OldestAgeSeconds float64 `json:"oldest_age_seconds"`
}

// QueueStats returns the pending count and the age of the oldest pending item of every queue,
// after returning expired leases to their queues.
func (s *Store) QueueStats(ctx context.Context) ([]QueueStat, error) {
	if _, err := s.Reap(ctx); err != nil {
		return nil, err
	}
	pipe := s.rdb.Pipeline()
	cards := make([]*redis.IntCmd, len(Queues))
	oldest := make([]*redis.ZSliceCmd, len(Queues))
	for i, q := range Queues {
		cards[i] = pipe.ZCard(ctx, s.queueKey(q))
		oldest[i] = pipe.ZRangeWithScores(ctx, s.ageKey(q), 0, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("queue stats: %w", err)
	}
	now := s.cfg.Now()
	out := make([]QueueStat, len(Queues))
	for i, q := range Queues {
		st := QueueStat{Queue: q, Pending: cards[i].Val()}
		if z := oldest[i].Val(); len(z) > 0 {
			st.OldestAge = max(0, now.Sub(time.UnixMilli(int64(z[0].Score))))
			st.OldestAgeSeconds = st.OldestAge.Seconds()
		}
		out[i] = st
	}
	return out, nil
}

// DecisionRecord is a stored moderator decision.
type DecisionRecord struct {
	Action   Action              `json:"action"`
	Decision moderation.Decision `json:"decision,omitempty"` // the published decision (final actions)
	Queue    string              `json:"queue,omitempty"`    // the target queue (escalate, move)
	Actor    string              `json:"actor"`
	Note     string              `json:"note,omitempty"`
	At       time.Time           `json:"at"`
	EventID  string              `json:"event_id,omitempty"`
	Round    int                 `json:"round"`
}

// Entry is one item of the review store.
type Entry struct {
	Key        string              `json:"key"`
	Queue      string              `json:"queue"`
	Priority   int                 `json:"priority"`
	State      string              `json:"state"`
	CreatedAt  time.Time           `json:"created_at"`
	Round      int                 `json:"round"`
	Appealed   bool                `json:"appealed"`
	LeaseOwner string              `json:"lease_owner,omitempty"`
	LeaseUntil time.Time           `json:"lease_until,omitzero"`
	Item       *moderation.Item    `json:"item"`
	Verdict    *moderation.Verdict `json:"verdict"`
	Decision   *DecisionRecord     `json:"decision,omitempty"`
}

// Get returns the entry of key, or ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (*Entry, error) {
	h, err := s.rdb.HGetAll(ctx, s.itemKey(key)).Result()
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	if len(h) == 0 {
		return nil, ErrNotFound
	}
	return decodeEntry(key, h)
}

func decodeEntry(key string, h map[string]string) (*Entry, error) {
	e := &Entry{Key: key, Queue: h["queue"], State: h["state"], LeaseOwner: h["owner"], Appealed: h["appealed"] == "1"}
	e.Priority, _ = strconv.Atoi(h["priority"])
	e.Round, _ = strconv.Atoi(h["round"])
	if c, err := strconv.ParseInt(h["created"], 10, 64); err == nil {
		e.CreatedAt = time.UnixMilli(c).UTC()
	}
	if e.State == StateClaimed {
		if u, err := strconv.ParseInt(h["until"], 10, 64); err == nil {
			e.LeaseUntil = time.UnixMilli(u).UTC()
		}
	}
	e.Item = new(moderation.Item)
	if err := json.Unmarshal([]byte(h["item"]), e.Item); err != nil {
		return nil, fmt.Errorf("decode item of %s: %w", key, err)
	}
	e.Verdict = new(moderation.Verdict)
	if err := json.Unmarshal([]byte(h["verdict"]), e.Verdict); err != nil {
		return nil, fmt.Errorf("decode verdict of %s: %w", key, err)
	}
	if d := h["decision"]; d != "" {
		e.Decision = new(DecisionRecord)
		if err := json.Unmarshal([]byte(d), e.Decision); err != nil {
			return nil, fmt.Errorf("decode decision of %s: %w", key, err)
		}
	}
	return e, nil
}

// AuthorRecent returns up to n recent entries of an author, newest first, without exclude.
func (s *Store) AuthorRecent(ctx context.Context, author, exclude string, n int) ([]*Entry, error) {
	keys, err := s.rdb.ZRevRange(ctx, s.authorKey(author), 0, int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("author history: %w", err)
	}
	var out []*Entry
	for _, k := range keys {
		if k == exclude || len(out) == n {
			continue
		}
		e, err := s.Get(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ContentEntry returns the newest stored entry of a content id (any scene), or ErrNotFound.
func (s *Store) ContentEntry(ctx context.Context, contentID string) (*Entry, error) {
	key, err := s.rdb.Get(ctx, s.contentKey(contentID)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("content %s: %w", truncate(contentID, 64), err)
	}
	return s.Get(ctx, key)
}
