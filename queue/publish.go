package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// ErrNotFound is returned by lookups for an item that has no verdict (or whose verdict has
// aged out of VerdictTTL).
var ErrNotFound = errors.New("not found")

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Redis is the client. Required.
	Redis redis.UniversalClient
	// Stream is the verdict stream key. Zero means DefaultStream.
	Stream string
	// MaxLen caps the stream approximately (XADD MAXLEN ~). Zero means 1,000,000 entries;
	// consumers that fall further behind than that lose the oldest events.
	MaxLen int64
	// KeyPrefix prefixes trustd's own keys. Zero means DefaultKeyPrefix.
	KeyPrefix string
	// DedupWindow is how long an item revision is remembered as published: within it a
	// resubmission is a duplicate and a re-run task publishes nothing. Zero means 24 h. Each
	// remembered revision costs about 100 bytes of Redis memory.
	DedupWindow time.Duration
	// VerdictTTL is how long the latest verdict of an item stays available to
	// GET /v1/items/{scene}/{id}/verdict. Zero means 24 h.
	VerdictTTL time.Duration
	// Webhooks, when set, receives every event before it is appended to the stream (see
	// Publish). Nil means no webhooks.
	Webhooks *Webhooks
	// MaxBatch caps how many concurrent Publish calls share one pipelined round trip to
	// Redis. Zero means 64; 1 turns batching off.
	MaxBatch int
}

// Publisher appends verdict events to the Redis Stream and keeps the latest verdict of each
// item for lookups. It is safe for concurrent use.
type Publisher struct {
	rdb   redis.UniversalClient
	cfg   PublisherConfig
	keys  keys
	batch *groupCommit
}

// NewPublisher validates cfg and fills defaults.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.Redis == nil {
		return nil, errors.New("queue: publisher needs a Redis client")
	}
	if cfg.Stream == "" {
		cfg.Stream = DefaultStream
	}
	if cfg.MaxLen == 0 {
		cfg.MaxLen = 1_000_000
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = 24 * time.Hour
	}
	if cfg.VerdictTTL == 0 {
		cfg.VerdictTTL = 24 * time.Hour
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 64
	}
	return &Publisher{rdb: cfg.Redis, cfg: cfg, keys: newKeys(cfg.Redis, cfg.KeyPrefix, cfg.Stream),
		batch: newGroupCommit(cfg.Redis, cfg.MaxBatch)}, nil
}

// Stream returns the stream key verdicts are published to.
func (p *Publisher) Stream() string { return p.cfg.Stream }

// publishScript appends one verdict event atomically.
//
// KEYS[1] published marker (verdict.created only), KEYS[2] stream, KEYS[3] latest verdict.
// ARGV: 1 verdict JSON, 2 event id, 3 is-created ("1"/"0"), 4 dedup window ms,
// 5 stream maxlen, 6 revision, 7 verdict ttl ms.
//
// For verdict.created the marker is set NX first: if it already exists the event was
// published before (a retried or re-delivered task) and nothing is written. The latest
// verdict is replaced only by a revision at least as new as the stored one.
var publishScript = redis.NewScript(`
if ARGV[3] == "1" then
  if not redis.call("SET", KEYS[1], ARGV[2], "NX", "PX", ARGV[4]) then
    return 0
  end
end
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[5], "*", "verdict", ARGV[1], "event_id", ARGV[2])
local cur = redis.call("HGET", KEYS[3], "rev")
if (not cur) or tonumber(ARGV[6]) >= tonumber(cur) then
  redis.call("HSET", KEYS[3], "rev", ARGV[6], "verdict", ARGV[1])
  redis.call("PEXPIRE", KEYS[3], ARGV[7])
end
return 1
`)

// Publish appends v to the verdict stream. For a verdict.created event it is idempotent per
// item revision: it returns false, and writes nothing, when that revision's verdict.created
// event was already published within DedupWindow. verdict.updated events are always appended.
//
// Concurrent calls share pipelined round trips (see MaxBatch); each still runs the script
// atomically on its own.
//
// With Webhooks set, the event's delivery tasks are enqueued first (idempotently, keyed by
// subscription and event_id), then the stream entry is written: a crash or error between the
// two is retried by the caller and can duplicate a delivery (receivers deduplicate on
// webhook-id) but never lose one.
func (p *Publisher) Publish(ctx context.Context, v *moderation.Verdict) (bool, error) {
	body, err := v.AppendJSON(make([]byte, 0, 1024)) // json.Marshal's bytes, without its reflection
	if err != nil {
		return false, fmt.Errorf("encode verdict %s: %w", v.Key(), err)
	}
	created := "0"
	if v.EventType == moderation.EventCreated {
		created = "1"
	}
	if err := p.cfg.Webhooks.Fanout(ctx, v, body); err != nil {
		return false, fmt.Errorf("publish verdict %s: %w", v.Key(), err)
	}
	k := []string{p.keys.published(v.Key()), p.cfg.Stream, p.keys.latest(v.Scene, v.ContentID)}
	n, err := p.batch.runScript(ctx, publishScript, k,
		body, v.EventID, created, p.cfg.DedupWindow.Milliseconds(), p.cfg.MaxLen,
		strconv.FormatInt(v.Revision, 10), p.cfg.VerdictTTL.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("publish verdict %s: %w", v.Key(), err)
	}
	return n == 1, nil
}

// Published reports whether the verdict.created event of k was published within the dedup
// window.
func (p *Publisher) Published(ctx context.Context, k moderation.Key) (bool, error) {
	n, err := p.rdb.Exists(ctx, p.keys.published(k)).Result()
	if err != nil {
		return false, fmt.Errorf("check published %s: %w", k, err)
	}
	return n == 1, nil
}

// Latest returns the newest verdict of an item (the highest revision seen, updated by
// moderator decisions), or ErrNotFound.
func (p *Publisher) Latest(ctx context.Context, scene moderation.Scene, id string) (*moderation.Verdict, error) {
	body, err := p.rdb.HGet(ctx, p.keys.latest(scene, id), "verdict").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get verdict %s:%s: %w", scene, id, err)
	}
	var v moderation.Verdict
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("decode stored verdict %s:%s: %w", scene, id, err)
	}
	return &v, nil
}
