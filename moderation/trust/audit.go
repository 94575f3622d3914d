package trust

import (
	"cmp"
	"context"
	"encoding/json"
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
	ConsumerConfig
}

// Audit measures the moderators' agreement with sampled automatic decisions. The review store
// samples automatic pass, limit and block verdicts into the audit_sample queue (review.Sampler)
// and appends every moderator decision to its audit stream; Audit reads that stream through a
// consumer group and counts, for each decided audit_sample item, the automatic decision and the
// moderator's (trustd_audit_agreements_total{decision,outcome}). Estimate turns the counts and
// the verdict totals into agreement, precision and recall estimates; doc.go has the PromQL.
type Audit struct {
	cfg        AuditConfig
	c          consumer
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
	cfg.ConsumerConfig.defaults()
	a := &Audit{cfg: cfg, c: consumer{ConsumerConfig: cfg.ConsumerConfig, rdb: cfg.Redis, stream: cfg.Stream, group: cfg.Group},
		agreements: prometheus.NewCounterVec(prometheus.CounterOpts{
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
	return a.c.poll(ctx, block, func(m redis.XMessage) (bool, error) {
		raw, _ := m.Values["entry"].(string)
		var e review.AuditEntry
		if json.Unmarshal([]byte(raw), &e) != nil {
			return false, nil
		}
		return a.Observe(e), nil
	})
}

// Run polls until ctx ends; Redis errors are logged and retried after Block.
func (a *Audit) Run(ctx context.Context) error {
	return a.c.run(ctx, &a.cfg.Options, "audit_poll_error", a.Poll)
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
