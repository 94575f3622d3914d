package review

import (
	"fmt"
	"hash/fnv"

	"github.com/trustd/trustd/moderation"
)

// Sampler picks a deterministic sample of automatic pass, limit and block verdicts for the
// audit_sample queue, so that quality can be measured on decisions nobody reviewed. The pick
// depends only on the item key and Salt, so every worker agrees and a retry picks the same.
type Sampler struct {
	// PassRate is the fraction (0–1) of pass verdicts to sample. Zero means none.
	PassRate float64
	// LimitRate is the fraction of limit verdicts to sample. Zero means none.
	LimitRate float64
	// BlockRate is the fraction of block verdicts to sample. Zero means none.
	BlockRate float64
	// Salt changes which items are picked. Empty is a valid salt.
	Salt string
}

func (s Sampler) validate() error {
	for _, r := range []float64{s.PassRate, s.LimitRate, s.BlockRate} {
		if r < 0 || r > 1 || r != r {
			return fmt.Errorf("%w: sample rates must be within 0 and 1", ErrInvalid)
		}
	}
	return nil
}

// Sample reports whether v (a pass, limit or block verdict) is in the audit sample.
// Review verdicts are never sampled: they are reviewed anyway.
func (s Sampler) Sample(v *moderation.Verdict) bool {
	var rate float64
	switch v.Decision {
	case moderation.Pass:
		rate = s.PassRate
	case moderation.Limit:
		rate = s.LimitRate
	case moderation.Block:
		rate = s.BlockRate
	}
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(s.Salt))
	h.Write([]byte{0})
	h.Write([]byte(v.Key().String()))
	return float64(h.Sum64()>>11)/float64(1<<53) < rate
}

// Sampler returns the store's audit sampler.
func (s *Store) Sampler() Sampler { return s.cfg.Sampler }
