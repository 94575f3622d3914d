package rules

import (
	"fmt"
	"strings"
	"unsafe"

	cfahocorasick "github.com/cloudflare/ahocorasick"
	pdahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// Matcher finds every occurrence of a fixed set of patterns in a string. Implementations are
// immutable after construction and safe for concurrent use.
type Matcher interface {
	// Find calls fn for every occurrence of every pattern in s, overlapping occurrences
	// included, with the pattern's index and the byte span [start, end) in s. The order of
	// calls is unspecified.
	Find(s string, fn func(pattern, start, end int))
}

// Engine names a Matcher implementation.
type Engine string

// The engines. Both pass the same tests; the default was chosen by measurement (see doc.go).
const (
	// EngineCloudflare is github.com/cloudflare/ahocorasick (MatchThreadSafe). It reports which
	// patterns occur, not where, so positions are found afterwards with strings.Index.
	EngineCloudflare Engine = "cloudflare"
	// EnginePositional is github.com/petar-dambovaliev/aho-corasick with standard (overlapping)
	// match semantics, which reports positions directly.
	EnginePositional Engine = "positional"
	// EngineRunes is trustd's own Aho-Corasick automaton over runes (runeac.go), with
	// positions; normalised keys are mostly multi-byte CJK, so it steps per character.
	EngineRunes Engine = "runes"
	// EngineNaive is the reference matcher (strings.Index per pattern), for tests.
	EngineNaive Engine = "naive"
)

// DefaultEngine is the engine Compile uses when none is configured.
const DefaultEngine = EngineRunes

// ErrUnknownEngine is returned for an Engine name that is not one of the constants.
var ErrUnknownEngine = fmt.Errorf("rules: unknown matcher engine")

// NewMatcher builds a matcher for patterns with the given engine. Empty patterns are ignored.
func NewMatcher(e Engine, patterns []string) (Matcher, error) {
	switch e {
	case EngineCloudflare:
		return newCloudflare(patterns), nil
	case EnginePositional, "":
		return newPositional(patterns), nil
	case EngineRunes:
		return newRuneAC(patterns), nil
	case EngineNaive:
		return naive(patterns), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownEngine, e)
}

type emptyMatcher struct{}

func (emptyMatcher) Find(string, func(int, int, int)) {}

// naive is the reference matcher.
type naive []string

func (n naive) Find(s string, fn func(pattern, start, end int)) {
	for p, pat := range n {
		if pat == "" {
			continue
		}
		for off := 0; off <= len(s)-len(pat); {
			i := strings.Index(s[off:], pat)
			if i < 0 {
				break
			}
			fn(p, off+i, off+i+len(pat))
			off += i + 1
		}
	}
}

type cloudflare struct {
	m        *cfahocorasick.Matcher
	patterns []string
	index    [][]int // position in m's dictionary → caller's pattern indices (duplicates share one)
	long     naive   // patterns longer than cloudflareMaxLen, by caller's index
}

// cloudflareMaxLen bounds the patterns given to cloudflare/ahocorasick: its builder finds every
// failure link by trying each suffix of the node's path from the root, which costs O(L³) for a
// pattern of L bytes (a 4 000-byte pattern takes minutes; FuzzMatchers found it). Longer patterns,
// which real dictionaries do not have (64 bytes is 21 Chinese characters), are matched naively.
const cloudflareMaxLen = 64

func newCloudflare(patterns []string) Matcher {
	c := &cloudflare{}
	seen := map[string]int{}
	for i, p := range patterns {
		if p == "" {
			continue
		}
		if len(p) > cloudflareMaxLen {
			c.long = append(c.long, make([]string, i+1-len(c.long))...)
			c.long[i] = p
			continue
		}
		if j, ok := seen[p]; ok {
			c.index[j] = append(c.index[j], i)
			continue
		}
		seen[p] = len(c.patterns)
		c.patterns = append(c.patterns, p)
		c.index = append(c.index, []int{i})
	}
	switch {
	case len(c.patterns) == 0 && len(c.long) == 0:
		return emptyMatcher{}
	case len(c.patterns) == 0:
		return c.long
	}
	c.m = cfahocorasick.NewStringMatcher(c.patterns)
	return c
}

func (c *cloudflare) Find(s string, fn func(pattern, start, end int)) {
	c.long.Find(s, fn)
	for _, i := range c.m.MatchThreadSafe(bytesOf(s)) {
		pat := c.patterns[i]
		for off := 0; off <= len(s)-len(pat); {
			j := strings.Index(s[off:], pat)
			if j < 0 {
				break
			}
			for _, p := range c.index[i] {
				fn(p, off+j, off+j+len(pat))
			}
			off += j + 1
		}
	}
}

type positional struct {
	ac    pdahocorasick.AhoCorasick
	index []int
}

func newPositional(patterns []string) Matcher {
	p := &positional{}
	var pats []string
	for i, s := range patterns {
		if s == "" {
			continue
		}
		pats = append(pats, s)
		p.index = append(p.index, i)
	}
	if len(pats) == 0 {
		return emptyMatcher{}
	}
	b := pdahocorasick.NewAhoCorasickBuilder(pdahocorasick.Opts{MatchKind: pdahocorasick.StandardMatch, DFA: len(pats) <= 20000})
	p.ac = b.Build(pats)
	return p
}

func (p *positional) Find(s string, fn func(pattern, start, end int)) {
	it := p.ac.IterOverlappingByte(bytesOf(s))
	for m := it.Next(); m != nil; m = it.Next() {
		fn(p.index[m.Pattern()], m.Start(), m.End())
	}
}

// bytesOf returns the bytes of s without copying; the matchers only read them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
