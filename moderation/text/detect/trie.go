package detect

import (
	"slices"

	"github.com/trustd/trustd/moderation/text/internal/decode"
)

// kind is what a trie pattern means.
type kind uint8

const (
	kNone   kind = iota
	kAdd         // 加, +, ➕: "add", a generic contact trigger
	kPhone       // 手机, 电话, tel: phone-number trigger
	kQQ          // QQ, 扣扣, 企鹅: QQ-number trigger
	kWeChat      // 微信, vx, wx: WeChat-id trigger
	kBait        // 私我, dm me: contact bait
	kTao         // 复制这段描述, 打开淘宝: 淘口令 trigger
	kAdLaw       // 最佳, 销量第一: Advertising-Law absolute term
	kPromo       // subscribe, check out, follow: an English self-promotion verb
	kSocial      // ig, telegram, 抖音号: another platform's handle follows
)

// pattern is one trigger or term.
type pattern struct {
	word   string // canonical spelling, reported as Term or Value
	kind   kind
	weak   bool   // a single Latin letter (v, q): needs a ':' or digits right after it
	latin0 bool   // starts with an ASCII letter or digit: needs a word boundary before
	latin1 bool   // ends with an ASCII letter or digit: needs a word boundary after
	notAft string // runes that must not directly precede the match (自私 is not 私我)
	notFol []string
}

// wildRune marks "one or more symbols or emoji" inside a pattern (written as any symbol, e.g. 微❤).
const wildRune = -1

type trieNode struct {
	runes []rune
	kids  []int32
	term  int32 // pattern index + 1, or 0
	// follow has bit c&63 set for every child rune c: a rune whose bit is clear has no edge.
	follow uint64
}

// trie matches patterns over folded runes, skipping a few noise runes between pattern runes.
type trie struct {
	nodes   []trieNode
	pats    []pattern
	rootASC [128]int32
	rootBMP *bmpSet        // raw BMP runes whose fold is a root rune
	stop    *bmpSet        // cjkStops(rootBMP), for skipPlainCJK
	rootKid map[rune]int32 // the root's children for runes outside the BMP (and wildRune)
	// The root's children for BMP runes outside ASCII, in pages of 64 runes:
	// rootPages[rootPage[r>>6]<<6|r&63] is the child (0: none). Runes without one share page 0.
	rootPage  [0x10000 >> 6]uint16
	rootPages []int32
	wild      []int32 // nodes reached through a wildcard edge
	// asciiStart classifies ASCII bytes for a scan that looks only at word starts (start*).
	asciiStart [128]uint8
	// bigram[a] has bit b set when a pattern starting with ASCII letter a continues with
	// ASCII letter b; a word whose first two letters are not a bigram cannot match.
	bigram [26]uint32
}

// What an ASCII byte is at the start of a word (trie.asciiStart).
const (
	startNone   = iota // not a letter or digit
	startAlnum         // a letter or digit that starts no pattern
	startLetter        // a letter that may start a pattern (see mayStartWord)
	startDigit         // a digit that starts a pattern
)

// mayStartWord reports whether a pattern may match at the ASCII letter text[i] (folded to
// lower case) given the byte after it.
func (t *trie) mayStartWord(text string, i int) bool {
	a := text[i] | 0x20
	if t.rootASC[a] == 0 {
		return false
	}
	if i+1 >= len(text) {
		return true
	}
	b := text[i+1]
	if b >= 0x80 || asciiClass[b]&cLetter == 0 {
		return true
	}
	return t.bigram[a-'a']&(1<<((b|0x20)-'a')) != 0
}

// maxGap is how many noise runes may separate two runes of a pattern (最·佳, 加❤V, 淘♂宝).
const maxGap = 3

func newTrie() *trie {
	return &trie{nodes: []trieNode{{}}}
}

