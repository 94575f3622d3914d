package rules

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text"
	"github.com/trustd/trustd/moderation/text/detect"
)

// term is one compiled dictionary or allow entry.
type term struct {
	entry      Entry
	dictionary string
	allow      bool
}

// pattern is one normalised spelling of a term (a term has several when variants apply).
type pattern struct {
	t      *term
	key    string
	runs   []uint8
	breaks []bool // breaks[k]: the spelling has a word boundary before unit k
	units  int
	latin  bool // some unit is Latin: boundary rules apply
	first  bool // first unit is Latin
	last   bool // last unit is Latin
	censor int  // > 0: a vowel was dropped before this unit; the text must have noise there (f*ck)
}

// Set is one immutable, compiled snapshot of the rules. It implements moderation.Rules.
type Set struct {
	version  string
	engine   Engine
	files    []*File
	dict     Matcher
	dictPats [][]*pattern // by unique key index
	allow    Matcher
	allowPat [][]*pattern
	entries  map[string]*term // dictionary + "\x00" + term
	policy   *Policy
	detector *detect.Detector
	variants map[string][]string
	dicts    map[string]int // dictionary → entries
	onHit    func(dictionary, category string)
	// unitsOnly: both matchers walk a text's units (or match nothing), so scans need no key.
	unitsOnly bool
}

// CompileOptions tunes Compile. The zero value uses DefaultEngine and no hit callback.
type CompileOptions struct {
	// Engine selects the matcher; empty means DefaultEngine.
	Engine Engine
	// OnHit is called for every hit ScanText reports (metrics). Nil means none.
	OnHit func(dictionary, category string)
	// OwnDomains are the platform's own domains, passed to the contact detector.
	OwnDomains []string
}

// Compile builds a Set from parsed files. Errors name the file and line.
func Compile(files []*File, opt CompileOptions) (*Set, error) {
	s := &Set{engine: cmp.Or(opt.Engine, DefaultEngine), files: files, entries: map[string]*term{},
		variants: map[string][]string{}, dicts: map[string]int{}, onHit: opt.OnHit}
	h := sha256.New()
	var policyFiles []*File
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Entries))
		for _, e := range f.Entries {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%v\x00%v\x00%v\x00", e.Term, e.Category, e.Action, e.Match, e.Also, e.Categories, e.Scenes)
		}
		for _, k := range slices.Sorted(maps.Keys(f.Variants)) {
			fmt.Fprintf(h, "%s=%v\x00", k, f.Variants[k])
		}
		for _, p := range f.Policy {
			fmt.Fprintf(h, "%s %v %v\x00", p.Verb, p.Args, p.Opts)
		}
		switch f.Kind {
		case KindVariants:
			for k, v := range f.Variants {
				for _, sp := range v {
					if !slices.Contains(s.variants[k], sp) {
						s.variants[k] = append(s.variants[k], sp)
					}
				}
			}
		case KindPolicy:
			policyFiles = append(policyFiles, f)
		}
	}
	s.version = "r-" + hex.EncodeToString(h.Sum(nil))[:12]
	pol, err := compilePolicy(policyFiles)
	if err != nil {
		return nil, err
	}
	s.policy = pol

	dictKeys := map[string]int{}
	allowKeys := map[string]int{}
	var dictList, allowList []string
	for _, f := range files {
		if f.Kind != KindDictionary && f.Kind != KindAllow {
			continue
		}
		for _, e := range f.Entries {
			t := &term{entry: e, dictionary: f.ID, allow: f.Kind == KindAllow}
			if !t.allow {
				s.entries[f.ID+"\x00"+e.Term] = t
				s.dicts[f.ID]++
			}
			pats := s.spellings(t)
			if len(pats) == 0 {
				return nil, &LineError{File: f.Name, Line: e.Line, Msg: fmt.Sprintf("term %q has no letters after normalisation", e.Term)}
			}
			for _, p := range pats {
				if t.allow {
					allowList, s.allowPat = addPattern(allowKeys, allowList, s.allowPat, p)
				} else {
					dictList, s.dictPats = addPattern(dictKeys, dictList, s.dictPats, p)
				}
			}
		}
	}
	if s.dict, err = NewMatcher(s.engine, dictList); err != nil {
		return nil, err
	}
	if s.allow, err = NewMatcher(s.engine, allowList); err != nil {
		return nil, err
	}
	s.unitsOnly = walksUnits(s.dict) && walksUnits(s.allow)
	s.detector, err = detect.New(detect.Config{Variants: s.variants, OwnDomains: opt.OwnDomains})
	if err != nil {
		return nil, fmt.Errorf("build contact detector: %w", err)
	}
	return s, nil
}

