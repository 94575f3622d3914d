package review

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// AllowEntry names an overturned hit (term × category) to add to the allow overlay.
type AllowEntry struct {
	Term     string `json:"term"`
	Category string `json:"category"`
}

// DecideRequest is one moderator decision on a claimed item.
type DecideRequest struct {
	Key    string // review key, "scene:id:revision"
	Token  string // the lease token from Claim
	Actor  string // the moderator's id; the verdict says decided_by "moderator:<Actor>"
	Action Action
	Queue  string // target queue of ActionMove
	Note   string // free text for the audit log
	// Allow lists hits of the verdict to allow from now on (scoped to the item's scene). Only
	// with ActionApprove and only terms the verdict actually hit. Needs Config.Allow.
	Allow []AllowEntry
	// Bank, with ActionRemove, adds the item's images to this bank. Needs Config.Banks.
	Bank string
}

// AuditState is the before or after of an audit entry.
type AuditState struct {
	Decision moderation.Decision `json:"decision,omitempty"`
	Queue    string              `json:"queue,omitempty"`
}

// AuditEntry is one line of the audit log: who did what, when, before and after.
type AuditEntry struct {
	ID      string       `json:"id,omitempty"` // the stream entry id
	At      time.Time    `json:"at"`
	Actor   string       `json:"actor"`
	Action  string       `json:"action"`
	Key     string       `json:"key"`
	Round   int          `json:"round"`
	Before  AuditState   `json:"before"`
	After   AuditState   `json:"after"`
	Note    string       `json:"note,omitempty"`
	EventID string       `json:"event_id,omitempty"`
	Bulk    bool         `json:"bulk,omitempty"`
	Allow   []AllowEntry `json:"allow,omitempty"`
	Bank    string       `json:"bank,omitempty"`
}

// DecidedBy returns the verdict's decided_by for a moderator id.
func DecidedBy(actor string) string { return "moderator:" + actor }

// Decide applies a decision to an item claimed with req.Token. Final actions store the
// decision, append the audit entry and the verdict.updated event (to an outbox) in one Lua
// script, then publish the event; a failed publish stays in the outbox for FlushOutbox.
// A second decision returns a *ConflictError carrying the stored decision.
func (s *Store) Decide(ctx context.Context, req DecideRequest) (*DecisionRecord, error) {
	if req.Token == "" {
		return nil, fmt.Errorf("%w: lease token required", ErrInvalid)
	}
	return s.decide(ctx, req, false)
}

