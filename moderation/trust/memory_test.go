package trust_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue/redistest"
)

// BenchmarkMemory writes a synthetic load through the real mechanisms (32 concurrent callers)
// and reports Redis used_memory growth per tracked author or text. The load size is
// TRUSTD_TRUST_MEM_N (default 100000). It runs once whatever b.N is:
//
//	TRUSTD_TRUST_MEM_N=1000000 go test ./moderation/trust/ -run XXX -bench Memory -benchtime 1x
func BenchmarkMemory(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("TRUSTD_TRUST_MEM_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	load := func(b *testing.B, rdb *redis.Client, do func(i int) error) float64 {
		b.Helper()
		before := usedMemory(b, rdb)
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					if err := do(i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		return float64(usedMemory(b, rdb)-before) / float64(n)
	}
	c := newClock()
	b.Run(fmt.Sprintf("strikes/authors=%d", n), func(b *testing.B) {
		rdb := startRedisB(b)
		s, err := trust.NewStrikes(trust.StrikesConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
		if err != nil {
			b.Fatal(err)
		}
		per := load(b, rdb, func(i int) error {
			return s.Record(ctx, fmt.Sprintf("u-%d", i), moderation.Key{Scene: moderation.SceneComment, ID: fmt.Sprintf("c-%d", i), Revision: 1})
		})
		for j := range 2 {
			_ = s.Record(ctx, "u-0", moderation.Key{Scene: moderation.SceneComment, ID: fmt.Sprintf("x-%d", j), Revision: 1})
		}
		b.ReportMetric(per, "B/author")
		b.ReportMetric(float64(memUsage(b, rdb, "trustd:trust:strikes:u-1")), "B/key-1-strike")
		b.ReportMetric(float64(memUsage(b, rdb, "trustd:trust:strikes:u-0")), "B/key-3-strikes")
	})
	b.Run(fmt.Sprintf("split/authors=%d", n), func(b *testing.B) {
		rdb := startRedisB(b)
		s, err := trust.NewSplitContacts(trust.SplitConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
		if err != nil {
			b.Fatal(err)
		}
		body := strings.Repeat("今天的穿搭分享一下", 4) // 108 bytes: the 64-byte tail is kept
		per := load(b, rdb, func(i int) error {
			it := comment(fmt.Sprintf("c-%d", i), fmt.Sprintf("u-%d", i), body)
			it.Revision = 1
			_, err := s.Signals(ctx, &moderation.Evidence{Item: it})
			return err
		})
		b.ReportMetric(per, "B/author")
		b.ReportMetric(float64(memUsage(b, rdb, "trustd:trust:tail:u-1")), "B/key-1-fragment")
	})
	b.Run(fmt.Sprintf("floods/texts=%d", n), func(b *testing.B) {
		rdb := startRedisB(b)
		f, err := trust.NewFloods(trust.FloodConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
		if err != nil {
			b.Fatal(err)
		}
		per := load(b, rdb, func(i int) error {
			it := comment(fmt.Sprintf("c-%d", i), fmt.Sprintf("u-%d", i), distinctText(i))
			it.Revision = 1
			_, err := f.Signals(ctx, &moderation.Evidence{Item: it})
			return err
		})
		b.ReportMetric(per, "B/text")
		keys, _ := rdb.DBSize(ctx).Result()
		b.ReportMetric(float64(keys), "keys")
	})
}

func startRedisB(b *testing.B) *redis.Client {
	b.Helper()
	return redistest.Start(b).Client(b)
}

func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("no used_memory in INFO")
	return 0
}

func memUsage(b *testing.B, rdb *redis.Client, key string) int64 {
	b.Helper()
	n, err := rdb.MemoryUsage(context.Background(), key).Result()
	if err != nil {
		b.Fatalf("MEMORY USAGE %s: %v", key, err)
	}
	return n
}

// distinctText returns a pseudo-random 24-character Chinese text, different for every i.
func distinctText(i int) string {
	x := uint64(i)*0x9e3779b97f4a7c15 + 1
	r := make([]rune, 24)
	for j := range r {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		r[j] = rune(0x4e00 + x%3000)
	}
	return string(r)
}