// walksUnits reports whether find reads only a text's units with m (see findTo).
func walksUnits(m Matcher) bool {
	switch m.(type) {
	case *runeAC, emptyMatcher:
		return true
	}
	return false
}

func addPattern(keys map[string]int, list []string, groups [][]*pattern, p *pattern) ([]string, [][]*pattern) {
	i, ok := keys[p.key]
	if !ok {
		i = len(list)
		keys[p.key] = i
		list = append(list, p.key)
		groups = append(groups, nil)
	}
	groups[i] = append(groups[i], p)
	return list, groups
}

// spellings returns the normalised spellings of a term: the term itself and, for every variant
// canonical it contains, the term with each multi-character variant spelling in its place.
func (s *Set) spellings(t *term) []*pattern {
	var out []*pattern
	seen := map[string]bool{}
	add := func(str string) {
		p := compilePattern(str)
		if p == nil || seen[p.key] {
			return
		}
		p.t = t
		seen[p.key] = true
		out = append(out, p)
	}
	add(t.entry.Term)
	if t.allow {
		return out
	}
	// Censored spellings: one vowel of a Latin term of four or more letters replaced by a
	// symbol ("f*ck", "sh!t" is leet, "b*tch"). The pattern drops the vowel and requires
	// noise in its place.
	if base := compilePattern(t.entry.Term); base != nil && base.latin && base.units >= 4 && !strings.Contains(t.entry.Term, " ") {
		rs := []rune(base.key)
		for k := 1; k < len(rs)-1; k++ {
			if !strings.ContainsRune("aeiou", rs[k]) || base.runs[k] != 1 || rs[k-1] == rs[k+1] {
				continue
			}
			key := string(rs[:k]) + string(rs[k+1:])
			if seen[key] {
				continue
			}
			p := &pattern{t: t, key: key, units: base.units - 1, latin: true, first: base.first, last: base.last, censor: k,
				runs: append(slices.Clone(base.runs[:k]), base.runs[k+1:]...), breaks: append(slices.Clone(base.breaks[:k]), base.breaks[k+1:]...)}
			seen[key] = true
			out = append(out, p)
		}
	}
	for canon, vs := range s.variants {
		if !strings.Contains(t.entry.Term, canon) {
			continue
		}
		for _, v := range vs {
			if utf8.RuneCountInString(text.Normalize(v).Key) < 2 {
				continue // a one-character spelling (微❤ → 微) would match far too much
			}
			add(strings.ReplaceAll(t.entry.Term, canon, v))
		}
	}
	return out
}

func compilePattern(s string) *pattern {
	n := text.Normalize(s)
	if len(n.Units) == 0 {
		return nil
	}
	p := &pattern{key: n.Key, units: len(n.Units), runs: make([]uint8, len(n.Units)), breaks: make([]bool, len(n.Units))}
	for i, u := range n.Units {
		p.runs[i] = uint8(min(u.Run, 255))
		p.breaks[i] = i > 0 && u.Break != text.BreakNone
		if u.Latin {
			p.latin = true
		}
	}
	p.first, p.last = n.Units[0].Latin, n.Units[len(n.Units)-1].Latin
	return p
}

// Version identifies the snapshot: a hash of every file's content.
func (s *Set) Version() string { return s.version }

// Engine reports the matcher engine the set was compiled with.
func (s *Set) Engine() Engine { return s.engine }

// Files returns the parsed files the set was compiled from.
func (s *Set) Files() []*File { return s.files }

// Dictionaries returns the number of entries per dictionary.
func (s *Set) Dictionaries() map[string]int { return maps.Clone(s.dicts) }

// Variants returns the variant tables (canonical → spellings).
func (s *Set) Variants() map[string][]string { return s.variants }

// runOK reports whether a text run r may stand for a term run t in a term of n units: equal
// runs always; elongation (three or more) always; in terms of four or more units a longer run
// (fuckk); in terms of five or more units any run (ashole for asshole).
func runOK(r32 int32, t uint8, n int) bool {
	r, tt := int(r32), int(t)
	return r == tt || r >= 3 || (n >= 4 && r > tt) || n >= 5
}

// match is one validated occurrence of a pattern in a normalised text: units [a, b).
type match struct {
	t    *text.Text
	p    *pattern
	a, b int
	why  string
}