func (s *Store) decide(ctx context.Context, req DecideRequest, bulk bool) (*DecisionRecord, error) {
	if req.Actor == "" {
		return nil, fmt.Errorf("%w: actor required", ErrInvalid)
	}
	if !req.Action.Valid() {
		return nil, fmt.Errorf("%w: unknown action %q", ErrInvalid, truncate(string(req.Action), 32))
	}
	if req.Action == ActionMove && !ValidQueue(req.Queue) {
		return nil, fmt.Errorf("%w: move needs a known target queue", ErrInvalid)
	}
	if len(req.Allow) > 0 && req.Action != ActionApprove {
		return nil, fmt.Errorf("%w: allow entries only with approve", ErrInvalid)
	}
	if req.Bank != "" && req.Action != ActionRemove {
		return nil, fmt.Errorf("%w: bank only with remove", ErrInvalid)
	}
	if len(req.Note) > 2000 {
		return nil, fmt.Errorf("%w: note longer than 2000 bytes", ErrInvalid)
	}
	e, err := s.Get(ctx, req.Key)
	if err != nil {
		return nil, err
	}
	if e.State == StateDecided && e.Decision != nil {
		return nil, &ConflictError{Stored: e.Decision}
	}
	for _, a := range req.Allow {
		if !slices.ContainsFunc(e.Verdict.Hits, func(h moderation.Hit) bool { return h.Term == a.Term && h.Category == a.Category }) {
			return nil, fmt.Errorf("%w: allow entry is not a hit of this verdict", ErrInvalid)
		}
	}
	if req.Action == ActionUphold && !e.Appealed {
		return nil, fmt.Errorf("%w: uphold is only for appeals", ErrInvalid)
	}

	now := s.cfg.Now().UTC()
	before := AuditState{Decision: e.Verdict.Decision, Queue: e.Queue}
	if e.Decision != nil && e.Decision.Decision != "" {
		before.Decision = e.Decision.Decision
	}
	rec := &DecisionRecord{Action: req.Action, Actor: req.Actor, Note: req.Note, At: now, Round: e.Round}
	after := AuditState{Queue: e.Queue, Decision: before.Decision}
	var updated *moderation.Verdict
	newQueue, newPrio := "", e.Priority
	switch req.Action {
	case ActionEscalate:
		newQueue, newPrio = QueueEscalated, max(e.Priority, PriorityEscalated)
		rec.Queue, after.Queue = newQueue, newQueue
	case ActionMove:
		newQueue = req.Queue
		rec.Queue, after.Queue = newQueue, newQueue
	default:
		d := req.Action.decision()
		if req.Action == ActionUphold {
			d = before.Decision
		}
		rec.Decision, after.Decision = d, d
		rec.EventID = moderation.NewEventID()
		v := *e.Verdict
		v.EventID = rec.EventID
		v.EventType = moderation.EventUpdated
		v.Decision = d
		v.DecidedBy = DecidedBy(req.Actor)
		v.DecidedAt = now
		v.Reasons = append(slices.Clip(v.Reasons), fmt.Sprintf("review: %s by %s", req.Action, v.DecidedBy))
		updated = &v
	}
	recJSON, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode decision: %w", err)
	}
	audit := AuditEntry{At: now, Actor: req.Actor, Action: string(req.Action), Key: req.Key, Round: e.Round,
		Before: before, After: after, Note: req.Note, EventID: rec.EventID, Bulk: bulk, Allow: req.Allow, Bank: req.Bank}
	auditJSON, err := json.Marshal(audit)
	if err != nil {
		return nil, fmt.Errorf("encode audit: %w", err)
	}
	var vJSON []byte
	if updated != nil {
		if vJSON, err = json.Marshal(updated); err != nil {
			return nil, fmt.Errorf("encode verdict: %w", err)
		}
	}
	mode := "lease"
	if bulk {
		mode = "bulk"
	}
	res, err := decideScript.Run(ctx, s.rdb,
		[]string{s.itemKey(req.Key), s.leasesKey(), s.auditKey(), s.outboxKey(), s.outboxDueKey()},
		s.p, req.Key, mode, req.Token, ms(now), strconv.Itoa(e.Round), string(recJSON), string(auditJSON),
		rec.EventID, string(vJSON), newQueue, newPrio, s.cfg.AuditMaxLen, s.cfg.Retention.Milliseconds()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("decide %s: %w", req.Key, err)
	}
	switch res[0] {
	case "ok":
	case "decided":
		stored := new(DecisionRecord)
		if err := json.Unmarshal([]byte(res[1]), stored); err != nil {
			return nil, fmt.Errorf("decode stored decision of %s: %w", req.Key, err)
		}
		return nil, &ConflictError{Stored: stored}
	case "claimed":
		return nil, ErrClaimed
	default:
		return nil, leaseErr(res[0])
	}

	s.m.decided(e.Queue, req.Action, now.Sub(e.CreatedAt))
	s.log.InfoContext(ctx, "review_decided", "key", req.Key, "queue", e.Queue, "action", string(req.Action),
		"actor", req.Actor, "event_id", rec.EventID, "bulk", bulk)
	if updated != nil {
		s.publish(ctx, rec.EventID, updated)
	}
	if req.Action == ActionApprove && before.Decision != moderation.Pass {
		seen := map[[2]string]bool{}
		for _, h := range e.Verdict.Hits {
			k := [2]string{h.Dictionary, h.Category}
			if !seen[k] {
				seen[k] = true
				s.m.overturned(h.Dictionary, h.Category)
			}
		}
	}
	if len(req.Allow) > 0 {
		if s.cfg.Allow == nil {
			s.log.WarnContext(ctx, "review_allow_disabled", "key", req.Key)
		}
		for _, a := range req.Allow {
			if s.cfg.Allow == nil {
				break
			}
			if err := s.cfg.Allow.AddAllow(ctx, a.Term, a.Category, e.Verdict.Scene, DecidedBy(req.Actor)); err != nil {
				s.log.WarnContext(ctx, "review_allow_error", "key", req.Key, "category", a.Category, "err", err)
			}
		}
	}
	if req.Bank != "" {
		if s.cfg.Banks == nil {
			s.log.WarnContext(ctx, "review_bank_disabled", "key", req.Key)
		} else if err := s.cfg.Banks.AddToBank(ctx, req.Bank, e.Item, e.Verdict, DecidedBy(req.Actor)); err != nil {
			s.log.WarnContext(ctx, "review_bank_error", "key", req.Key, "bank", req.Bank, "err", err)
		}
	}
	return rec, nil
}