// add inserts word (already in canonical spelling) with its pattern data. Symbols inside the
// word become wildcards. It returns false for a word that folds to nothing usable.
func (t *trie) add(p pattern) bool {
	n := int32(0)
	count := 0
	var first, last rune
	for _, r := range p.word {
		var fr rune
		switch {
		case isSymbolNoise(r) && count > 0:
			fr = wildRune
		case isSymbolNoise(r) && count == 0:
			fr = fold(r) // a symbol trigger: ☎, +, ➕
		case isNoise(r):
			continue
		default:
			fr = fold(r)
		}
		if count == 0 {
			first = fr
		}
		if fr != wildRune {
			last = fr
		}
		count++
		n = t.child(n, fr)
	}
	if count == 0 {
		return false
	}
	p.latin0 = first < 0x80 && isAlnumASCII(byte(first))
	if rs := []rune(foldString(p.word)); len(rs) >= 2 && rs[0] >= 'a' && rs[0] <= 'z' && rs[1] >= 'a' && rs[1] <= 'z' {
		t.bigram[rs[0]-'a'] |= 1 << (rs[1] - 'a')
	}
	p.latin1 = last < 0x80 && isAlnumASCII(byte(last))
	if t.nodes[n].term != 0 {
		// Keep the first definition; later duplicates (variant tables repeating a built-in) are harmless.
		return true
	}
	t.pats = append(t.pats, p)
	t.nodes[n].term = int32(len(t.pats))
	return true
}

// next returns the child of node n for rune r, or -1. It is for the finished trie (see finish).
func (t *trie) next(n int32, r rune) int32 {
	if n == 0 {
		if uint32(r) < 0x80 {
			if k := t.rootASC[r]; k != 0 {
				return k
			}
		} else if uint32(r) < 0x10000 {
			if k := t.rootPages[int(t.rootPage[r>>6])<<6|int(r&63)]; k != 0 {
				return k
			}
		} else if k, ok := t.rootKid[r]; ok {
			return k
		}
		return -1
	}
	nd := &t.nodes[n]
	if nd.follow&(1<<(uint32(r)&63)) == 0 {
		return -1 // most walks end here, at a rune with no edge
	}
	if len(nd.runes) <= 8 { // most nodes have one or two children
		for i, c := range nd.runes {
			if c == r {
				return nd.kids[i]
			}
		}
		return -1
	}
	if i, found := slices.BinarySearch(nd.runes, r); found {
		return nd.kids[i]
	}
	return -1
}

// child returns the child of node n for rune r, creating it when it is missing.
func (t *trie) child(n int32, r rune) int32 {
	nd := &t.nodes[n]
	i, found := slices.BinarySearch(nd.runes, r)
	if found {
		return nd.kids[i]
	}
	t.nodes = append(t.nodes, trieNode{})
	k := int32(len(t.nodes) - 1)
	nd = &t.nodes[n]
	nd.runes = slices.Insert(nd.runes, i, r)
	nd.kids = slices.Insert(nd.kids, i, k)
	if n == 0 && r >= 0 && r < 0x80 {
		t.rootASC[r] = k
	}
	if r == wildRune {
		t.wild = append(t.wild, k)
	}
	return k
}

// finish precomputes the set of raw BMP runes that can start a pattern.
func (t *trie) finish() {
	t.rootBMP = new(bmpSet)
	root := &t.nodes[0]
	t.rootKid = make(map[rune]int32)
	t.rootPages = make([]int32, 64)
	for i, c := range root.runes {
		switch {
		case c >= 0x80 && c < 0x10000:
			t.rootBMP.add(c)
			pg := &t.rootPage[c>>6]
			if *pg == 0 {
				*pg = uint16(len(t.rootPages) >> 6)
				t.rootPages = append(t.rootPages, make([]int32, 64)...)
			}
			t.rootPages[int(*pg)<<6|int(c&63)] = root.kids[i]
		case c >= 0x80 || c < 0:
			t.rootKid[c] = root.kids[i]
		}
	}
	for n := range t.nodes {
		nd := &t.nodes[n]
		nd.follow = 0
		for _, c := range nd.runes {
			nd.follow |= 1 << (uint32(c) & 63)
		}
	}
	// Runes that fold to a root rune: letters and digits in other styles, traditional forms.
	for r := rune(0x80); r < 0x10000; r++ {
		if !foldable.has(r) {
			continue
		}
		if _, ok := slices.BinarySearch(root.runes, fold(r)); ok {
			t.rootBMP.add(r)
		}
	}
	for r := rune(0); r < 0x80; r++ {
		if t.rootASC[fold(r)] != 0 {
			t.rootBMP.add(r)
		}
	}
	t.stop = cjkStops(t.rootBMP)
	for b := range t.asciiStart {
		switch cl := asciiClass[b]; {
		case cl&cLetter != 0 && t.rootASC[b|0x20] != 0:
			t.asciiStart[b] = startLetter
		case cl&cDigit != 0 && t.rootASC[b] != 0:
			t.asciiStart[b] = startDigit
		case cl&(cLetter|cDigit) != 0:
			t.asciiStart[b] = startAlnum
		}
	}
}