// validate checks a raw key match [a, b) of p against the run and boundary rules and returns
// the (possibly widened, for repeated tokens) unit range.
func validate(n *text.Text, p *pattern, a, b int) (int, int, string, bool) {
	for k := range p.units {
		if u := &n.Units[a+k]; !runOK(u.Run, p.runs[k], p.units) {
			// CJK terms match as substrings: a repeated last character belongs to the text
			// after the term (傻逼逼 holds 傻逼). Not the first one: 狗狗 and 妈妈 are words of
			// their own (给狗狗买东西 holds no 狗东西); the allowlist takes 他妈妈 and the like.
			if !u.Latin && u.Run > int32(p.runs[k]) && k == p.units-1 && k > 0 {
				continue
			}
			return 0, 0, "", false
		}
	}
	why := "substring"
	if p.latin {
		// Word pieces inside the match: a boundary the term does not have is only allowed
		// when every piece is at most two letters (spaced-out letters: "f u c k", "sh it").
		short := true
		pieceStart := a
		for k := a + 1; k <= b; k++ {
			if k == b || inWordBreak(n.Units[k].Break) {
				if k-pieceStart > 2 {
					short = false
				}
				pieceStart = k
			}
		}
		// One split of a longer term into two pieces of two or more letters is also allowed
		// ("bit ch", "blow job"); the whole-word check below still applies to the ends.
		splits, minPiece, last := 0, p.units, a
		for k := 1; k < p.units; k++ {
			if brk := n.Units[a+k].Break; inWordBreak(brk) && !p.breaks[k] {
				if k == p.censor {
					continue // the symbol in place of the dropped vowel (bullsh*t) is no split
				}
				if brk == text.BreakSoft && !short {
					return 0, 0, "", false // "who're" is one word, not "whore"
				}
				splits++
				minPiece = min(minPiece, a+k-last)
				last = a + k
			}
		}
		minPiece = min(minPiece, b-last)
		if splits > 0 && !short && (splits > 1 || p.units < 4 || minPiece < 2 || p.t.entry.Match != MatchWord) {
			return 0, 0, "", false
		}
		// A split at white space next to a function word is two words, not a spaced-out one:
		// "the pen is" is no "penis", "as shole" gives way to that ("ass hole" still matches).
		if splits == 1 && !short && (functionWord(n.Units[a:last]) || functionWord(n.Units[last:b])) &&
			n.Units[last].Break == text.BreakHard {
			return 0, 0, "", false
		}
		if brk := n.Units[a+p.censor].Break; p.censor > 0 && brk != text.BreakSoft && brk != text.BreakFiller {
			return 0, 0, "", false
		}
		if p.t.entry.Match == MatchWord {
			why = "whole word"
			// Repeated tokens ("sbsb", "fuckfuck") count as one word.
			for p.first && a >= p.units && n.Units[a].Break == text.BreakNone && n.Units[a-1].Latin &&
				spells(n.Units[a-p.units:a], p.key) {
				a -= p.units
				why = "whole word (repeated)"
			}
			for p.last && b+p.units <= len(n.Units) && b < len(n.Units) && n.Units[b].Break == text.BreakNone &&
				n.Units[b].Latin && spells(n.Units[b:b+p.units], p.key) {
				b += p.units
				why = "whole word (repeated)"
			}
			if p.first && a > 0 && n.Units[a].Break == text.BreakNone && n.Units[a-1].Latin {
				return 0, 0, "", false
			}
			// A short Latin term joined to a number is part of a code or model number
			// (SB-100, WTF3), not a word: the ends must not touch a digit except across space.
			if p.units <= 3 && (digitAt(n, a-1) && n.Units[a].Break != text.BreakHard ||
				digitAt(n, b) && n.Units[b].Break != text.BreakHard) {
				return 0, 0, "", false
			}
			if p.last && !wordEnd(n, b) {
				// Plurals and third-person forms: "dicks", "bitches".
				switch {
				case n.Units[b].Rune == 's' && n.Units[b].Run == 1 && wordEnd(n, b+1):
					b++
				case n.Units[b].Rune == 'e' && n.Units[b].Run == 1 && b+1 < len(n.Units) && n.Units[b+1].Rune == 's' &&
					n.Units[b+1].Run == 1 && n.Units[b+1].Break == text.BreakNone && wordEnd(n, b+2):
					b += 2
				default:
					return 0, 0, "", false
				}
				why = "whole word (plural)"
			}
		}
	}
	return a, b, why, true
}

