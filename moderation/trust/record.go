package trust

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// recording is how every mechanism of the package writes a posting: a member added to one
// sorted set of postings scored by time in milliseconds, optionally after reading the newest
// postings still in the window. Each command touches one key, so the keys can live on any
// Redis Cluster shard and the commands of several recordings share a pipeline.
type recording struct {
	key, member string
	now         time.Time
	window      time.Duration
	// cap is how many postings the set keeps (the newest). Reads filter by score, so postings
	// older than the window need not be removed: the cap and the expiry bound memory.
	cap int64
	// dropOld removes the postings older than the window on every write, for members that
	// hold user text, which must not outlive the window.
	dropOld bool
	// read is how many of the newest postings within the window to read before adding the
	// member (0: none).
	read int64
}

// queue adds r's commands to p: ZRANGE (when r reads), ZADD, ZREMRANGEBYSCORE (when r drops
// old postings), ZREMRANGEBYRANK, PEXPIRE. It returns the read (nil when r does not read;
// newest first) and every command, for their errors.
func (r recording) queue(ctx context.Context, p redis.Pipeliner) (*redis.StringSliceCmd, []redis.Cmder) {
	cmds := make([]redis.Cmder, 0, 5)
	var read *redis.StringSliceCmd
	if r.read > 0 {
		read = p.ZRangeArgs(ctx, newest(r.key, r.now, r.window, 0, r.read))
		cmds = append(cmds, read)
	}
	cmds = append(cmds, p.ZAdd(ctx, r.key, redis.Z{Score: float64(ms(r.now)), Member: r.member}))
	if r.dropOld {
		cmds = append(cmds, p.ZRemRangeByScore(ctx, r.key, "-inf", "("+strconv.FormatInt(ms(r.now.Add(-r.window)), 10)))
	}
	return read, append(cmds, p.ZRemRangeByRank(ctx, r.key, 0, -r.cap-1), p.PExpire(ctx, r.key, r.window))
}

// newest is ZRANGE of the postings of key within window, newest first, from offset on.
func newest(key string, now time.Time, window time.Duration, offset, count int64) redis.ZRangeArgs {
	return redis.ZRangeArgs{Key: key, ByScore: true, Rev: true, Start: strconv.FormatInt(ms(now.Add(-window)), 10),
		Stop: "+inf", Offset: offset, Count: count}
}
