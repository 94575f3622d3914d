package rules

import (
	"math/bits"
	"slices"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation/text"
)

// runeAC is trustd's own Aho-Corasick automaton over runes (EngineRunes): states with sorted
// edges (a state's only edge kept in the state itself), a two-level table for the root's
// transitions in the BMP, failure and dictionary suffix links, and positions reported directly.
// Normalised keys are mostly multi-byte CJK, so stepping per rune instead of per byte does a
// third of the transitions.
type runeAC struct {
	states   []raState
	edges    []raEdge
	dictLink []int32 // next state on the failure chain that has outputs, or -1
	outStart []int32 // state → first output; len = states+1
	outs     []int32 // pattern indices
	patLen   []int32 // pattern → byte length
	patRunes []int32 // pattern → length in runes
	// The root's transitions for runes < 0x10000: rootPages[rootPage[r>>rootBits]<<rootBits |
	// r&rootMask] is the state reached (0 = root). Blocks of runes without a transition share
	// page 0, so the table stays small (a few KiB for the shipped rules; a dense one would be
	// 256 KiB that the text stage's other tables compete with for cache).
	rootPage  [0x10000 >> rootBits]uint16
	rootPages []int32
	invalid   naive // patterns that are not valid UTF-8, matched naively (never in rules keys)
}

const (
	rootBits = 6
	rootMask = 1<<rootBits - 1
)

// rootStep returns the state the root of the built automaton goes to on r (0 when it has no
// edge for r).
func (a *runeAC) rootStep(r rune) int32 {
	if uint32(r) >= 0x10000 {
		n, _ := a.builtStep(0, r)
		return n
	}
	return a.rootPages[int(a.rootPage[r>>rootBits])<<rootBits|int(r&rootMask)]
}

type raEdge struct {
	r    rune
	next int32
}

// mayHaveEdge reports whether state s, which has two or more edges (next < 0), may have one labelled r:
// the header edge before s's list holds a 64-bit filter with bit r&63 set for every edge
// rune. Most runes read in such a state have no edge, and the filter rejects them without a
// search of the list. When no two edge runes share their low six bits (the filter has one
// bit per edge), the list is in the order of those bits, so that multiStep finds the edge
// at r's rank in the filter without a search.
func (a *runeAC) mayHaveEdge(s *raState, r rune) bool {
	h := a.edges[s.edge-1]
	return (uint64(uint32(h.r))|uint64(uint32(h.next))<<32)>>(r&63)&1 != 0
}

// raState is what a scan reads of a state, in one 16-byte record: with a large dictionary most
// states are visited once and then left by their failure link, and most have a single edge, so
// one cache line serves the whole visit.
type raState struct {
	// The edges: next > 0 is a single edge, rune edge → state next (no state has an edge to the
	// root); next ≤ 0 is -next edges from edges[edge].
	edge, next int32
	fail       int32
	out        int32 // the state itself if it has outputs, else its dictionary link (-1: none)
}

