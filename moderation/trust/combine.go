package trust

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
)

// Planner is a mechanism whose per-item Redis work can share one round trip with others:
// Strikes, Floods and SplitContacts. See Combine.
type Planner interface {
	moderation.Signaler
	// plan returns the mechanism's work on the item, or nil when it has none.
	plan(ev *moderation.Evidence) step
	redis() redis.UniversalClient
}

// step is one mechanism's part of an item's round trip: it queues its commands on a shared
// pipeline, then, once the pipeline has run, turns their replies into signals (with more
// round trips of its own if it must).
type step interface {
	queue(ctx context.Context, p redis.Pipeliner)
	signals(ctx context.Context) ([]moderation.Signal, error)
}

// Combined is a moderation.Signaler that runs several mechanisms with one Redis round trip per
// item instead of one each (see Combine). A mechanism that fails gives a review signal saying
// why, as moderation.Pipeline does for a failing Signaler, and the others' signals stand.
type Combined struct {
	rdb   redis.UniversalClient
	parts []Planner
}

// Combine returns a Signaler that runs ps (sharing one Redis client) in one round trip per
// item; their signals come in the order of ps.
func Combine(ps ...Planner) (*Combined, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: combine: no mechanisms", ErrInvalidConfig)
	}
	for _, p := range ps[1:] {
		if p.redis() != ps[0].redis() {
			return nil, fmt.Errorf("%w: combine: the mechanisms must share one Redis client", ErrInvalidConfig)
		}
	}
	return &Combined{rdb: ps[0].redis(), parts: ps}, nil
}

// Signals runs every mechanism on the item.
func (c *Combined) Signals(ctx context.Context, ev *moderation.Evidence) ([]moderation.Signal, error) {
	steps := make([]step, 0, len(c.parts))
	for _, p := range c.parts {
		if s := p.plan(ev); s != nil {
			steps = append(steps, s)
		}
	}
	run(ctx, c.rdb, steps)
	var out []moderation.Signal
	for _, s := range steps {
		sig, err := s.signals(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			sig = []moderation.Signal{{Decision: moderation.Review, Reason: "signal stage failed: " + err.Error()}}
		}
		out = append(out, sig...)
	}
	return out, nil
}

// run sends the commands of steps as one pipeline. Each step reads the errors of its own
// commands: a command that failed has its error, and one that could not be sent (no
// connection) has the pipeline's.
func run(ctx context.Context, rdb redis.UniversalClient, steps []step) {
	if len(steps) == 0 {
		return
	}
	p := rdb.Pipeline()
	for _, s := range steps {
		s.queue(ctx, p)
	}
	cmds, err := p.Exec(ctx)
	var reply redis.Error
	if err == nil || errors.As(err, &reply) {
		return // every command has its own reply
	}
	for _, c := range cmds {
		if c.Err() == nil {
			c.SetErr(err)
		}
	}
}

// alone is the Signals method of a Planner used on its own.
func alone(ctx context.Context, pl Planner, ev *moderation.Evidence) ([]moderation.Signal, error) {
	s := pl.plan(ev)
	if s == nil {
		return nil, nil
	}
	run(ctx, pl.redis(), []step{s})
	return s.signals(ctx)
}

// firstErr returns the first error of cmds, not counting redis.Nil (a missing key or member).
func firstErr(cmds []redis.Cmder) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
	}
	return nil
}