// publish publishes an outbox event and removes it from the outbox on success.
func (s *Store) publish(ctx context.Context, eventID string, v *moderation.Verdict) {
	if s.cfg.Publisher == nil {
		return
	}
	if _, err := s.cfg.Publisher.Publish(ctx, v); err != nil {
		s.log.WarnContext(ctx, "review_publish_error", "event_id", eventID, "err", err)
		return
	}
	pipe := s.rdb.TxPipeline()
	pipe.HDel(ctx, s.outboxKey(), eventID)
	pipe.ZRem(ctx, s.outboxDueKey(), eventID)
	if _, err := pipe.Exec(ctx); err != nil {
		s.log.WarnContext(ctx, "review_outbox_error", "event_id", eventID, "err", err)
	}
}

// FlushOutbox publishes verdict.updated events that were stored at least olderThan ago but
// not yet published (the publisher failed or the process died). Delivery is at least once:
// consumers deduplicate on event_id. It returns how many events it published.
func (s *Store) FlushOutbox(ctx context.Context, olderThan time.Duration) (int, error) {
	if s.cfg.Publisher == nil {
		return 0, nil
	}
	cutoff := ms(s.cfg.Now().Add(-olderThan))
	ids, err := s.rdb.ZRangeByScore(ctx, s.outboxDueKey(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(cutoff, 10), Count: 500}).Result()
	if err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	n := 0
	for _, id := range ids {
		raw, err := s.rdb.HGet(ctx, s.outboxKey(), id).Result()
		if errors.Is(err, redis.Nil) {
			s.rdb.ZRem(ctx, s.outboxDueKey(), id)
			continue
		}
		if err != nil {
			return n, fmt.Errorf("outbox %s: %w", id, err)
		}
		v := new(moderation.Verdict)
		if err := json.Unmarshal([]byte(raw), v); err != nil {
			return n, fmt.Errorf("outbox %s: %w", id, err)
		}
		if _, err := s.cfg.Publisher.Publish(ctx, v); err != nil {
			return n, fmt.Errorf("outbox publish %s: %w", id, err)
		}
		s.rdb.HDel(ctx, s.outboxKey(), id)
		s.rdb.ZRem(ctx, s.outboxDueKey(), id)
		n++
	}
	return n, nil
}

// Run reaps expired leases and flushes the outbox every interval until ctx is done. One
// goroutine per process is enough; it is optional because Claim reaps and decisions publish.
func (s *Store) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := s.Reap(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "review_reap_error", "err", err)
		}
		if _, err := s.FlushOutbox(ctx, interval); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "review_outbox_error", "err", err)
		}
	}
}

// MaxBulk is the most ids one bulk decision may name.
const MaxBulk = 1000

// BulkRequest decides many pending items at once, without claiming them.
type BulkRequest struct {
	Keys   []string
	Actor  string
	Action Action // approve, limit, remove, escalate or move
	Queue  string // for move
	Reason string // required; recorded as the note of every audit entry
}

// BulkResult is the outcome for one key of a bulk request.
type BulkResult struct {
	Key      string          `json:"key"`
	OK       bool            `json:"ok"`
	Error    string          `json:"error,omitempty"` // an error code as in the HTTP API
	Decision *DecisionRecord `json:"decision,omitempty"`
}

// Bulk applies one decision to up to MaxBulk items. Items claimed by someone (with a live
// lease) or already decided are skipped and reported; the others are decided exactly as by
// Decide, each with its own audit entry and verdict.updated event.
func (s *Store) Bulk(ctx context.Context, req BulkRequest) ([]BulkResult, error) {
	if strings.TrimSpace(req.Reason) == "" {
		return nil, fmt.Errorf("%w: bulk decisions need a reason", ErrInvalid)
	}
	if len(req.Keys) == 0 || len(req.Keys) > MaxBulk {
		return nil, fmt.Errorf("%w: bulk decisions take 1 to %d ids, got %d", ErrInvalid, MaxBulk, len(req.Keys))
	}
	if req.Action == ActionUphold {
		return nil, fmt.Errorf("%w: uphold is not a bulk action", ErrInvalid)
	}
	out := make([]BulkResult, 0, len(req.Keys))
	seen := make(map[string]bool, len(req.Keys))
	for _, k := range req.Keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		r := BulkResult{Key: k}
		rec, err := s.decide(ctx, DecideRequest{Key: k, Actor: req.Actor, Action: req.Action, Queue: req.Queue, Note: req.Reason}, true)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			r.Error, _ = errorCode(err)
			if ce := (*ConflictError)(nil); errors.As(err, &ce) {
				r.Decision = ce.Stored
			}
		} else {
			r.OK, r.Decision = true, rec
		}
		out = append(out, r)
	}
	return out, nil
}

// AppealRequest appeals the current decision of an item revision.
type AppealRequest struct {
	Key    moderation.Key
	Actor  string // who filed it, e.g. "service:app" (the platform, on the author's behalf)
	Reason string
}