// starts reports whether raw rune r may start a pattern.
func (t *trie) starts(r rune) bool {
	if r < 0x10000 {
		return t.rootBMP.has(r)
	}
	return t.next(0, fold(r)) > 0
}

// deadEnd reports whether walk(text, i, …) certainly finds nothing, where text[i:] starts with
// the three-byte rune r that may start a pattern: r is a CJK ideograph that folds to itself,
// no pattern is r alone, and the next rune is such an ideograph too that continues no pattern
// after r (walk would stop there: an ideograph is neither noise nor a symbol). Most walks from
// common characters (全, 国, 中, 加) end that way; the check costs a fraction of a walk.
func (t *trie) deadEnd(text string, i int, r rune) bool {
	if r < 0x3400 || r > 0x9FFF || foldable.has(r) {
		return false
	}
	k := t.rootPages[int(t.rootPage[r>>6])<<6|int(r&63)]
	if k <= 0 {
		return false
	}
	nd := &t.nodes[k]
	if nd.term != 0 {
		return false
	}
	r2, ok := decode.Rune3(text, i+3)
	if !ok || r2 < 0x3400 || r2 > 0x9FFF || foldable.has(r2) {
		return false
	}
	return nd.follow&(1<<(r2&63)) == 0
}

// tmatch is one pattern ending at end.
type tmatch struct {
	pat int32
	end int
}

// walk matches patterns starting at text[start:] and appends every pattern that ends on the
// path (shortest first) to out.
func (t *trie) walk(text string, start int, out []tmatch) []tmatch {
	n := int32(0)
	pos := start
	gaps := 0
	for pos < len(text) {
		r, sz := rune(text[pos]), 1
		if r >= 0x80 {
			var ok bool
			if r, ok = decode.Rune3(text, pos); ok { // inlined: the common case
				sz = 3
			} else {
				r, sz = decode.Rune(text, pos)
			}
		}
		fr := r // fold(r), with the runes that fold to themselves inlined
		if r < 0x80 {
			if r >= 'A' && r <= 'Z' {
				fr += 'a' - 'A'
			}
		} else if r >= 0x10000 || foldable.has(r) {
			fr = fold(r)
		}
		if k := t.next(n, fr); k > 0 {
			n, pos, gaps = k, pos+sz, 0
			if tm := t.nodes[n].term; tm != 0 {
				out = append(out, tmatch{tm - 1, pos})
			}
			continue
		}
		if n == 0 || r >= 0x3400 && r <= 0x9FFF {
			break // a CJK ideograph is neither a symbol nor noise: the common way out
		}
		if isSymbolNoise(r) {
			if k := t.next(n, wildRune); k > 0 {
				n, pos, gaps = k, pos+sz, 0
				if tm := t.nodes[n].term; tm != 0 {
					out = append(out, tmatch{tm - 1, pos})
				}
				continue
			}
			if t.isWild(n) { // more symbols after a wildcard
				pos += sz
				if tm := t.nodes[n].term; tm != 0 {
					out = append(out, tmatch{tm - 1, pos})
				}
				continue
			}
		}
		if gaps < maxGap && isNoise(r) && (!isBreak(r) || verticalBreak(text, pos)) {
			gaps++
			pos += sz
			continue
		}
		break
	}
	return out
}

// isWild reports whether node n was reached through a wildcard edge.
func (t *trie) isWild(n int32) bool {
	for _, w := range t.wild {
		if w == n {
			return true
		}
	}
	return false
}

func isAlnumASCII(b byte) bool {
	return asciiClass[b&0x7F]&(cLetter|cDigit) != 0 && b < 0x80
}

// foldString folds every rune of s and drops noise, as add does for patterns.
func foldString(s string) string {
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		if isNoise(r) {
			continue
		}
		rs = append(rs, fold(r))
	}
	return string(rs)
}
