package imagehash

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/trustd/trustd/queue/redistest"
)

func startBanks(t testing.TB, rdb *redis.Client, defs ...BankDef) *Banks {
	t.Helper()
	b, err := NewBanks(BanksConfig{Redis: rdb, Defs: defs, Block: 50 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// waitFor polls cond until it holds or the propagation budget of the design (2 s) is spent,
// and returns how long it took.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("%s: not within 2s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a real Redis-backed tailer; no clock to inject
	}
	return time.Since(start)
}

func TestBanksRedisPropagation(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rdbA, rdbB := srv.Client(t), srv.Client(t)
	a := startBanks(t, rdbA)
	b := startBanks(t, rdbB)
	ctx := context.Background()

	if err := a.Define(ctx, BankDef{Name: "fake_product", Kind: KindDeny, Thresholds: Thresholds{Near: 10}}); err != nil {
		t.Fatal(err)
	}
	fp, err := FingerprintBytes(readTestdata(t, "cv_tree.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "definition on worker B", func() bool { return b.Bank("fake_product") != nil })
	if err := a.Add(ctx, "fake_product", EntryOf(fp, "fake-1", "seller", time.Time{})); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, "add on worker B", func() bool { return len(b.Bank("fake_product").Match(fp)) == 1 })
	t.Logf("add matchable on the other worker after %v", took)
	if got := b.Bank("fake_product").Def().Near; got != 10 {
		t.Errorf("threshold on B = %d, want 10", got)
	}
	if got := a.Bank("fake_product").Len(); got != 1 {
		t.Errorf("A holds %d entries, want 1 (its own add applied once)", got)
	}

	// A third worker started now rebuilds from the stream.
	c := startBanks(t, srv.Client(t))
	if m := c.Bank("fake_product").Match(fp); len(m) != 1 || m[0].ContentID != "fake-1" || m[0].AuthorID != "seller" {
		t.Fatalf("rebuilt bank matches %+v", m)
	}

	if _, err := b.Remove(ctx, "fake_product", "fake-1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "remove on worker A", func() bool { return len(a.Bank("fake_product").Match(fp)) == 0 })
	d := startBanks(t, srv.Client(t))
	if m := d.Bank("fake_product").Match(fp); len(m) != 0 {
		t.Fatalf("rebuild after remove matches %+v", m)
	}
}

// BenchmarkBanksRebuild measures how long a worker takes to rebuild a bank of n images
// (2n hashes) from its Redis stream at start.
func BenchmarkBanksRebuild(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			srv := redistest.Start(b)
			rdb := srv.Client(b)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(1, 2))
			added := time.Now().UnixMilli() // within the seen bank's retention window
			const batch = 5000
			for i := 0; i < n; i += batch {
				pipe := rdb.Pipeline()
				for k := i; k < min(i+batch, n); k++ {
					e := Entry{ContentID: fmt.Sprintf("note-%d", k), AuthorID: fmt.Sprintf("u-%d", k%5000),
						Added: time.UnixMilli(added + int64(k)), PHash: rng.Uint64(), DHash: rng.Uint64(),
						Crop: rng.Uint64(), CropD: rng.Uint64()}
					pipe.XAdd(ctx, &redis.XAddArgs{Stream: DefaultPrefix + "log:" + SeenBank, Values: encodeAdd(e)})
				}
				if _, err := pipe.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bk, err := NewBanks(BanksConfig{Redis: rdb, Logger: quiet})
				if err != nil {
					b.Fatal(err)
				}
				if err := bk.Start(ctx); err != nil {
					b.Fatal(err)
				}
				if got := bk.Bank(SeenBank).Len(); got != n {
					b.Fatalf("rebuilt %d images, want %d", got, n)
				}
				_ = bk.Close()
			}
		})
	}
}

var quiet = slog.New(slog.DiscardHandler)