// spells reports whether the units' runes are key's: whether the units' part of the text's key
// is key. It reads the runes, not the key, so that texts normalised without a key (see
// text.NormalizeUnitsTo) validate the same way. Keys and unit runes are valid UTF-8 and
// scalar values, so rune equality is byte equality.
func spells(units []text.Unit, key string) bool {
	k := 0
	for _, u := range units {
		if k >= len(key) {
			return false
		}
		r, sz := rune(key[k]), 1
		if r >= utf8.RuneSelf {
			r, sz = utf8.DecodeRuneInString(key[k:])
		}
		if r != u.Rune {
			return false
		}
		k += sz
	}
	return k == len(key)
}

// find returns the validated matches of a matcher over a normalised text (and its alternative
// leet reading).
func find(m Matcher, groups [][]*pattern, n *text.Text) []match {
	return findTo(nil, m, groups, n)
}

// findTo is find appending to out. With EngineRunes its closure does not escape (findUnits
// only calls it), so out stays where the caller put it: most fields need no allocation.
func findTo(out []match, m Matcher, groups [][]*pattern, n *text.Text) []match {
	ac, ok := m.(*runeAC)
	if !ok {
		// Appended, not passed: the closures of findKey would move out to the heap.
		return append(out, findKey(m, groups, n)...)
	}
	for t := n; t != nil; t = t.Alt {
		ac.findUnits(t.Units, func(pi, a, b int) {
			for _, p := range groups[pi] {
				if a2, b2, why, ok := validate(t, p, a, b); ok {
					out = append(out, match{t: t, p: p, a: a2, b: b2, why: why})
				}
			}
		})
	}
	return out
}

// findKey is find for the engines that search the key.
func findKey(m Matcher, groups [][]*pattern, n *text.Text) []match {
	var out []match
	for t := n; t != nil; t = t.Alt {
		m.Find(t.Key, func(pi, start, end int) {
			a, b := t.UnitAt(start), t.UnitAt(end)
			if a < 0 || b < 0 || b <= a {
				return
			}
			for _, p := range groups[pi] {
				if a2, b2, why, ok := validate(t, p, a, b); ok {
					out = append(out, match{t: t, p: p, a: a2, b: b2, why: why})
				}
			}
		})
	}
	return out
}

// ScanText finds dictionary hits (after allowlists) and contacts in one field.
func (s *Set) ScanText(scene moderation.Scene, field, txt string) ([]moderation.Hit, []moderation.Contact) {
	hits, contacts, _ := s.scan(scene, field, txt, false)
	return hits, contacts
}

// finding is one hit with the reason it fired, for Explain.
type finding struct {
	hit     moderation.Hit
	why     string
	allowed string // the allow phrase that suppressed it, if any
}

