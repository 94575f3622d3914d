package rules

import (
	"slices"
	"unicode/utf8"
)

// runeAC is trustd's own Aho-Corasick automaton over runes (EngineRunes): states in CSR form with
// sorted edges, a two-level table for the root's transitions in the BMP, failure and dictionary
// suffix links, and positions reported directly. Normalised keys are mostly multi-byte CJK, so
// stepping per rune instead of per byte does a third of the transitions.
type runeAC struct {
	edgeStart []int32 // state → first edge; len = states+1
	edges     []raEdge
	fail      []int32
	dictLink  []int32 // next state on the failure chain that has outputs, or -1
	outLink   []int32 // the state itself if it has outputs, else dictLink
	outStart  []int32 // state → first output; len = states+1
	outs      []int32 // pattern indices
	patLen    []int32 // pattern → byte length
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

// rootStep returns the state the root goes to on r (0 when it has no edge for r).
func (a *runeAC) rootStep(r rune) int32 {
	if uint32(r) >= 0x10000 {
		n, _ := a.edgeStep(0, r)
		return n
	}
	return a.rootPages[int(a.rootPage[r>>rootBits])<<rootBits|int(r&rootMask)]
}

type raEdge struct {
	r    rune
	next int32
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
	a := &runeAC{invalid: invalid, edgeStart: make([]int32, len(nodes)+1), fail: make([]int32, len(nodes)),
		dictLink: make([]int32, len(nodes)), outLink: make([]int32, len(nodes)), outStart: make([]int32, len(nodes)+1),
		patLen: make([]int32, len(patterns)), rootPages: make([]int32, 1<<rootBits)}
	for i, p := range patterns {
		a.patLen[i] = int32(len(p))
	}
	for i, n := range nodes {
		a.edgeStart[i] = int32(len(a.edges))
		start := len(a.edges)
		for r, nx := range n.next {
			a.edges = append(a.edges, raEdge{r, nx})
		}
		slices.SortFunc(a.edges[start:], func(x, y raEdge) int { return int(x.r - y.r) })
		a.outStart[i] = int32(len(a.outs))
		a.outs = append(a.outs, n.out...)
	}
	a.edgeStart[len(nodes)] = int32(len(a.edges))
	a.outStart[len(nodes)] = int32(len(a.outs))
	for _, e := range a.edges[a.edgeStart[0]:a.edgeStart[1]] {
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
	for _, e := range a.edges[a.edgeStart[0]:a.edgeStart[1]] {
		a.fail[e.next] = 0
		a.dictLink[e.next] = -1
		queue = append(queue, e.next)
	}
	a.dictLink[0] = -1
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range a.edges[a.edgeStart[s]:a.edgeStart[s+1]] {
			f := a.fail[s]
			for {
				if nx, ok := a.step(f, e.r); ok {
					a.fail[e.next] = nx
					break
				}
				if f == 0 {
					a.fail[e.next] = 0
					break
				}
				f = a.fail[f]
			}
			fl := a.fail[e.next]
			if a.outStart[fl] < a.outStart[fl+1] {
				a.dictLink[e.next] = fl
			} else {
				a.dictLink[e.next] = a.dictLink[fl]
			}
			queue = append(queue, e.next)
		}
	}
	for st := range a.outLink {
		a.outLink[st] = a.dictLink[st]
		if a.outStart[st] < a.outStart[st+1] {
			a.outLink[st] = int32(st)
		}
	}
	return a
}

// step follows the edge of state s labelled r.
func (a *runeAC) step(s int32, r rune) (int32, bool) {
	if s == 0 && uint32(r) < 0x10000 {
		n := a.rootStep(r)
		return n, n != 0
	}
	return a.edgeStep(s, r)
}

// edgeStep looks the edge of state s labelled r up in s's sorted edge list.
func (a *runeAC) edgeStep(s int32, r rune) (int32, bool) {
	es := a.edges[a.edgeStart[s]:a.edgeStart[s+1]]
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
			if nx, ok := a.edgeStep(st, r); ok {
				st = nx
				goto matched
			}
			st = a.fail[st]
		}
		st = a.rootStep(r)
		if st == 0 {
			continue
		}
	matched:
		for o := a.outLink[st]; o > 0; o = a.dictLink[o] {
			for _, p := range a.outs[a.outStart[o]:a.outStart[o+1]] {
				fn(int(p), i-int(a.patLen[p]), i)
			}
		}
	}
	if len(a.invalid) > 0 {
		a.invalid.Find(s, fn)
	}
}
