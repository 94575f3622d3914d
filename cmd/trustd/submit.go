package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/queue"
)

// maxLine bounds one JSON line of input: an item's fields are capped well below this.
const maxLine = 4 << 20

func runSubmit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "submit", "submit [flags] [FILE]\n\nEnqueue items (JSON lines; stdin when no FILE or FILE is -) through the Go client and\nreport accepted/duplicate/rejected counts. Rejected lines are listed on stderr with the reason.")
	var p procFlags
	fs.StringVar(&p.redisURL, "redis", envOr(e, "TRUSTD_REDIS_URL", defaultRedisURL), "Redis URL (env TRUSTD_REDIS_URL)")
	p.registerShards(fs, e)
	bulk := fs.Bool("bulk", false, "submit to the bulk queue (backfills) instead of realtime")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: at most one FILE", errUsage)
	}
	in := e.Stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	rdb, err := openRedis(ctx, p.redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	c, err := queue.NewClient(queue.ClientConfig{Redis: rdb, Shards: p.shards})
	if err != nil {
		return err
	}
	defer c.Close()
	var opts []queue.SubmitOption
	if *bulk {
		opts = append(opts, queue.Bulk())
	}
	counts, err := submitLines(ctx, c, in, e.Stderr, *quiet, opts...)
	fmt.Fprintf(e.Stdout, "accepted %d, duplicate %d, rejected %d\n", counts[queue.Accepted], counts[queue.Duplicate], counts[queue.Rejected])
	return err
}

// submitLines submits every JSON line of in. A bad line is counted as rejected and reported;
// an error from Redis stops the run (the items after it were not submitted: rerun the file,
// duplicates are detected).
func submitLines(ctx context.Context, c *queue.Client, in io.Reader, progress io.Writer, quiet bool, opts ...queue.SubmitOption) (map[queue.Result]int, error) {
	counts := map[queue.Result]int{}
	lr := newLineReader(in)
	start, last := time.Now(), time.Now()
	line := 0
	report := func(final bool) {
		if quiet {
			return
		}
		end := "\r"
		if final {
			end = "\n"
		}
		el := time.Since(start).Seconds()
		fmt.Fprintf(progress, "submitted %d lines (%d accepted, %d duplicate, %d rejected) in %.1fs, %.0f/s%s",
			line, counts[queue.Accepted], counts[queue.Duplicate], counts[queue.Rejected], el, float64(line)/max(el, 1e-9), end)
	}
	for lr.next() {
		if err := ctx.Err(); err != nil {
			report(true)
			return counts, err
		}
		line = lr.n
		b, err := lr.line()
		if err == nil && len(b) == 0 {
			continue
		}
		var it *moderation.Item
		if err == nil {
			it, err = moderation.DecodeItem(b)
		}
		var r queue.Result
		if err == nil {
			r, err = c.Submit(ctx, it, opts...)
		}
		if err != nil {
			if !errors.Is(err, moderation.ErrInvalidItem) && !errors.Is(err, errLineTooLong) {
				report(true)
				return counts, fmt.Errorf("line %d: %w", line, err)
			}
			r = queue.Rejected
			fmt.Fprintf(progress, "line %d: %v\n", line, err)
		}
		counts[r]++
		if time.Since(last) > 500*time.Millisecond {
			report(false)
			last = time.Now()
		}
	}
	report(true)
	if err := lr.Err(); err != nil {
		return counts, fmt.Errorf("read input after line %d: %w", line, err)
	}
	return counts, nil
}