func newRuneAC(patterns []string) Matcher {
	type node struct {
		next map[rune]int32
		out  []int32
	}
	nodes := []node{{}}
	var invalid naive
	for i, p := range patterns {
		if p == "" {
			continue
		}
		if !utf8.ValidString(p) {
			invalid = append(invalid, make([]string, i+1-len(invalid))...)
			invalid[i] = p
			continue
		}
		s := int32(0)
		for _, r := range p {
			if nodes[s].next == nil {
				nodes[s].next = map[rune]int32{}
			}
			n, ok := nodes[s].next[r]
			if !ok {
				n = int32(len(nodes))
				nodes = append(nodes, node{})
				nodes[s].next[r] = n
			}
			s = n
		}
		nodes[s].out = append(nodes[s].out, int32(i))
	}
	if len(nodes) == 1 && len(invalid) == 0 {
		return emptyMatcher{}
	}
	a := &runeAC{invalid: invalid, states: make([]raState, len(nodes)), dictLink: make([]int32, len(nodes)),
		outStart: make([]int32, len(nodes)+1), patLen: make([]int32, len(patterns)),
		patRunes: make([]int32, len(patterns)), rootPages: make([]int32, 1<<rootBits)}
	for i, p := range patterns {
		a.patLen[i] = int32(len(p))
		a.patRunes[i] = int32(utf8.RuneCountInString(p))
	}
	// Every state's edges, sorted, in a.edges while the automaton is built; the states' own
	// records take single edges out at the end.
	edgeStart := make([]int32, len(nodes)+1)
	for i, n := range nodes {
		edgeStart[i] = int32(len(a.edges))
		start := len(a.edges)
		for r, nx := range n.next {
			a.edges = append(a.edges, raEdge{r, nx})
		}
		slices.SortFunc(a.edges[start:], func(x, y raEdge) int { return int(x.r - y.r) })
		a.states[i].edge, a.states[i].next = int32(start), -int32(len(a.edges)-start)
		a.outStart[i] = int32(len(a.outs))
		a.outs = append(a.outs, n.out...)
	}
	edgeStart[len(nodes)] = int32(len(a.edges))
	a.outStart[len(nodes)] = int32(len(a.outs))
	rootEdges := a.edges[edgeStart[0]:edgeStart[1]]
	for _, e := range rootEdges {
		if e.r < 0 || e.r >= 0x10000 {
			continue
		}
		pg := &a.rootPage[e.r>>rootBits]
		if *pg == 0 {
			*pg = uint16(len(a.rootPages) >> rootBits)
			a.rootPages = append(a.rootPages, make([]int32, 1<<rootBits)...)
		}
		a.rootPages[int(*pg)<<rootBits|int(e.r&rootMask)] = e.next
	}
	// Breadth-first: failure links and dictionary suffix links.
	queue := make([]int32, 0, len(nodes))
	for _, e := range rootEdges {
		a.states[e.next].fail = 0
		a.dictLink[e.next] = -1
		queue = append(queue, e.next)
	}
	a.dictLink[0] = -1
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range a.edges[edgeStart[s]:edgeStart[s+1]] {
			f := a.states[s].fail
			for {
				if nx, ok := a.step(f, e.r); ok {
					a.states[e.next].fail = nx
					break
				}
				if f == 0 {
					a.states[e.next].fail = 0
					break
				}
				f = a.states[f].fail
			}
			fl := a.states[e.next].fail
			if a.outStart[fl] < a.outStart[fl+1] {
				a.dictLink[e.next] = fl
			} else {
				a.dictLink[e.next] = a.dictLink[fl]
			}
			queue = append(queue, e.next)
		}
	}
	// The edges of states with two or more, each list after a header edge that holds the
	// list's rune filter (see mayHaveEdge).
	var multi []raEdge
	for i := range a.states {
		st := &a.states[i]
		st.out = a.dictLink[i]
		if a.outStart[i] < a.outStart[i+1] {
			st.out = int32(i)
		}
		switch es := a.edges[st.edge : st.edge-st.next]; len(es) {
		case 0:
			st.edge = 0
		case 1:
			st.edge, st.next = es[0].r, es[0].next
		default:
			var filter uint64
			for _, e := range es {
				filter |= 1 << (e.r & 63)
			}
			if bits.OnesCount64(filter) == len(es) {
				slices.SortFunc(es, func(x, y raEdge) int { return int(x.r&63 - y.r&63) })
			}
			st.edge = int32(len(multi)) + 1
			multi = append(multi, raEdge{r: int32(uint32(filter)), next: int32(filter >> 32)})
			multi = append(multi, es...)
		}
	}
	a.edges = slices.Clip(multi)
	return a
}

// step follows the edge of state s labelled r while the automaton is built.
func (a *runeAC) step(s int32, r rune) (int32, bool) {
	if s == 0 && uint32(r) < 0x10000 {
		n := a.rootPages[int(a.rootPage[r>>rootBits])<<rootBits|int(r&rootMask)]
		return n, n != 0
	}
	st := &a.states[s]
	return searchEdges(a.edges[st.edge:st.edge-st.next], r)
}

