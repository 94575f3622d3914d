package detect

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text/internal/decode"
)

// Config configures a Detector. The zero value is usable: it selects the built-in triggers
// only (listed in the package documentation) and no own-domain allowlist.
type Config struct {
	// Variants maps a canonical trigger word to its alternative spellings, loaded by the rules
	// package from the rules directory's variant tables (not hard-coded in the rules helper's code).
	// Keys honoured: "微信", "QQ", "加", "手机", "电话" (the Variant* constants); other keys are
	// ignored. Spellings add to the built-in triggers, which are always on. A symbol inside a
	// spelling (微❤) stands for one or more symbols or emoji; a single Latin letter (v, q) is a
	// weak trigger that needs a colon or digits right after it.
	// Zero value: built-in minimal triggers only (see doc.go).
	Variants map[string][]string
	// OwnDomains lists the platform's own domains; URLs on them (and subdomains) are not contacts.
	// Entries are host names such as "xiaohongshu.com" (case-insensitive, no scheme or path).
	// Zero value: every URL and bare domain is a contact.
	OwnDomains []string
}

// Detector finds contact details, self-advertising and Advertising-Law absolute terms.
// It is immutable after New and safe for concurrent use.
type Detector struct {
	ct         *trie // contact triggers, bait and 淘口令 phrases
	at         *trie // Advertising-Law terms
	ownDomains []string
	interest   *bmpSet // BMP runes that start any contact check
	stop       *bmpSet // cjkStops(interest), for skipPlainCJK
}

// New builds a Detector from cfg. It returns an error wrapping ErrInvalidConfig for an empty
// or over-long variant or a malformed own domain.
func New(cfg Config) (*Detector, error) {
	ct, err := buildContactTrie(cfg)
	if err != nil {
		return nil, fmt.Errorf("build contact triggers: %w", err)
	}
	d := &Detector{ct: ct, at: buildAdLawTrie()}
	for _, o := range cfg.OwnDomains {
		o = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), ".")
		o = strings.TrimPrefix(o, "www.")
		if o == "" || strings.ContainsAny(o, " /:@\t\n") || !strings.Contains(o, ".") {
			return nil, fmt.Errorf("own domain %q: want a host name such as example.com: %w", o, ErrInvalidConfig)
		}
		d.ownDomains = append(d.ownDomains, o)
	}
	interest := *ct.rootBMP
	d.interest = &interest
	for r := rune(0x80); r < 0x10000; r++ {
		if DigitValue(r) >= 0 || isTaoDelim(r) || isDotRune(r) || r == '＠' || isWideLetter(r) {
			d.interest.add(r)
		}
	}
	d.stop = cjkStops(d.interest)
	return d, nil
}

// Candidate priorities: when two findings overlap, the higher priority wins, then the longer.
const (
	prioBait int8 = iota + 1
	prioLow
	prioBare
	prioTrigger
	prioTao
	prioWeb
	prioOwn // an own-domain URL: reported as nothing, but hides what it covers
)

// MaxFindings caps what Contacts and AdLaw report for one field: a field with more findings
// reports the first MaxFindings (in text order, among those found in roughly the first
// 4×MaxFindings candidates). It bounds the verdict size and the work on hostile input.
const MaxFindings = 100

const maxCandidates = 4 * MaxFindings

type candidate struct {
	start, end int
	typ, value string
	prio       int8
}

