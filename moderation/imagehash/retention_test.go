package imagehash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/trustd/trustd/queue/redistest"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func fingerprint(t *testing.T, name string) Fingerprint {
	t.Helper()
	fp, err := FingerprintBytes(readTestdata(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// startBanksAt starts banks on rdb with the given clock and seen retention.
func startBanksAt(t *testing.T, rdb *redis.Client, clock *testClock, retention time.Duration, defs ...BankDef) *Banks {
	t.Helper()
	b, err := NewBanks(BanksConfig{Redis: rdb, Defs: defs, Block: 50 * time.Millisecond, Logger: quiet,
		Now: clock.Now, SeenRetention: retention})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// seedLog appends n adds to a bank's stream as if they had been made from `from` on, one per
// millisecond (stream ids and Added times alike): "old-0" is fp, the others random hashes.
func seedLog(t *testing.T, rdb *redis.Client, bank string, from time.Time, n int, fp Fingerprint) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	pipe := rdb.Pipeline()
	for i := range n {
		at := from.Add(time.Duration(i) * time.Millisecond)
		e := EntryOf(fp, "old-0", "u-1", at)
		if i > 0 {
			e = Entry{ContentID: fmt.Sprintf("old-%d", i), AuthorID: "u-1", Added: at,
				PHash: rng.Uint64(), DHash: rng.Uint64(), Crop: rng.Uint64(), CropD: rng.Uint64()}
		}
		pipe.XAdd(context.Background(), &redis.XAddArgs{Stream: DefaultPrefix + "log:" + bank,
			ID: fmt.Sprintf("%d-0", at.UnixMilli()), Values: encodeAdd(e)})
	}
	if _, err := pipe.Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func contentIDs(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ContentID)
	}
	return out
}

func TestSeenRetentionRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	// Stream ids come from Redis's clock, so the test clock starts at the real time.
	clock := &testClock{t: time.Now()}
	fp := fingerprint(t, "cv_tree.jpg")
	const seeded = 300
	deny := BankDef{Name: "fake", Kind: KindDeny}
	seedLog(t, rdb, SeenBank, clock.Now().Add(-40*24*time.Hour), seeded, fp)
	seedLog(t, rdb, deny.Name, clock.Now().Add(-40*24*time.Hour), seeded, fp)

	a := startBanksAt(t, srv.Client(t), clock, 0, deny) // the default retention: 30 days
	if m := a.Bank(SeenBank).Match(fp); len(m) != 0 {
		t.Fatalf("expired seen entries match: %v", contentIDs(m))
	}
	if n := a.Bank(SeenBank).Len(); n != 0 {
		t.Fatalf("rebuilt %d expired seen entries", n)
	}
	if n := a.Bank(deny.Name).Len(); n != seeded {
		t.Fatalf("deny bank rebuilt %d entries, want all %d", n, seeded)
	}

	for _, bank := range []string{SeenBank, deny.Name} {
		if err := a.Add(ctx, bank, EntryOf(fp, "new", "u-2", time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	cutoff := clock.Now().Add(-DefaultSeenRetention).UnixMilli()
	expired, err := rdb.XRange(ctx, a.logKey(SeenBank), "-", fmt.Sprintf("(%d", cutoff)).Result()
	if err != nil {
		t.Fatal(err)
	}
	// MINID ~ drops whole stream nodes (at most 100 entries each by default): only the node
	// holding the cutoff may keep expired entries.
	if len(expired) > 100 {
		t.Errorf("seen stream keeps %d of %d expired entries after an append", len(expired), seeded)
	}
	if n := rdb.XLen(ctx, a.logKey(deny.Name)).Val(); n != seeded+1 {
		t.Errorf("deny stream holds %d entries, want %d (never trimmed)", n, seeded+1)
	}
	if m := a.Bank(SeenBank).Match(fp); len(m) != 1 || m[0].ContentID != "new" {
		t.Fatalf("seen bank matches %v, want [new]", contentIDs(m))
	}

	// A restart rebuilds the recent entry only.
	b := startBanksAt(t, srv.Client(t), clock, 0, deny)
	if m := b.Bank(SeenBank).Match(fp); len(m) != 1 || m[0].ContentID != "new" {
		t.Fatalf("rebuilt seen bank matches %v, want [new]", contentIDs(m))
	}
	if n := b.Bank(SeenBank).Len(); n != 1 {
		t.Fatalf("rebuilt seen bank holds %d entries, want 1", n)
	}

	// A month later the recent entry has expired too: lookups skip it at once and every
	// process's tailer evicts it from memory; the deny bank keeps everything.
	clock.Advance(DefaultSeenRetention + time.Hour)
	for name, bs := range map[string]*Banks{"first": a, "restarted": b} {
		seen := bs.Bank(SeenBank)
		if m := seen.Match(fp); len(m) != 0 {
			t.Errorf("%s: expired entries match: %v", name, contentIDs(m))
		}
		waitFor(t, name+": eviction", func() bool { return seen.Len() == 0 && seen.idx.Len() == 0 })
		if m := bs.Bank(deny.Name).Match(fp); len(m) != 2 {
			t.Errorf("%s: deny bank matches %v, want old-0 and new", name, contentIDs(m))
		}
	}
}

func TestSeenRetentionForever(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	clock := &testClock{t: time.Now()}
	fp := fingerprint(t, "cv_lake.jpg")
	const seeded = 300
	seedLog(t, rdb, SeenBank, clock.Now().Add(-400*24*time.Hour), seeded, fp)

	b := startBanksAt(t, srv.Client(t), clock, -1, BankDef{Name: "fake", Kind: KindDeny})
	if err := b.Add(context.Background(), SeenBank, EntryOf(fp, "new", "u-2", time.Time{})); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(context.Background(), b.logKey(SeenBank)).Val(); n != seeded+1 {
		t.Errorf("seen stream holds %d entries, want %d (never trimmed)", n, seeded+1)
	}
	clock.Advance(1000 * 24 * time.Hour)
	b.expireSeen()
	if m := b.Bank(SeenBank).Match(fp); len(m) != 2 {
		t.Errorf("seen bank matches %v, want old-0 and new", contentIDs(m))
	}
	if n := b.Bank(SeenBank).Len(); n != seeded+1 {
		t.Errorf("seen bank holds %d entries, want %d", n, seeded+1)
	}
}

// TestBankExpire checks the bookkeeping of eviction from the front (in memory): the surviving
// entries keep their references, so removes, lookups, listings and later adds still work.
func TestBankExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	banks, err := NewBanks(BanksConfig{Logger: quiet, Now: clock.Now, SeenRetention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	fps := map[string]Fingerprint{}
	for i, name := range []string{"cv_apple.jpg", "cv_box.jpg", "cv_butterfly.jpg", "cv_squirrel.jpg"} {
		id := fmt.Sprintf("note-%d", i+1)
		fps[id] = fingerprint(t, name)
		if i < 3 {
			if err := banks.Add(ctx, SeenBank, EntryOf(fps[id], id, "u-1", time.Time{})); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
	}
	seen := banks.Bank(SeenBank)

	clock.Advance(22*time.Hour + 30*time.Minute) // note-1 is 25.5 h old, note-2 24.5 h, note-3 23.5 h
	if n := seen.expire(); n != 2 {
		t.Fatalf("expire evicted %d entries, want 2", n)
	}
	if n, err := banks.Remove(ctx, SeenBank, "note-3"); err != nil || n != 1 {
		t.Fatalf("remove after expire: %d, %v", n, err)
	}
	if err := banks.Add(ctx, SeenBank, EntryOf(fps["note-4"], "note-4", "u-2", time.Time{})); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"note-1": 0, "note-2": 0, "note-3": 0, "note-4": 1} {
		if m := seen.Match(fps[id]); len(m) != want {
			t.Errorf("%s matches %v, want %d match(es)", id, contentIDs(m), want)
		}
		if es := seen.entriesOf(id); len(es) != want {
			t.Errorf("%s has %d entries, want %d", id, len(es), want)
		}
	}
	if l := seen.list(0, 10); len(l) != 1 || l[0].ContentID != "note-4" {
		t.Errorf("list = %+v, want note-4 only", l)
	}
	if seen.Len() != 1 || seen.idx.Len() != 2 {
		t.Errorf("Len %d, index %d hashes: want 1 and 2", seen.Len(), seen.idx.Len())
	}
}

// BenchmarkSeenBankMemory measures what one image of the seen bank costs: worker heap (index,
// entry, content map, ids) after a rebuild of 1M images, and Redis memory per stream entry
// (MEMORY USAGE over 200,000 entries). These are the figures of the retention sizing.
func BenchmarkSeenBankMemory(b *testing.B) {
	const images, streamed = 1_000_000, 200_000
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	entry := func(k int) Entry {
		return Entry{ContentID: fmt.Sprintf("note-%08d", k), AuthorID: fmt.Sprintf("u-%06d", k%50000),
			Added: now, PHash: rng.Uint64(), DHash: rng.Uint64(), Crop: rng.Uint64(), CropD: rng.Uint64()}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	srv := redistest.Start(b)
	rdb := srv.Client(b)
	ctx := context.Background()
	for range b.N {
		before := heap()
		es := make([]Entry, images)
		for k := range es {
			es[k] = entry(k)
		}
		banks, err := NewBanks(BanksConfig{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		banks.Bank(SeenBank).addMany(es)
		es = nil
		b.ReportMetric(float64(heap()-before)/images, "worker-B/image")
		runtime.KeepAlive(banks)

		key := fmt.Sprintf("mem:%d", rng.Uint64())
		pipe := rdb.Pipeline()
		for k := range streamed {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: encodeAdd(entry(k))})
			if k%5000 == 4999 {
				if _, err := pipe.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
		used, err := rdb.MemoryUsage(ctx, key, 0).Result()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(used)/streamed, "redis-B/image")
		rdb.Del(ctx, key)
	}
}
