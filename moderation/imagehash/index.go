package imagehash

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
)

// Index is a Hamming-space index of 64-bit hashes: multi-index hashing (Norouzi et al.) with
// four tables, one per 16-bit chunk. A hash within distance r of a query agrees with it on at
// least one chunk to within r/4 bits (pigeonhole), so probing every bucket within r/4 of each
// query chunk and checking the full distance of what is there finds every match: results are
// exact for any radius, and the work grows with the radius (the design point is r ≤ 12).
//
// Each table stores the hashes of its buckets contiguously, so a probe is a sequential scan:
// table 0 the full hashes (8 bytes) and the reference of each (4 bytes, the key of its
// metadata), tables 1–3 only the 48 bits outside their chunk (6 bytes; the bucket gives the
// rest). That is 30 bytes per hash, plus 1 MiB of bucket offsets per index. Adds go to a small unsorted delta that
// is scanned linearly and merged into the tables in the background when it grows past a
// threshold (a merge at 10M hashes takes seconds; adds and queries never wait for it).
//
// An Index is safe for concurrent use: any number of queries run with one writer.
type Index struct {
	wmu sync.Mutex // serialises merges, so a merge can read the tables without the write lock

	mu        sync.RWMutex
	tables    [4]table
	refs0     []uint32 // refs0[i] is the reference of tables[0].hashes[i]
	delta     []uint64
	deltaRefs []uint32
	removed   map[uint32]struct{}
	merged    int  // hashes in the tables (including removed ones not yet purged)
	merging   bool // a background merge is running

	// MaxDelta is how many adds are kept unsorted before a merge. Zero means 8192.
	MaxDelta int
}

type table struct {
	offsets []uint32 // len 65537 once built: bucket c is entries offsets[c]..offsets[c+1]
	hashes  []uint64 // table 0: the full hashes
	packed  []byte   // tables 1–3: 6 bytes per hash (the 48 bits outside the chunk), +2 slack
}

const mask48 = 1<<48 - 1

// pack drops chunk j from h, keeping the other 48 bits in order.
func pack(h uint64, j int) uint64 {
	low := uint64(1)<<(16*j) - 1
	return h&low | (h>>16)&^low
}

// unpack puts chunk value c back into the 48 bits of a packed hash.
func unpack(rest uint64, c uint16, j int) uint64 {
	low := uint64(1)<<(16*j) - 1
	return rest&low | uint64(c)<<(16*j) | (rest&^low)<<16
}

// restAt reads packed entry i.
func (t *table) restAt(i uint32) uint64 {
	return binary.LittleEndian.Uint64(t.packed[6*uint64(i):]) & mask48
}

// chunkMasks lists every 16-bit mask with at most 4 bits set, by popcount.
var chunkMasks, chunkMaskEnd = func() ([]uint16, [6]int) {
	var m []uint16
	var end [6]int
	for pc := 0; pc <= 4; pc++ {
		for v := 0; v < 1<<16; v++ {
			if bits.OnesCount16(uint16(v)) == pc {
				m = append(m, uint16(v))
			}
		}
		end[pc] = len(m)
	}
	end[5] = len(m)
	return m, end
}()

// MaxRadius is the largest radius Query accepts.
const MaxRadius = 19

func chunk(h uint64, j int) uint16 { return uint16(h >> (16 * j)) }

// Add indexes hash h under reference ref (the caller's key for its metadata). It never
// waits for a merge.
func (x *Index) Add(h uint64, ref uint32) {
	limit := x.MaxDelta
	if limit <= 0 {
		limit = 8192
	}
	x.mu.Lock()
	x.delta = append(x.delta, h)
	x.deltaRefs = append(x.deltaRefs, ref)
	start := len(x.delta) >= limit && !x.merging
	if start {
		x.merging = true
	}
	x.mu.Unlock()
	if start {
		go func() {
			x.wmu.Lock()
			x.merge()
			x.wmu.Unlock()
			x.mu.Lock()
			x.merging = false
			x.mu.Unlock()
		}()
	}
}

// addPair indexes the whole-image and centre-crop hashes of entry ref (references 2*ref and
// 2*ref+1).
func (x *Index) addPair(whole, crop uint64, ref uint32) {
	x.Add(whole, 2*ref)
	x.Add(crop, 2*ref+1)
}

// AddBatch indexes many hashes at once and merges them into the tables before returning:
// the way to rebuild. refs[i] is the reference of hs[i].
func (x *Index) AddBatch(hs []uint64, refs []uint32) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	x.delta = append(x.delta, hs...)
	x.deltaRefs = append(x.deltaRefs, refs...)
	x.mu.Unlock()
	x.merge()
}

// Remove makes reference ref invisible to queries; its hashes are purged at the next merge.
func (x *Index) Remove(ref uint32) {
	x.mu.Lock()
	if x.removed == nil {
		x.removed = make(map[uint32]struct{})
	}
	x.removed[ref] = struct{}{}
	x.mu.Unlock()
}

// Len returns the number of indexed hashes that are not removed.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.merged + len(x.delta)
	for range x.removed {
		n--
	}
	return max(n, 0)
}

