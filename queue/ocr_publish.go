package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// ocrPublished marks that the OCR verdict.updated of an item revision was published; its
// value is the published verdict, for re-sending webhooks after a crash.
func (k keys) ocrPublished(key moderation.Key) string { return k.prefix + "pub:ocr:" + key.String() }

// latestRaw returns the latest verdict of an item as stored and decoded, or ErrNotFound.
func (p *Publisher) latestRaw(ctx context.Context, scene moderation.Scene, id string) (*moderation.Verdict, string, error) {
	body, err := p.rdb.HGet(ctx, p.keys.latest(scene, id), "verdict").Result()
	if errors.Is(err, redis.Nil) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("get verdict %s:%s: %w", scene, id, err)
	}
	var v moderation.Verdict
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return nil, "", fmt.Errorf("decode stored verdict %s:%s: %w", scene, id, err)
	}
	return &v, body, nil
}

// ocrPublishScript publishes the OCR verdict.updated of an item revision once, and only if
// the latest verdict is still the one it re-decided.
//
// KEYS[1] OCR marker, KEYS[2] stream, KEYS[3] latest verdict.
// ARGV: 1 verdict JSON, 2 event id, 3 dedup window ms, 4 stream maxlen, 5 verdict ttl ms,
// 6 the latest verdict JSON the update was computed from.
//
// Replies {"published", body}, {"done", body of the earlier publication} or {"changed", ""}
// when the latest verdict changed meanwhile (a moderator decided): nothing is written.
var ocrPublishScript = redis.NewScript(`
local done = redis.call("GET", KEYS[1])
if done then
  return {"done", done}
end
if redis.call("HGET", KEYS[3], "verdict") ~= ARGV[6] then
  return {"changed", ""}
end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[3])
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[4], "*", "verdict", ARGV[1], "event_id", ARGV[2])
redis.call("HSET", KEYS[3], "verdict", ARGV[1])
redis.call("PEXPIRE", KEYS[3], ARGV[5])
return {"published", ARGV[1]}
`)

// ErrVerdictChanged is returned by PublishOCRUpdate when the latest verdict is no longer the
// one the update was computed from (a moderator decided meanwhile): nothing was published.
var ErrVerdictChanged = errors.New("latest verdict changed")

// PublishOCRUpdate publishes v, the verdict.updated that the text inside an item's images
// causes (moderation.RedecideImageText), computed from base, the latest verdict as stored
// (latestRaw). One Lua script checks that base is still the latest verdict, sets a marker
// (kept DedupWindow), appends v to the stream and makes it the latest verdict, so a retried
// task publishes it once and a moderator's decision is never overwritten
// (ErrVerdictChanged). Webhooks are enqueued after the script, idempotently by event id, also
// when the marker shows an earlier attempt published: a crash between the two re-sends
// rather than loses them.
func (p *Publisher) PublishOCRUpdate(ctx context.Context, v *moderation.Verdict, base string) (bool, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("encode verdict %s: %w", v.Key(), err)
	}
	k := []string{p.keys.ocrPublished(v.Key()), p.cfg.Stream, p.keys.latest(v.Scene, v.ContentID)}
	res, err := ocrPublishScript.Run(ctx, p.rdb, k, body, v.EventID, p.cfg.DedupWindow.Milliseconds(),
		p.cfg.MaxLen, p.cfg.VerdictTTL.Milliseconds(), base).StringSlice()
	if err != nil {
		return false, fmt.Errorf("publish ocr verdict %s: %w", v.Key(), err)
	}
	switch res[0] {
	case "changed":
		return false, ErrVerdictChanged
	case "done":
		return false, p.resendOCRUpdate(ctx, v.Key())
	}
	if err := p.cfg.Webhooks.Fanout(ctx, v, body); err != nil {
		return false, fmt.Errorf("publish ocr verdict %s: %w", v.Key(), err)
	}
	return true, nil
}

// resendOCRUpdate enqueues the webhooks of the OCR verdict.updated of k again (idempotently by
// event id), for a task retried after it published: the crash may have come before them.
func (p *Publisher) resendOCRUpdate(ctx context.Context, k moderation.Key) error {
	body, err := p.rdb.Get(ctx, p.keys.ocrPublished(k)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil // past the dedup window: long delivered
	}
	if err != nil {
		return fmt.Errorf("resend ocr verdict %s: %w", k, err)
	}
	var v moderation.Verdict
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("decode published ocr verdict %s: %w", k, err)
	}
	return p.cfg.Webhooks.Fanout(ctx, &v, body)
}
