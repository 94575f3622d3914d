package queue

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// groupCommit sends the Redis commands of many concurrent callers in as few round trips as
// possible. A caller that finds no batch in flight becomes the leader: it sends its own
// command and every command queued meanwhile as one pipeline, wakes their callers, and hands
// the lead to the first caller queued during its flush. Under light load every command goes
// alone, at once (no added latency); under heavy load commands gather while the previous
// pipeline is on the wire, so the process and Redis make one write and one read syscall per
// batch instead of per command.
//
// Measured with `trustd bench` (README "Performance"): the worker's publish step and the
// client's published-marker check each go from one round trip per item to about one per
// batch of concurrent items.
type groupCommit struct {
	rdb redis.UniversalClient
	max int // commands per pipeline at most

	mu      sync.Mutex
	busy    bool // a leader is flushing
	waiting []*pendingCmd
}

// pendingCmd is one queued command; cmd holds its reply once its caller is woken.
type pendingCmd struct {
	queue func(redis.Pipeliner) redis.Cmder
	cmd   redis.Cmder
	// wake receives false when a leader ran this command, true when this caller is to lead
	// the next batch (its command is then the first one waiting).
	wake chan bool
}

func newGroupCommit(rdb redis.UniversalClient, max int) *groupCommit {
	return &groupCommit{rdb: rdb, max: max}
}

// do runs the command that queue adds to a pipeline, batched with concurrent callers', and
// returns it with its reply (read it with the command's Result). The batch runs detached
// from ctx's cancellation (other callers' commands are in it) and is bounded by the client's
// read and write timeouts.
func (g *groupCommit) do(ctx context.Context, queue func(redis.Pipeliner) redis.Cmder) redis.Cmder {
	c := &pendingCmd{queue: queue, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.waiting = append(g.waiting, c)
	if g.busy {
		g.mu.Unlock()
		if lead := <-c.wake; !lead {
			return c.cmd
		}
		g.mu.Lock()
	}
	g.busy = true
	n := min(len(g.waiting), g.max)
	batch := g.waiting[:n:n]
	g.waiting = g.waiting[n:]
	g.mu.Unlock()

	_, _ = g.rdb.Pipelined(context.WithoutCancel(ctx), func(p redis.Pipeliner) error {
		for _, b := range batch {
			b.cmd = b.queue(p)
		}
		return nil
	})
	for _, b := range batch[1:] {
		b.wake <- false
	}

	g.mu.Lock()
	if len(g.waiting) > 0 {
		g.waiting[0].wake <- true
	} else {
		g.busy = false
		g.waiting = nil // drop the backing array of a past burst
	}
	g.mu.Unlock()
	return c.cmd
}

// runScript runs script through g (EVALSHA), loading the script when Redis does not know it
// (a restart or SCRIPT FLUSH) and retrying the call, and returns its integer reply.
func (g *groupCommit) runScript(ctx context.Context, script *redis.Script, keys []string, args ...any) (int64, error) {
	cmd := g.do(ctx, func(p redis.Pipeliner) redis.Cmder { return script.EvalSha(ctx, p, keys, args...) })
	n, err := cmd.(*redis.Cmd).Int64()
	if err != nil && isNoScript(err) {
		return script.Run(ctx, g.rdb, keys, args...).Int64()
	}
	return n, err
}

func isNoScript(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "NOSCRIPT")
}
