package trust_test

import (
	"context"
	"flag"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
	"github.com/trustd/trustd/queue/redistest"
)

var memLoad = flag.Int("trust.memory", 10_000, "authors (and distinct texts) of TestMemory's synthetic load; 1000000 for the figures in doc.go")

// The bounds TestMemory asserts. Per key: MEMORY USAGE of a key holding one author's strike,
// one split-contact fragment or one flood band posting (measured with redis-server 7.0 at a
// 10,000 load: 120, 152 and 136 B on average), with room for longer ids. Per object: used_memory growth, which also carries the main
// and expires hash tables (sized in powers of two) and fixed costs that weigh more in a small
// load, so these are about 2 × the 1M-load figures of doc.go; they catch a change that adds
// keys per author or text.
const (
	maxStrikeKey   = 160
	maxTailKey     = 208
	maxFloodKey    = 192
	maxStrikeBytes = 400  // per author with one strike
	maxTailBytes   = 450  // per author with one split-contact fragment
	maxFloodBytes  = 2400 // per distinct text (6 band buckets)
)

// TestMemory writes a synthetic load through the real mechanisms (32 concurrent callers) into
// a private redis-server and measures INFO used_memory growth per tracked author or text and
// MEMORY USAGE per key. It asserts the bounds above, that every key expires within its window
// (1000 keys sampled with RANDOMKEY) and that one author or text cannot grow a key past its
// member cap. The load size
// is -trust.memory (CI: 10,000):
//
//	go test ./moderation/trust/ -run TestMemory -v -trust.memory=1000000
func TestMemory(t *testing.T) {
	t.Parallel()
	n := *memLoad
	ctx := context.Background()
	c := newClock()
	report := func(t *testing.T, rdb *redis.Client, what string, per float64, limit int, keyLimit int64, window time.Duration) {
		t.Helper()
		keys, _ := rdb.DBSize(ctx).Result()
		perKey := sampleKeys(t, rdb, window)
		t.Logf("%s: %d objects, %d keys, used_memory growth %.1f B per object, MEMORY USAGE %.1f B per key (sampled)", what, n, keys, per, perKey)
		if per > float64(limit) {
			t.Errorf("%s: %.1f B per object, above the bound of %d B", what, per, limit)
		}
		if perKey > float64(keyLimit) {
			t.Errorf("%s: %.1f B per key, above the bound of %d B", what, perKey, keyLimit)
		}
	}

	t.Run("strikes", func(t *testing.T) {
		rdb := privateRedis(t)
		s, err := trust.NewStrikes(trust.StrikesConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
		if err != nil {
			t.Fatal(err)
		}
		per := loadPerObject(t, rdb, n, func(i int) error {
			return s.Record(ctx, "u-"+strconv.Itoa(i), moderation.Key{Scene: moderation.SceneComment, ID: "c-" + strconv.Itoa(i), Revision: 1})
		})
		report(t, rdb, "strikes", per, maxStrikeBytes, maxStrikeKey, 24*time.Hour)
		// A prolific offender keeps at most MaxPerAuthor (100) strikes.
		for j := range 300 {
			if err := s.Record(ctx, "u-0", moderation.Key{Scene: moderation.SceneComment, ID: "x-" + strconv.Itoa(j), Revision: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if got := rdb.ZCard(ctx, trust.DefaultPrefix+"strikes:u-0").Val(); got != 100 {
			t.Errorf("strikes kept for one author = %d, want the cap 100", got)
		}
		t.Logf("MEMORY USAGE: 1 strike %d B, 100 strikes %d B", memUsage(t, rdb, trust.DefaultPrefix+"strikes:u-1"),
			memUsage(t, rdb, trust.DefaultPrefix+"strikes:u-0"))
	})
	t.Run("split", func(t *testing.T) {
		rdb := privateRedis(t)
		s, err := trust.NewSplitContacts(trust.SplitConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
		if err != nil {
			t.Fatal(err)
		}
		body := strings.Repeat("今天的穿搭分享一下", 4) // 108 bytes: the 40-byte tail is kept
		tail := func(id, author string) error {
			it := comment(id, author, body)
			it.Revision = 1
			_, err := s.Signals(ctx, &moderation.Evidence{Item: it})
			return err
		}
		per := loadPerObject(t, rdb, n, func(i int) error { return tail("c-"+strconv.Itoa(i), "u-"+strconv.Itoa(i)) })
		report(t, rdb, "split tails", per, maxTailBytes, maxTailKey, 10*time.Minute)
		for j := range 50 {
			if err := tail("x-"+strconv.Itoa(j), "u-0"); err != nil {
				t.Fatal(err)
			}
		}
		if got := rdb.ZCard(ctx, trust.DefaultPrefix+"tail:u-0").Val(); got != 8 {
			t.Errorf("fragments kept for one author = %d, want the cap 8", got)
		}
		t.Logf("MEMORY USAGE: 1 fragment %d B, 8 fragments %d B", memUsage(t, rdb, trust.DefaultPrefix+"tail:u-1"),
			memUsage(t, rdb, trust.DefaultPrefix+"tail:u-0"))
	})
	t.Run("floods", func(t *testing.T) {
		rdb := privateRedis(t)
		f, err := trust.NewFloods(trust.FloodConfig{Options: trust.Options{Redis: rdb, Now: c.Now}})
		if err != nil {
			t.Fatal(err)
		}
		post := func(id, author, text string) error {
			it := comment(id, author, text)
			it.Revision = 1
			_, err := f.Signals(ctx, &moderation.Evidence{Item: it})
			return err
		}
		// First, on the empty server: one text from 1000 authors keeps at most MaxPerBucket
		// (256) postings in each of the 6 band buckets it is recorded in.
		for j := range 1000 {
			if err := post("y-"+strconv.Itoa(j), "v-"+strconv.Itoa(j), distinctText(-1)); err != nil {
				t.Fatal(err)
			}
		}
		keys, err := rdb.Keys(ctx, trust.DefaultPrefix+"flood:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		var biggest int64
		for _, k := range keys {
			biggest = max(biggest, rdb.ZCard(ctx, k).Val())
		}
		if len(keys) > 6 || biggest != 256 {
			t.Errorf("one text from 1000 authors: %d keys (want ≤ 6), biggest bucket %d members (want the cap 256)", len(keys), biggest)
		}
		if err := rdb.Del(ctx, keys...).Err(); err != nil {
			t.Fatal(err)
		}
		per := loadPerObject(t, rdb, n, func(i int) error { return post("c-"+strconv.Itoa(i), "u-"+strconv.Itoa(i), distinctText(i)) })
		report(t, rdb, "flood texts", per, maxFloodBytes, maxFloodKey, time.Hour)
	})
}

// privateRedis starts a redis-server of the test's own, so that used_memory measures this
// test alone. Without redis-server on PATH it falls back to redistest.Start, whose database
// shares the server's memory: the per-object figure then includes the other tests' writes
// and is only an upper bound.
func privateRedis(t testing.TB) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return redistest.Start(t).Client(t)
	}
	srv, stop, err := redistest.StartProcess(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return srv.Client(t)
}

// loadPerObject runs do(0…n-1) on 32 goroutines and returns the used_memory growth per call.
func loadPerObject(t *testing.T, rdb *redis.Client, n int, do func(i int) error) float64 {
	t.Helper()
	before := usedMemory(t, rdb)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && firstErr.Load() == nil; i = int(next.Add(1)) - 1 {
				if err := do(i); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		t.Fatal(*err)
	}
	return float64(usedMemory(t, rdb)-before) / float64(n)
}

// sampleKeys samples 1000 keys with RANDOMKEY, checks that each expires within window and
// returns their mean MEMORY USAGE.
func sampleKeys(t *testing.T, rdb *redis.Client, window time.Duration) float64 {
	t.Helper()
	ctx := context.Background()
	var total int64
	const samples = 1000
	for range samples {
		k, err := rdb.RandomKey(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 || ttl > window {
			t.Fatalf("key %s: TTL %v, want within (0, %v]: every key must expire one window after its last write", k, ttl, window)
		}
		total += memUsage(t, rdb, k)
	}
	return float64(total) / samples
}

func usedMemory(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no used_memory in INFO")
	return 0
}

func memUsage(t *testing.T, rdb *redis.Client, key string) int64 {
	t.Helper()
	n, err := rdb.MemoryUsage(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("MEMORY USAGE %s: %v", key, err)
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