// builtStep follows the edge of state s labelled r in the built automaton.
func (a *runeAC) builtStep(s int32, r rune) (int32, bool) {
	st := &a.states[s]
	switch {
	case st.next > 0:
		if st.edge == r {
			return st.next, true
		}
		return 0, false
	case st.next < 0:
		return a.multiStep(st, r)
	}
	return 0, false
}

// multiStep follows the edge labelled r of state s, which has two or more (see mayHaveEdge).
func (a *runeAC) multiStep(s *raState, r rune) (int32, bool) {
	h := a.edges[s.edge-1]
	filter := uint64(uint32(h.r)) | uint64(uint32(h.next))<<32
	bit := uint64(1) << (uint32(r) & 63)
	if filter&bit == 0 {
		return 0, false
	}
	es := a.edges[s.edge : s.edge-s.next]
	if bits.OnesCount64(filter) == len(es) {
		if e := es[bits.OnesCount64(filter&(bit-1))]; e.r == r {
			return e.next, true
		}
		return 0, false
	}
	return searchEdges(es, r)
}

// searchEdges looks the edge labelled r up in es, sorted by rune.
func searchEdges(es []raEdge, r rune) (int32, bool) {
	if len(es) <= 8 {
		for _, e := range es {
			if e.r == r {
				return e.next, true
			}
		}
		return 0, false
	}
	lo, hi := 0, len(es)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if es[m].r < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(es) && es[lo].r == r {
		return es[lo].next, true
	}
	return 0, false
}

func (a *runeAC) Find(s string, fn func(pattern, start, end int)) {
	st := int32(0)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		switch {
		case r < utf8.RuneSelf:
		case i+2 < len(s) && (r >= 0xE1 && r <= 0xEC || r == 0xEE || r == 0xEF) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			// Three bytes without range checks: most CJK text.
			r, size = (r&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F), 3
		default:
			r, size = utf8.DecodeRuneInString(s[i:])
			if size == 1 {
				r = -1 // an invalid byte matches no (valid) pattern rune
			}
		}
		i += size
		for st != 0 {
			if nx, ok := a.builtStep(st, r); ok {
				st = nx
				goto matched
			}
			st = a.states[st].fail
		}
		st = a.rootStep(r)
		if st == 0 {
			continue
		}
	matched:
		for o := a.states[st].out; o > 0; o = a.dictLink[o] {
			for _, p := range a.outs[a.outStart[o]:a.outStart[o+1]] {
				fn(int(p), i-int(a.patLen[p]), i)
			}
		}
	}
	if len(a.invalid) > 0 {
		a.invalid.Find(s, fn)
	}
}

// findUnits is Find over a normalised text's units, whose runes are the key's runes: it steps
// on each unit's rune, so the key is not decoded again, and reports [start, end) as unit
// indices, so the caller needs no UnitAt search. Patterns that are not valid UTF-8 are left out:
// in a key they could only match parts of runes, which are no unit range.
//
// The root's table and single-edge states are looked up inline: most runes are stepped from
// the root or from a state with one edge, and a call per rune cost more than the lookup.
func (a *runeAC) findUnits(units []text.Unit, fn func(pattern, start, end int)) {
	st := int32(0)
	for i := range units {
		r := units[i].Rune
		for st != 0 {
			s := &a.states[st]
			if s.next > 0 {
				if s.edge == r {
					st = s.next
					goto matched
				}
			} else if s.next < 0 && a.mayHaveEdge(s, r) {
				if nx, ok := a.multiStep(s, r); ok {
					st = nx
					goto matched
				}
			}
			st = s.fail
		}
		if uint32(r) < 0x10000 {
			st = a.rootPages[int(a.rootPage[r>>rootBits])<<rootBits|int(r&rootMask)]
		} else {
			st, _ = a.builtStep(0, r)
		}
		if st == 0 {
			continue
		}
	matched:
		for o := a.states[st].out; o > 0; o = a.dictLink[o] {
			for _, p := range a.outs[a.outStart[o]:a.outStart[o+1]] {
				fn(int(p), i+1-int(a.patRunes[p]), i+1)
			}
		}
	}
}