// merge rebuilds the tables from the tables and the current delta. The caller holds wmu;
// readers keep using the old tables, and adds keep going to the delta, until the swap.
func (x *Index) merge() {
	x.mu.RLock()
	old0, oldRefs := x.tables[0].hashes, x.refs0
	nd := len(x.delta)
	delta, deltaRefs := x.delta[:nd:nd], x.deltaRefs[:nd:nd]
	removed := make(map[uint32]struct{}, len(x.removed))
	for r := range x.removed {
		removed[r] = struct{}{}
	}
	x.mu.RUnlock()

	n := len(old0) + len(delta)
	all := make([]uint64, 0, n)
	allRefs := make([]uint32, 0, n)
	keep := func(hs []uint64, rs []uint32) {
		for i, h := range hs {
			if _, gone := removed[rs[i]]; !gone {
				all = append(all, h)
				allRefs = append(allRefs, rs[i])
			}
		}
	}
	keep(old0, oldRefs)
	keep(delta, deltaRefs)

	var tabs [4]table
	var refs0 []uint32
	for j := range tabs {
		var counts [1<<16 + 1]uint32
		for _, h := range all {
			counts[int(chunk(h, j))+1]++
		}
		for i := 1; i < len(counts); i++ {
			counts[i] += counts[i-1]
		}
		t := table{offsets: slices.Clone(counts[:])}
		pos := counts[:1<<16]
		if j == 0 {
			t.hashes = make([]uint64, len(all))
			refs0 = make([]uint32, len(all))
		} else {
			t.packed = make([]byte, 6*len(all)+2)
		}
		var b [8]byte
		for i, h := range all {
			c := chunk(h, j)
			if j == 0 {
				t.hashes[pos[c]] = h
				refs0[pos[c]] = allRefs[i]
			} else {
				binary.LittleEndian.PutUint64(b[:], pack(h, j))
				copy(t.packed[6*uint64(pos[c]):], b[:6])
			}
			pos[c]++
		}
		tabs[j] = t
	}

	x.mu.Lock()
	x.tables, x.refs0, x.merged = tabs, refs0, len(all)
	// Adds that arrived during the merge stay in the delta.
	x.delta = append([]uint64(nil), x.delta[nd:]...)
	x.deltaRefs = append([]uint32(nil), x.deltaRefs[nd:]...)
	for r := range removed {
		delete(x.removed, r)
	}
	x.mu.Unlock()
}

// Query calls fn for every indexed hash within distance radius of q (0 ≤ radius ≤ MaxRadius),
// with its reference and distance, in no particular order, each reference once per stored
// hash. fn must not call back into the index.
func (x *Index) Query(q uint64, radius int, fn func(ref uint32, h uint64, dist int)) {
	radius = min(max(radius, 0), MaxRadius)
	x.mu.RLock()
	defer x.mu.RUnlock()
	rho := radius / 4
	masks := chunkMasks[:chunkMaskEnd[rho]]
	if x.merged > 0 {
		// Table 0 holds full hashes.
		t := &x.tables[0]
		qc := chunk(q, 0)
		for _, m := range masks {
			c := qc ^ m
			bucket := t.hashes[t.offsets[c]:t.offsets[int(c)+1]]
			for k, h := range bucket {
				d := bits.OnesCount64(h ^ q)
				// Equal hashes are reported together, at their first copy in the bucket.
				if d <= radius && !slices.Contains(bucket[:k], h) {
					x.reportLocked(h, d, fn)
				}
			}
		}
		// Tables 1–3 hold the 48 other bits of each hash.
		for j := 1; j < len(x.tables); j++ {
			t := &x.tables[j]
			qc := chunk(q, j)
			for _, m := range masks {
				c := qc ^ m
				lo, hi := t.offsets[c], t.offsets[int(c)+1]
				for i := lo; i < hi; i++ {
					rest := t.restAt(i)
					h := unpack(rest, c, j)
					d := bits.OnesCount64(h ^ q)
					if d > radius {
						continue
					}
					// Report a hash only from the first table in which it is within rho, so
					// that each stored hash is reported once.
					first := true
					for p := 0; p < j; p++ {
						if bits.OnesCount16(chunk(h, p)^chunk(q, p)) <= rho {
							first = false
							break
						}
					}
					if first && !t.hasBefore(lo, i, rest) {
						x.reportLocked(h, d, fn)
					}
				}
			}
		}
	}
	for i, h := range x.delta {
		if d := bits.OnesCount64(h ^ q); d <= radius {
			if _, gone := x.removed[x.deltaRefs[i]]; !gone {
				fn(x.deltaRefs[i], h, d)
			}
		}
	}
}

// hasBefore reports whether entries lo..i-1 hold rest (an equal hash earlier in the bucket).
func (t *table) hasBefore(lo, i uint32, rest uint64) bool {
	for k := lo; k < i; k++ {
		if t.restAt(k) == rest {
			return true
		}
	}
	return false
}

// reportLocked calls fn for every reference of hash h in the tables: equal hashes share a
// bucket of table 0.
func (x *Index) reportLocked(h uint64, d int, fn func(uint32, uint64, int)) {
	t := &x.tables[0]
	c := chunk(h, 0)
	for i := t.offsets[c]; i < t.offsets[int(c)+1]; i++ {
		if t.hashes[i] != h {
			continue
		}
		if _, gone := x.removed[x.refs0[i]]; !gone {
			fn(x.refs0[i], h, d)
		}
	}
}

// Bytes returns the memory held by the tables and the delta (not the metadata).
func (x *Index) Bytes() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := 8*cap(x.delta) + 4*cap(x.deltaRefs) + 4*cap(x.refs0)
	for _, t := range x.tables {
		n += 4*cap(t.offsets) + 8*cap(t.hashes) + cap(t.packed)
	}
	return n
}