// Contacts finds contact details and self-advertising in one field's text. Offsets are byte
// offsets into text: text[c.Start:c.End] == c.Text always.
func (d *Detector) Contacts(field, text string) []moderation.Contact {
	var csBuf [8]candidate // most fields have few candidates: keep them off the heap
	cs := csBuf[:0]
	var ms [16]tmatch
	var run digitRun
	prevAlnum := false
	skip := 0    // digit runs already read end here
	domSkip := 0 // hosts already read end here
	for i := 0; i < len(text) && len(cs) < maxCandidates; {
		b := text[i]
		if b >= 0xE3 {
			if j := skipPlainCJK(text, i, d.stop); j > i {
				i, prevAlnum = j, false
				continue
			}
		}
		if b < 0x80 {
			cl := asciiClass[b]
			switch {
			case cl&cDigit != 0:
				if i < skip {
					break
				}
				if k, short := shortNumber(text, i); short {
					skip = k
				} else {
					scanDigits(text, i, &run)
					skip = run.end
					if run.n >= 5 {
						cs = d.classifyRun(text, field, &run, kNone, run.start, cs)
					}
				}
			case cl&cLetter != 0:
				// The word "at" between spaces may spell an e-mail's "@" (kate at gmail dot com);
				// tested inline first: most words that start with an a are not "at".
				if b|0x20 == 'a' && i > 0 && i+2 < len(text) && text[i+1]|0x20 == 't' && text[i+2] == ' ' && text[i-1] == ' ' {
					if e, _ := spelledAt(text, i, "at"); e > i {
						if c, ok := spelledEmail(text, i, e, false); ok {
							cs = append(cs, c)
							i, prevAlnum = c.end, false
							continue
						}
					}
				}
				if !prevAlnum {
					if b == 'h' || b == 'H' || b == 'w' || b == 'W' {
						if c, ok := d.schemeURL(text, i); ok {
							cs = append(cs, c)
							i, prevAlnum = c.end, false
							continue
						}
					}
					if d.ct.mayStartWord(text, i) {
						cs = d.trigger(text, field, i, ms[:0], cs)
					}
				}
			case b == '@':
				if c, ok := d.email(text, i, 1); ok {
					cs = append(cs, c)
					i, prevAlnum = c.end, false
					continue
				}
			case b == '.':
				if i >= domSkip && (i > 0 && hostByte(text[i-1]) || i+2 < len(text) && asciiClass[text[i+1]&0x7F]&cLetter != 0) {
					c, ok, next := d.bareDomain(text, i, 1)
					if ok {
						cs = append(cs, c)
						i, prevAlnum = c.end, false
						continue
					}
					domSkip = next
				} else if i >= domSkip && i >= 2 && i+2 < len(text) && text[i-1] == ' ' && text[i+1] == ' ' {
					if c, ok := d.spacedDomain(text, i); ok {
						cs = append(cs, c)
						i, prevAlnum = c.end, false
						continue
					}
				}
			case b == '[' || b == '(' || b == '{':
				if e, br := spelledAt(text, i, "at"); br {
					if c, ok := spelledEmail(text, i, e, true); ok {
						cs = append(cs, c)
						i, prevAlnum = c.end, false
						continue
					}
				}
			case b == '$':
				if c, ok := taoCode(text, i); ok {
					cs = append(cs, c)
				}
			case b == '+':
				cs = d.trigger(text, field, i, ms[:0], cs)
			}
			prevAlnum = cl&(cLetter|cDigit) != 0
			i++
			// The rest of a word has nothing more to start, and the rest of a digit run was
			// read with its first digit.
			if cl&cLetter != 0 {
				i = asciiRunEnd(text, i, cLetter)
			} else if cl&cDigit != 0 {
				i = min(asciiRunEnd(text, i, cDigit), max(skip, i))
			}
			continue
		}
		r, ok := decode.Rune3(text, i) // inlined: most characters here are Chinese
		sz := 3
		if !ok {
			r, sz = decode.Rune(text, i)
		}
		if r < 0x10000 && !d.interest.has(r) {
			prevAlnum = r < 0x3400 && isLetterish(r)
			i += sz
			continue
		}
		if isWideLetter(r) {
			return d.contactsWide(field, text) // ｗｗｗ．ｓｈｏｐ．ｃｏｍ: see wide.go
		}
		if DigitValue(r) >= 0 {
			if i >= skip && !ideographAt(text, i+sz) {
				scanDigits(text, i, &run)
				skip = run.end
				if run.n >= 5 {
					cs = d.classifyRun(text, field, &run, kNone, run.start, cs)
				}
			}
		} else {
			if r < 0x3400 || r > 0x9FFF {
				if isTaoDelim(r) {
					if c, ok := taoCode(text, i); ok {
						cs = append(cs, c)
					}
				}
				if (r == '．' || r == '。' || r == '｡') && i > 0 && hostByte(text[i-1]) {
					if c, ok, _ := d.bareDomain(text, i, sz); ok {
						cs = append(cs, c)
					}
				}
			} else if r == '点' && i > 0 && hostByte(text[i-1]) {
				if c, ok, _ := d.bareDomain(text, i, sz); ok {
					cs = append(cs, c)
				}
			}
			if r == '＠' {
				if c, ok := d.email(text, i, sz); ok {
					cs = append(cs, c)
				}
			}
			if !(prevAlnum && isLetterish(r)) && d.ct.starts(r) && !d.ct.deadEnd(text, i, r) {
				cs = d.trigger(text, field, i, ms[:0], cs)
			}
		}
		prevAlnum = isLetterish(r)
		i += sz
	}
	return resolve(field, text, cs)
}

