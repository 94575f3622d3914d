package trust

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ConsumerConfig are the settings of a mechanism that reads a Redis stream through a consumer
// group (Audit, ModeratorStrikes): every process of a deployment joins the group, so each
// entry is handled by exactly one of them, and entries left pending by a process that went
// away are taken over after ClaimIdle.
type ConsumerConfig struct {
	// Consumer names this process in the group. Empty means a random name.
	Consumer string
	// Batch is the most entries read per round. Zero means 100.
	Batch int64
	// Block is how long Run waits for new entries per round, and so how long stopping Run can
	// take (a blocked read is not interrupted by ctx). Zero means 1 s.
	Block time.Duration
	// ClaimIdle is how long an entry read by a consumer that went away stays pending before
	// another consumer takes it over. Zero means 1 minute.
	ClaimIdle time.Duration
}

func (c *ConsumerConfig) defaults() {
	if c.Consumer == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		c.Consumer = "c-" + hex.EncodeToString(b[:])
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Block <= 0 {
		c.Block = time.Second
	}
	if c.ClaimIdle <= 0 {
		c.ClaimIdle = time.Minute
	}
}

// consumer reads one stream in one group.
type consumer struct {
	ConsumerConfig
	rdb           redis.UniversalClient
	stream, group string
}

// poll reads one batch of abandoned (first) or new entries, waiting up to block for new ones
// (negative: not at all), and passes each to handle. Entries handle accepts are acknowledged;
// the first error stops the batch and leaves that entry and the rest pending, to be claimed
// again after ClaimIdle. It returns how many entries handle counted.
func (c *consumer) poll(ctx context.Context, block time.Duration, handle func(redis.XMessage) (bool, error)) (int, error) {
	err := c.rdb.XGroupCreateMkStream(ctx, c.stream, c.group, "$").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return 0, fmt.Errorf("group %s: %w", c.group, err)
	}
	msgs, _, err := c.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: c.stream, Group: c.group,
		Consumer: c.Consumer, MinIdle: c.ClaimIdle, Start: "0-0", Count: c.Batch}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("claim %s: %w", c.stream, err)
	}
	if len(msgs) == 0 {
		args := &redis.XReadGroupArgs{Group: c.group, Consumer: c.Consumer,
			Streams: []string{c.stream, ">"}, Count: c.Batch, Block: block}
		if block < 0 {
			args.Block = -1
		}
		res, err := c.rdb.XReadGroup(ctx, args).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, fmt.Errorf("read %s: %w", c.stream, err)
		}
		for _, s := range res {
			msgs = append(msgs, s.Messages...)
		}
	}
	n := 0
	ids := make([]string, 0, len(msgs))
	var herr error
	for _, m := range msgs {
		counted, err := handle(m)
		if err != nil {
			herr = err
			break
		}
		ids = append(ids, m.ID)
		if counted {
			n++
		}
	}
	if len(ids) > 0 {
		if err := c.rdb.XAck(ctx, c.stream, c.group, ids...).Err(); err != nil {
			return n, errors.Join(herr, fmt.Errorf("ack %s: %w", c.stream, err))
		}
	}
	return n, herr
}

// run polls until ctx ends; errors are logged under msg and retried after Block.
func (c *consumer) run(ctx context.Context, o *Options, msg string, poll func(context.Context, time.Duration) (int, error)) error {
	for ctx.Err() == nil {
		if _, err := poll(ctx, c.Block); err != nil && ctx.Err() == nil {
			o.Logger.WarnContext(ctx, msg, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(c.Block):
			}
		}
	}
	return ctx.Err()
}
