package trust

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
)

// DefaultAuditStream is the review store's audit stream with its default prefix.
const DefaultAuditStream = "trustd:review:audit"

// AuditConfig configures Audit.
type AuditConfig struct {
	Options
	// Stream is the review store's audit stream. Empty means DefaultAuditStream.
	Stream string
	// Group is the consumer group; every process of a deployment joins it, so each decision
	// is counted by exactly one of them. Empty means "trustd-audit-agreement".
	Group string
	// Consumer names this process in the group. Empty means a random name.
	Consumer string
	// Batch is the most entries read per round. Zero means 100.
	Batch int64
	// Block is how long Run waits for new entries per round. Zero means 5 s.
	Block time.Duration
	// ClaimIdle is how long an entry read by a consumer that went away stays pending before
	// another consumer takes it over. Zero means 1 minute.
	ClaimIdle time.Duration
}

// Audit measures the moderators' agreement with sampled automatic decisions. The review store
// samples automatic pass, limit and block verdicts into the audit_sample queue (review.Sampler)
// and appends every moderator decision to its audit stream; Audit reads that stream through a
// consumer group and counts, for each decided audit_sample item, the automatic decision and the
// moderator's (trustd_audit_agreements_total{decision,outcome}). Estimate turns the counts and
// the verdict totals into agreement, precision and recall estimates; doc.go has the PromQL.
type Audit struct {
	cfg        AuditConfig
	agreements *prometheus.CounterVec
}

// auditDecisions is the closed label set of both labels.
var auditDecisions = []moderation.Decision{moderation.Pass, moderation.Limit, moderation.Block}

// NewAudit validates cfg, fills defaults and registers trustd_audit_agreements_total.
func NewAudit(cfg AuditConfig) (*Audit, error) {
	if err := cfg.fill("audit"); err != nil {
		return nil, err
	}
	cfg.Stream = cmp.Or(cfg.Stream, DefaultAuditStream)
	cfg.Group = cmp.Or(cfg.Group, "trustd-audit-agreement")
	if cfg.Consumer == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		cfg.Consumer = "c-" + hex.EncodeToString(b[:])
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Block <= 0 {
		cfg.Block = 5 * time.Second
	}
	if cfg.ClaimIdle <= 0 {
		cfg.ClaimIdle = time.Minute
	}
	a := &Audit{cfg: cfg, agreements: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "trustd_audit_agreements_total",
		Help: "Moderator decisions on audit_sample items: decision is the automatic decision, outcome the moderator's.",
	}, []string{"decision", "outcome"})}
	for _, d := range auditDecisions {
		for _, o := range auditDecisions {
			a.agreements.WithLabelValues(string(d), string(o))
		}
	}
	if err := register(cfg.Registerer, a.agreements); err != nil {
		return nil, err
	}
	return a, nil
}

// Observe counts one audit entry if it is a final decision on an audit_sample item, and
// reports whether it did.
func (a *Audit) Observe(e review.AuditEntry) bool {
	if e.Before.Queue != review.QueueAuditSample || !review.Action(e.Action).Final() {
		return false
	}
	d, o := e.Before.Decision, e.After.Decision
	if !isAuditDecision(d) || !isAuditDecision(o) {
		return false
	}
	a.agreements.WithLabelValues(string(d), string(o)).Inc()
	return true
}

func isAuditDecision(d moderation.Decision) bool {
	return d == moderation.Pass || d == moderation.Limit || d == moderation.Block
}

// Poll reads one batch of new (or abandoned) audit entries, counts them and acknowledges
// them. It waits up to block for new entries (negative: not at all) and returns how many
// entries it counted.
func (a *Audit) Poll(ctx context.Context, block time.Duration) (int, error) {
	rdb := a.cfg.Redis
	err := rdb.XGroupCreateMkStream(ctx, a.cfg.Stream, a.cfg.Group, "$").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return 0, fmt.Errorf("audit group: %w", err)
	}
	msgs, _, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: a.cfg.Stream, Group: a.cfg.Group,
		Consumer: a.cfg.Consumer, MinIdle: a.cfg.ClaimIdle, Start: "0-0", Count: a.cfg.Batch}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("audit claim: %w", err)
	}
	if len(msgs) == 0 {
		args := &redis.XReadGroupArgs{Group: a.cfg.Group, Consumer: a.cfg.Consumer,
			Streams: []string{a.cfg.Stream, ">"}, Count: a.cfg.Batch, Block: block}
		if block < 0 {
			args.Block = -1
		}
		res, err := rdb.XReadGroup(ctx, args).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, fmt.Errorf("audit read: %w", err)
		}
		for _, s := range res {
			msgs = append(msgs, s.Messages...)
		}
	}
	n := 0
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		ids = append(ids, m.ID)
		raw, _ := m.Values["entry"].(string)
		var e review.AuditEntry
		if json.Unmarshal([]byte(raw), &e) != nil {
			continue
		}
		if a.Observe(e) {
			n++
		}
	}
	if len(ids) > 0 {
		if err := rdb.XAck(ctx, a.cfg.Stream, a.cfg.Group, ids...).Err(); err != nil {
			return n, fmt.Errorf("audit ack: %w", err)
		}
	}
	return n, nil
}

// Run polls until ctx ends; Redis errors are logged and retried after Block.
func (a *Audit) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if _, err := a.Poll(ctx, a.cfg.Block); err != nil && ctx.Err() == nil {
			a.cfg.Logger.WarnContext(ctx, "audit_poll_error", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(a.cfg.Block):
			}
		}
	}
	return ctx.Err()
}

// AuditCounts are agreement counts: Counts[decision][outcome] (decision automatic, outcome the
// moderator's), each of pass, limit and block.
type AuditCounts map[moderation.Decision]map[moderation.Decision]float64

// Quality is what the audit sample says about production decisions.
type Quality struct {
	// Agreement is the share of sampled decisions the moderators kept exactly.
	Agreement float64
	// Precision is the estimated share of automatic limit/block decisions that were right
	// (moderator said limit or block).
	Precision float64
	// Recall is the estimated share of content that should be limited or blocked that was
	// limited or blocked automatically: TP / (TP + FN), with TP = Precision × positives and
	// FN = (miss rate of sampled passes) × passes.
	Recall float64
}

// Estimate computes Quality from agreement counts and the number of automatic verdicts per
// decision over the same period (trustd_verdicts_total). Review verdicts are not sampled and
// are left out. A quantity without data is NaN.
func Estimate(c AuditCounts, verdicts map[moderation.Decision]float64) Quality {
	var same, total, posPos, pos, passPos, pass float64
	for d, row := range c {
		for o, n := range row {
			total += n
			if d == o {
				same += n
			}
			positive := o == moderation.Limit || o == moderation.Block
			switch d {
			case moderation.Pass:
				pass += n
				if positive {
					passPos += n
				}
			case moderation.Limit, moderation.Block:
				pos += n
				if positive {
					posPos += n
				}
			}
		}
	}
	q := Quality{Agreement: same / total, Precision: posPos / pos}
	tp := q.Precision * (verdicts[moderation.Limit] + verdicts[moderation.Block])
	fn := passPos / pass * verdicts[moderation.Pass]
	q.Recall = tp / (tp + fn)
	return q
}