// ideographAt reports whether text[pos:] starts with a CJK ideograph that is no digit: a digit
// run that reaches pos ends there, as scanDigits would find. The common single Chinese numerals
// (一个, 三天) are then runs of one digit, which are nothing, and need no scan; a digit before
// them moves no skip mark that a later position could reach.
func ideographAt(text string, pos int) bool {
	r, ok := decode.Rune3(text, pos)
	return ok && r >= 0x3400 && r <= 0x9FFF && DigitValue(r) < 0
}

// shortNumber reports whether the ASCII digits at text[i:] form a number of fewer than five
// digits that cannot continue (a letter or a CJK character that is not a numeral follows), so
// that the common short numbers (32元, 2号线, 10:00 is not short) skip scanDigits.
func shortNumber(text string, i int) (end int, short bool) {
	k := i
	for k < len(text) && text[k]-'0' <= 9 {
		k++
	}
	if k-i >= 5 {
		return k, false
	}
	if k == len(text) {
		return k, true
	}
	b := text[k]
	if b < 0x80 {
		return k, asciiClass[b]&cLetter != 0
	}
	r, _ := decode.Rune(text, k)
	return k, r >= 0x4E00 && r <= 0x9FFF && DigitValue(r) < 0
}

// resolve drops overlapping candidates and turns the rest into Contacts in text order. A
// higher priority wins; within one priority the earlier, then the longer candidate wins. It
// runs in O(p·n log n) for p priority levels.
func resolve(field, text string, cs []candidate) []moderation.Contact {
	if len(cs) == 0 {
		return nil
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if c := cmp.Compare(b.prio, a.prio); c != 0 {
			return c
		}
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(b.end, a.end)
	})
	// The three lists take turns; most fields fit in these buffers, off the heap.
	var keptBuf, levelBuf, mergedBuf [8]candidate
	kept, level, merged := keptBuf[:0], levelBuf[:0], mergedBuf[:0]
	for lo := 0; lo < len(cs); {
		hi := lo
		for hi < len(cs) && cs[hi].prio == cs[lo].prio {
			hi++
		}
		level = level[:0]
		j, lastEnd := 0, -1
		for _, c := range cs[lo:hi] {
			if c.start < 0 || c.end > len(text) || c.start >= c.end || c.start < lastEnd {
				continue
			}
			for j < len(kept) && kept[j].end <= c.start {
				j++
			}
			if j < len(kept) && kept[j].start < c.end {
				continue
			}
			level = append(level, c)
			lastEnd = c.end
		}
		merged = merged[:0]
		a, b := 0, 0
		for a < len(kept) || b < len(level) {
			if b == len(level) || a < len(kept) && kept[a].start < level[b].start {
				merged = append(merged, kept[a])
				a++
			} else {
				merged = append(merged, level[b])
				b++
			}
		}
		kept, merged = merged, kept
		lo = hi
	}
	var out []moderation.Contact
	for _, k := range kept {
		if k.prio == prioOwn {
			continue
		}
		if len(out) == MaxFindings {
			break
		}
		out = append(out, moderation.Contact{Field: field, Start: k.start, End: k.end, Text: text[k.start:k.end], Type: k.typ, Value: k.value})
	}
	return out
}