// Appeal puts a decided item into the appeals queue (once per item). Content not in the
// store is looked up with Config.Lookup. It returns ErrAppealOpen when the item is still
// under review or was already appealed, ErrNotFound when the content is unknown.
func (s *Store) Appeal(ctx context.Context, req AppealRequest) (string, error) {
	key := Key(req.Key)
	if _, err := ParseKey(key); err != nil {
		return "", err
	}
	if req.Actor == "" {
		return "", fmt.Errorf("%w: actor required", ErrInvalid)
	}
	if len(req.Reason) > 2000 {
		return "", fmt.Errorf("%w: reason longer than 2000 bytes", ErrInvalid)
	}
	now := s.cfg.Now().UTC()
	e, err := s.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		if s.cfg.Lookup == nil {
			return "", ErrNotFound
		}
		v, it, lerr := s.cfg.Lookup.LookupVerdict(ctx, req.Key)
		if lerr != nil {
			return "", fmt.Errorf("appeal %s: %w", key, lerr)
		}
		if v == nil {
			return "", ErrNotFound
		}
		if v.Decision == moderation.Review {
			return "", ErrAppealOpen
		}
		if err := s.put(ctx, it, v, QueueAppeals, PriorityAppeal, 1, true); err != nil {
			return "", err
		}
		s.appendAudit(ctx, AuditEntry{At: now, Actor: req.Actor, Action: "appeal", Key: key, Round: 1,
			Before: AuditState{Decision: v.Decision}, After: AuditState{Decision: v.Decision, Queue: QueueAppeals}, Note: req.Reason})
		return key, nil
	}
	if err != nil {
		return "", err
	}
	cur := e.Verdict.Decision
	if e.Decision != nil && e.Decision.Decision != "" {
		cur = e.Decision.Decision
	}
	aj, err := json.Marshal(AuditEntry{At: now, Actor: req.Actor, Action: "appeal", Key: key, Round: e.Round + 1,
		Before: AuditState{Decision: cur, Queue: e.Queue}, After: AuditState{Decision: cur, Queue: QueueAppeals}, Note: req.Reason})
	if err != nil {
		return "", fmt.Errorf("encode audit: %w", err)
	}
	res, err := appealScript.Run(ctx, s.rdb, []string{s.itemKey(key), s.auditKey()},
		s.p, key, ms(now), PriorityAppeal, string(aj), s.cfg.AuditMaxLen).Slice()
	if err != nil {
		return "", fmt.Errorf("appeal %s: %w", key, err)
	}
	switch res[0] {
	case "ok":
		return key, nil
	case "notfound":
		return "", ErrNotFound
	default:
		return "", ErrAppealOpen
	}
}

func (s *Store) appendAudit(ctx context.Context, a AuditEntry) {
	b, err := json.Marshal(a)
	if err == nil {
		err = s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.auditKey(), MaxLen: s.cfg.AuditMaxLen, Approx: true,
			Values: []any{"entry", string(b)}}).Err()
	}
	if err != nil {
		s.log.WarnContext(ctx, "review_audit_error", "key", a.Key, "err", err)
	}
}

// Audit returns up to n audit entries starting at stream id from ("-" for the beginning).
func (s *Store) Audit(ctx context.Context, from string, n int64) ([]AuditEntry, error) {
	if from == "" {
		from = "-"
	}
	msgs, err := s.rdb.XRangeN(ctx, s.auditKey(), from, "+", n).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		var a AuditEntry
		raw, _ := m.Values["entry"].(string)
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			return nil, fmt.Errorf("decode audit %s: %w", m.ID, err)
		}
		a.ID = m.ID
		out = append(out, a)
	}
	return out, nil
}

// ExportAudit writes the audit log between from and to (zero means unbounded) as NDJSON,
// oldest first, and returns the number of lines written.
func (s *Store) ExportAudit(ctx context.Context, w io.Writer, from, to time.Time) (int, error) {
	start, end := "-", "+"
	if !from.IsZero() {
		start = strconv.FormatInt(from.UnixMilli(), 10)
	}
	if !to.IsZero() {
		end = strconv.FormatInt(to.UnixMilli(), 10)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	for {
		msgs, err := s.rdb.XRangeN(ctx, s.auditKey(), start, end, 500).Result()
		if err != nil {
			return n, fmt.Errorf("export audit: %w", err)
		}
		for _, m := range msgs {
			var a AuditEntry
			raw, _ := m.Values["entry"].(string)
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				return n, fmt.Errorf("decode audit %s: %w", m.ID, err)
			}
			a.ID = m.ID
			if err := enc.Encode(a); err != nil {
				return n, fmt.Errorf("export audit: %w", err)
			}
			n++
		}
		if len(msgs) < 500 {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export audit: %w", err)
	}
	return n, nil
}
