package imagehash

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type hit struct {
	Ref  uint32
	Dist int
}

func linear(hs []uint64, refs []uint32, removed map[uint32]bool, q uint64, r int) []hit {
	var out []hit
	for i, h := range hs {
		if d := bits.OnesCount64(h ^ q); d <= r && !removed[refs[i]] {
			out = append(out, hit{refs[i], d})
		}
	}
	sortHits(out)
	return out
}

func sortHits(h []hit) {
	sort.Slice(h, func(i, j int) bool { return h[i].Ref < h[j].Ref })
}

func queryAll(x *Index, q uint64, r int) []hit {
	var out []hit
	x.Query(q, r, func(ref uint32, _ uint64, d int) { out = append(out, hit{ref, d}) })
	sortHits(out)
	return out
}

// near returns h with n random bits flipped.
func near(rng *rand.Rand, h uint64, n int) uint64 {
	for range n {
		h ^= 1 << rng.IntN(64)
	}
	return h
}

// checkExact builds an index from hs (some merged, some in the delta, some removed) and
// compares every query with a linear scan.
func checkExact(t *testing.T, hs []uint64, qs []uint64, maxDelta int) {
	t.Helper()
	x := &Index{MaxDelta: maxDelta}
	refs := make([]uint32, len(hs))
	removed := map[uint32]bool{}
	for i, h := range hs {
		refs[i] = uint32(i)
		x.Add(h, uint32(i))
		if i%7 == 3 {
			x.Remove(uint32(i))
			removed[uint32(i)] = true
		}
	}
	for _, q := range qs {
		for r := 0; r <= 12; r++ {
			want, got := linear(hs, refs, removed, q, r), queryAll(x, q, r)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("query %016x radius %d (-linear +index):\n%s", q, r, diff)
			}
		}
	}
}

func TestIndexExact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		n        int
		maxDelta int
	}{
		{"delta only", 50, 1000},
		{"merged", 2000, 64},
		{"mixed", 3000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(tc.n)))
			// Clusters of near-duplicates plus exact duplicates, so that buckets collide.
			var hs []uint64
			for len(hs) < tc.n {
				c := rng.Uint64()
				for k := range 10 {
					hs = append(hs, near(rng, c, k))
				}
				hs = append(hs, c)
			}
			var qs []uint64
			for i := 0; i < 40; i++ {
				qs = append(qs, near(rng, hs[rng.IntN(len(hs))], rng.IntN(14)))
			}
			checkExact(t, hs, qs, tc.maxDelta)
		})
	}
}

func FuzzIndexExact(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"), uint64(0), uint8(3))
	f.Add([]byte("0123456789abcdef0123456789abcdeg"), uint64(0x3736353433323130), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, q uint64, maxDelta uint8) {
		var hs []uint64
		for len(data) >= 8 {
			hs = append(hs, binary.LittleEndian.Uint64(data))
			data = data[8:]
		}
		checkExact(t, hs, []uint64{q, q ^ 1, ^q}, int(maxDelta)%8+1)
	})
}

// benchIndex builds an index of n random hashes once per size.
var benchIndexes = map[int]*Index{}

func benchIndex(b *testing.B, n int) (*Index, []uint64) {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	x, ok := benchIndexes[n]
	hs := make([]uint64, 1024)
	if !ok {
		all := make([]uint64, n)
		refs := make([]uint32, n)
		for i := range all {
			all[i], refs[i] = rng.Uint64(), uint32(i)
		}
		start := time.Now()
		x = &Index{}
		x.AddBatch(all, refs)
		b.Logf("built %d hashes in %v", n, time.Since(start))
		benchIndexes[n] = x
		for i := range hs {
			hs[i] = all[rng.IntN(n)]
		}
	}
	for i := range hs {
		hs[i] = near(rng, rng.Uint64(), 0)
	}
	return x, hs
}

// BenchmarkIndexLookup measures one lookup with all query variants (the eight dihedral
// pHashes, the centre crop and the content block: 10 queries) at the given radius and reports
// the p99 latency of one such lookup.
func BenchmarkIndexLookup(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		for _, r := range []int{6, 10, 12} {
			b.Run(fmt.Sprintf("n=%d/r=%d", n, r), func(b *testing.B) {
				x, qs := benchIndex(b, n)
				var lat []time.Duration
				matches := 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					start := time.Now()
					for v := range 10 {
						x.Query(qs[(i*10+v)%len(qs)], r, func(uint32, uint64, int) { matches++ })
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				b.ReportMetric(float64(x.Bytes())/float64(x.Len()), "index-bytes/hash")
				_ = matches
			})
		}
	}
}

// BenchmarkLinearScan is the baseline: one query against n hashes by linear scan.
func BenchmarkLinearScan(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 7))
			hs := make([]uint64, n)
			for i := range hs {
				hs[i] = rng.Uint64()
			}
			q := rng.Uint64()
			b.ResetTimer()
			c := 0
			for i := 0; i < b.N; i++ {
				for _, h := range hs {
					if bits.OnesCount64(h^q) <= 10 {
						c++
					}
				}
			}
			_ = c
		})
	}
}