func (s *Set) scan(scene moderation.Scene, field, txt string, explain bool) ([]moderation.Hit, []moderation.Contact, []finding) {
	tp := textPool.Get().(*text.Text)
	defer textPool.Put(tp)
	var n *text.Text
	if s.unitsOnly {
		n = text.NormalizeUnitsTo(tp, txt)
	} else {
		n = text.NormalizeTo(tp, txt)
	}
	// Most fields have few matches: these buffers keep them off the heap.
	var msBuf, allowBuf [8]match
	ms := findTo(msBuf[:0], s.dict, s.dictPats, n)
	var allows []match
	if slices.ContainsFunc(ms, func(m match) bool { return m.p.t.entry.Category != categoryTarget }) {
		allows = findTo(allowBuf[:0], s.allow, s.allowPat, n)
	}
	var hits []moderation.Hit
	var found []finding
	// A hit is reported once per span, dictionary and term. One map with a struct key: the map
	// of maps and the joined id it replaced cost three allocations per hit.
	type seenKey struct {
		start, end       int
		dictionary, term string
	}
	seen := map[seenKey]bool{}
	targets := s.policy.targets(ms)
	for _, m := range ms {
		e := m.p.t.entry
		start, end := m.t.Span(m.a, m.b)
		cat := e.Category
		if cat == categoryTarget {
			continue
		}
		why := m.why
		if tw, ok := s.policy.aimed(cat, targets, start, end); ok {
			why += "; aimed at a person (" + tw + ")"
			cat = string(moderation.LabelAbuse)
		}
		if cat == categoryInsult {
			continue // an insult word counts only when aimed at a person
		}
		allowed := ""
		for _, al := range allows {
			ae := al.p.t.entry
			as, ae2 := al.t.Span(al.a, al.b)
			if as <= start && end <= ae2 && inScope(ae, e.Category, scene) {
				allowed = ae.Term
				break
			}
		}
		k := seenKey{start, end, m.p.t.dictionary, e.Term}
		if seen[k] {
			continue
		}
		seen[k] = true
		h := moderation.Hit{Field: field, Start: start, End: end, Text: txt[start:end], Term: e.Term,
			Category: cat, Dictionary: m.p.t.dictionary}
		if explain {
			found = append(found, finding{hit: h, why: why, allowed: allowed})
		}
		if allowed != "" {
			continue
		}
		hits = append(hits, h)
	}
	// A hit inside a longer hit of the same dictionary adds nothing ("shit" in "bullshit").
	if len(hits) > 1 {
		kept := hits[:0:0]
		for _, h := range hits {
			inside := false
			for _, o := range hits {
				if o.Dictionary == h.Dictionary && o.Start <= h.Start && h.End <= o.End && o.End-o.Start > h.End-h.Start {
					inside = true
					break
				}
			}
			if !inside {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	if s.onHit != nil {
		for _, h := range hits {
			s.onHit(h.Dictionary, h.Category)
		}
	}
	slices.SortFunc(hits, func(a, b moderation.Hit) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), strings.Compare(a.Term, b.Term))
	})
	contacts := s.detector.Contacts(field, txt)
	if scene == moderation.SceneNote {
		for _, h := range s.detector.AdLaw(field, txt) {
			hits = append(hits, h)
			if s.onHit != nil {
				s.onHit(h.Dictionary, h.Category)
			}
		}
	}
	return hits, contacts, found
}

var textPool = sync.Pool{New: func() any { return new(text.Text) }}

func inScope(e Entry, category string, scene moderation.Scene) bool {
	if len(e.Categories) > 0 && !slices.Contains(e.Categories, category) {
		return false
	}
	if len(e.Scenes) > 0 && !slices.Contains(e.Scenes, scene) {
		return false
	}
	return true
}

// Entry returns the dictionary entry behind a hit, if the hit came from this set.
func (s *Set) Entry(dictionary, term string) (Entry, bool) {
	t, ok := s.entries[dictionary+"\x00"+term]
	if !ok {
		return Entry{}, false
	}
	return t.entry, true
}

// functionWords are English words of two or three letters that stand on their own in any
// sentence (articles, pronouns, prepositions, auxiliaries). A whole-word term split once at
// white space is not matched when one piece is one of them.
var functionWords = map[string]bool{
	"a": true, "i": true, "am": true, "an": true, "as": true, "at": true, "be": true, "by": true, "do": true,
	"go": true, "he": true, "if": true, "in": true, "is": true, "it": true, "me": true, "my": true, "no": true,
	"of": true, "on": true, "or": true, "so": true, "to": true, "up": true, "us": true, "we": true,
	"all": true, "and": true, "any": true, "are": true, "but": true, "can": true, "did": true, "for": true,
	"had": true, "has": true, "her": true, "him": true, "his": true, "its": true, "not": true, "our": true,
	"she": true, "the": true, "was": true, "who": true, "you": true,
}

// functionWord reports whether the units spell one of functionWords.
func functionWord(us []text.Unit) bool {
	if len(us) == 0 || len(us) > 3 {
		return false
	}
	var b [3]byte
	for i, u := range us {
		if !u.Latin || u.Run != 1 {
			return false
		}
		b[i] = byte(u.Rune)
	}
	return functionWords[string(b[:len(us)])]
}

// digitAt reports whether unit i exists and is an ASCII digit.
func digitAt(n *text.Text, i int) bool {
	return i >= 0 && i < len(n.Units) && n.Units[i].Rune >= '0' && n.Units[i].Rune <= '9'
}

// inWordBreak reports whether a boundary inside a match splits the matched word: white space
// and punctuation do, filler alone (emoji, invisible controls: "f🤬uck") does not.
func inWordBreak(b text.Break) bool { return b != text.BreakNone && b != text.BreakFiller }

// wordEnd reports whether a Latin word may end before unit b.
func wordEnd(n *text.Text, b int) bool {
	return b >= len(n.Units) || n.Units[b].Break != text.BreakNone || !n.Units[b].Latin
}

var (
	_ moderation.Rules       = (*Set)(nil)
	_ moderation.RulesSource = (*Source)(nil)
)
