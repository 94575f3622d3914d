package rules

import (
	"slices"
	"unicode/utf8"
)

// runeAC is trustd's own Aho-Corasick automaton over runes (EngineRunes): states in CSR form with
// sorted edges, a dense table for the root's transitions in the BMP, failure and dictionary
// suffix links, and positions reported directly. Normalised keys are mostly multi-byte CJK, so
// stepping per rune instead of per byte does a third of the transitions.
type runeAC struct {
	edgeStart []int32 // state → first edge; len = states+1
	edges     []raEdge
	fail      []int32
	dictLink  []int32 // next state on the failure chain that has outputs, or -1
	outStart  []int32 // state → first output; len = states+1
	outs      []int32 // pattern indices
	patLen    []int32 // pattern → byte length
	root      []int32 // rune < 0x10000 → state reached from the root (0 = root)
	invalid   naive   // patterns that are not valid UTF-8, matched naively (never in rules keys)
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
		dictLink: make([]int32, len(nodes)), outStart: make([]int32, len(nodes)+1),
		patLen: make([]int32, len(patterns)), root: make([]int32, 0x10000)}
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
		if e.r < 0x10000 {
			a.root[e.r] = e.next
		}
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
	return a
}

// step follows the edge of state s labelled r.
func (a *runeAC) step(s int32, r rune) (int32, bool) {
	if s == 0 && uint32(r) < 0x10000 {
		n := a.root[r]
		return n, n != 0
	}
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
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if size == 1 {
				r = -1 // an invalid byte matches no (valid) pattern rune
			}
		}
		i += size
		for {
			if nx, ok := a.step(st, r); ok {
				st = nx
				break
			}
			if st == 0 {
				break
			}
			st = a.fail[st]
		}
		for o := st; o > 0; o = a.dictLink[o] {
			for _, p := range a.outs[a.outStart[o]:a.outStart[o+1]] {
				fn(int(p), i-int(a.patLen[p]), i)
			}
		}
	}
	if len(a.invalid) > 0 {
		a.invalid.Find(s, fn)
	}
}