// best returns the longest match in ms whose boundaries hold, or -1.
func (t *trie) best(text string, start int, ms []tmatch) int {
	for j := len(ms) - 1; j >= 0; j-- {
		p := &t.pats[ms[j].pat]
		if p.latin0 && start > 0 && prevIsLetter(text, start) {
			continue
		}
		if p.latin1 && ms[j].end < len(text) {
			r, _ := utf8.DecodeRuneInString(text[ms[j].end:])
			fr := fold(r)
			if fr < 0x80 && asciiClass[fr]&cLetter != 0 {
				continue
			}
			if fr >= '0' && fr <= '9' && (p.kind == kBait || p.kind == kAdLaw) {
				continue
			}
		}
		if p.notAft != "" && start > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:start])
			if strings.ContainsRune(p.notAft, fold(r)) {
				continue
			}
		}
		if followedBy(text, ms[j].end, p.notFol) {
			continue
		}
		return j
	}
	return -1
}

func prevIsLetter(text string, pos int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:pos])
	if r >= 0x3400 {
		return false // a Chinese numeral (双十一TOP1) is no part of a Latin word
	}
	fr := fold(r)
	return fr < 0x80 && asciiClass[fr]&(cLetter|cDigit) != 0
}

// followedBy reports whether text at pos (after noise) starts with one of the folded words.
func followedBy(text string, pos int, words []string) bool {
	if len(words) == 0 {
		return false
	}
	for pos < len(text) {
		r, sz := utf8.DecodeRuneInString(text[pos:])
		if !isNoise(r) || isBreak(r) {
			break
		}
		pos += sz
	}
	for _, w := range words {
		p := pos
		ok := true
		for _, wr := range w {
			if p >= len(text) {
				ok = false
				break
			}
			r, sz := utf8.DecodeRuneInString(text[p:])
			if fold(r) != wr {
				ok = false
				break
			}
			p += sz
		}
		if ok {
			return true
		}
	}
	return false
}

// trigger matches a contact trigger, bait or 淘口令 phrase at text[i].
func (d *Detector) trigger(text, field string, i int, ms []tmatch, cs []candidate) []candidate {
	ms = d.ct.walk(text, i, ms)
	j := d.ct.best(text, i, ms)
	if j < 0 {
		return cs
	}
	p := &d.ct.pats[ms[j].pat]
	end := ms[j].end
	switch p.kind {
	case kBait:
		return append(cs, candidate{start: i, end: end, typ: moderation.ContactBait, value: p.word, prio: prioBait})
	case kTao:
		return append(cs, candidate{start: i, end: end, typ: moderation.ContactTaoToken, value: p.word, prio: prioTao})
	case kSocial:
		if c, ok := social(text, i, end, p.latin1); ok {
			return append(cs, c)
		}
		return cs
	case kPromo:
		if e := promo(text, i, end, p.word); e > 0 {
			return append(cs, candidate{start: i, end: e, typ: moderation.ContactBait, value: strings.ToLower(text[i:e]), prio: prioBait})
		}
		return cs
	}
	return d.attach(text, field, i, end, p.kind, p.weak, cs)
}

// attach looks for the id or number that a trigger ending at pos introduces. Between them it
// skips noise, colons, connector words (号, 是, 我, id, is …) and further triggers (加我 QQ).
func (d *Detector) attach(text, field string, start, pos int, ch kind, weak bool, cs []candidate) []candidate {
	marker := false
	pointed := false // an arrow or pointing hand: marks an id with a digit, _ or -
	lastTrigCJK := false
	if r, _ := utf8.DecodeLastRuneInString(text[:pos]); r >= 0x80 && foldLetter(r) == 0 {
		lastTrigCJK = true
	}
	var ms [16]tmatch
	chained := 0
	for steps := 0; pos < len(text) && steps < 12; steps++ {
		r, sz := utf8.DecodeRuneInString(text[pos:])
		if r == ':' || r == '：' || r == '=' {
			marker = true
			pos += sz
			continue
		}
		if isPointer(r) {
			pointed = true
			pos += sz
			continue
		}
		if DigitValue(r) >= 0 {
			break
		}
		if isBreak(r) && !verticalBreak(text, pos) {
			return cs
		}
		if isNoise(r) {
			pos += sz
			continue
		}
		if weak {
			break
		}
		if chained < 2 && d.ct.starts(r) && !(r < 0x80 && prevIsLetter(text, pos)) {
			chained++
			m := d.ct.walk(text, pos, ms[:0])
			if j := d.ct.best(text, pos, m); j >= 0 {
				p := &d.ct.pats[m[j].pat]
				if p.kind == kWeChat || p.kind == kQQ || p.kind == kPhone || p.kind == kAdd {
					if r < 0x80 && marker && gluedID(text, pos, m[j].end) {
						break // "VX：wx_lin88": a Latin trigger spelling that begins the id
					}
					if p.kind != kAdd && !(ch == kWeChat && p.kind == kPhone) {
						ch = p.kind
					}
					weak = p.weak
					pos = m[j].end
					lr, _ := utf8.DecodeLastRuneInString(text[:pos])
					lastTrigCJK = lr >= 0x80 && foldLetter(lr) == 0
					continue
				}
			}
		}
		if r >= 0x80 && strings.ContainsRune(connectorRunes, fold(r)) {
			if fold(r) == '号' {
				marker = true
			}
			pos += sz
			continue
		}
		if r < 0x80 && asciiClass[r]&cLetter != 0 {
			w := asciiWord(text, pos)
			if slices.Contains(connectorWords, w) && pos+len(w) < len(text) && !isAlnumASCII(text[pos+len(w)]) {
				if w == "id" || w == "number" || w == "num" || w == "no" {
					marker = true
				}
				pos += len(w)
				continue
			}
		}
		break
	}
	if pos >= len(text) {
		return cs
	}
	r, _ := utf8.DecodeRuneInString(text[pos:])
	if DigitValue(r) >= 0 {
		var run digitRun
		scanDigits(text, pos, &run)
		return d.classifyRun(text, field, &run, ch, start, cs)
	}
	if ch != kWeChat && ch != kAdd {
		return cs
	}
	if weak && !marker && !pointed {
		return cs
	}
	idEnd, id, hasDigit := scanID(text, pos)
	if id == "" {
		return cs
	}
	if !hasDigit && !strings.ContainsAny(id, "_-") && !marker && !lastTrigCJK {
		return cs // "wechat payment": a plain word after a Latin trigger is not an id
	}
	return append(cs, candidate{start: start, end: idEnd, typ: moderation.ContactWeChat, value: id, prio: prioTrigger})
}

// isPointer reports whether r is an arrow or pointing hand, which between a trigger and an id
// marks the id ("V👇 abc_123", "↓V↓ lin-88-shop"), so a weak trigger (a lone v or q) may
// introduce one; unlike a colon it does not make a plain word ("v ↓ download") an id.
func isPointer(r rune) bool {
	switch r {
	case '→', '↓', '⇒', '⇓', '➡', '⬇', '⤵', '👉', '👇':
		return true
	}
	return false
}

// gluedID reports whether a Latin trigger spelling at text[pos:end] that follows a colon is
// the start of an id rather than a further trigger: an id connector (_ or -) is glued to it
// and the whole token reads as an id ("VX：wx_lin88", "微信: vx-abc123"). A trigger followed by
// noise or a colon ("微信：vx：abc123", "加我 wx abc123") is still a trigger.
func gluedID(text string, pos, end int) bool {
	if end+1 >= len(text) || (text[end] != '_' && text[end] != '-') || !isAlnumASCII(text[end+1]) {
		return false
	}
	e, id, _ := scanID(text, pos)
	return id != "" && e > end+1
}

// scanID reads a WeChat-style id at text[pos:]: a letter, then 5–19 letters, digits, _ or -,
// in any letter style (full-width, styled, look-alike), not followed by another letter.
func scanID(text string, pos int) (end int, id string, hasDigit bool) {
	var buf [21]byte
	n := 0
	end = pos
	for end < len(text) {
		r, sz := utf8.DecodeRuneInString(text[end:])
		c := fold(r)
		ok := c < 0x80 && (asciiClass[c]&(cLetter|cDigit) != 0 || c == '_' || c == '-')
		if !ok {
			break
		}
		if n == 0 && asciiClass[c]&cLetter == 0 {
			return 0, "", false
		}
		if n == len(buf) {
			return 0, "", false
		}
		if c >= '0' && c <= '9' {
			hasDigit = true
		}
		buf[n] = byte(c)
		n++
		end += sz
	}
	for n > 0 && (buf[n-1] == '-' || buf[n-1] == '_') && n > 6 {
		n--
		end--
	}
	if n < 6 || n > 20 {
		return 0, "", false
	}
	return end, string(buf[:n]), hasDigit
}
