package detect

import (
	"strings"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation"
)

// strongTLDs end a bare domain on their own (example.com, t.cn).
var strongTLDs = map[string]bool{
	"com": true, "cn": true, "net": true, "org": true, "edu": true, "gov": true, "io": true, "cc": true,
	"xyz": true, "vip": true, "info": true, "biz": true, "ly": true, "gl": true, "co": true, "top": true,
	"im": true, "ws": true, "la": true, "tk": true, "ml": true, "ga": true, "cf": true, "gq": true, "ink": true,
	"wang": true, "ren": true, "xin": true, "mobi": true, "asia": true, "icu": true, "cyou": true,
}

// weakTLDs are also English words or file extensions (me, to, in, app): a bare domain on one
// needs a path (youtu.be/x), a www. prefix or a scheme.
var weakTLDs = map[string]bool{
	"me": true, "to": true, "in": true, "it": true, "us": true, "be": true, "tv": true, "live": true,
	"shop": true, "app": true, "site": true, "link": true, "club": true, "fun": true, "online": true,
	"store": true, "tech": true, "pro": true, "ai": true, "dev": true, "fm": true, "gg": true, "hk": true,
	"tw": true, "jp": true, "kr": true, "uk": true, "de": true, "fr": true, "ru": true, "au": true, "ca": true,
	"sg": true, "my": true, "vn": true, "th": true, "nl": true, "es": true, "br": true, "mx": true, "ch": true,
	"se": true, "pl": true, "eu": true, "nz": true, "id": true, "ph": true, "one": true, "world": true,
	"life": true, "art": true, "space": true, "website": true, "page": true, "blog": true, "news": true,
}

// isDotRune reports the dot spellings accepted in a domain: ASCII, full-width and
// ideographic full stops and 点 (baidu点com).
func isDotRune(r rune) bool {
	return r == '.' || r == '．' || r == '。' || r == '｡' || r == '点'
}

func hostByte(b byte) bool { return b < 0x80 && asciiClass[b]&cHost != 0 }

// email finds an e-mail address around the '@' (or '＠') at text[at:at+atLen].
func (d *Detector) email(text string, at, atLen int) (candidate, bool) {
	lo := at
	for lo > 0 && text[lo-1] < 0x80 && asciiClass[text[lo-1]]&cLocal != 0 && at-lo < 64 {
		lo--
	}
	for lo < at && (text[lo] == '.' || text[lo] == '-' || text[lo] == '+') {
		lo++
	}
	if lo == at {
		return candidate{}, false
	}
	hs := at + atLen
	he, ok := scanHost(text, hs)
	if !ok {
		return candidate{}, false
	}
	host := strings.ToLower(text[hs:he])
	if d.own(host) {
		return candidate{start: lo, end: he, prio: prioOwn}, true
	}
	v := strings.ToLower(text[lo:at]) + "@" + host
	return candidate{start: lo, end: he, typ: moderation.ContactEmail, value: v, prio: prioWeb}, true
}

// scanHost reads a host name of two or more labels with an alphabetic last label at
// text[pos:] and returns its end.
func scanHost(text string, pos int) (int, bool) {
	end := pos
	lastDot := -1
	for end < len(text) && (hostByte(text[end]) || text[end] == '.') && end-pos < 253 {
		if text[end] == '.' {
			if end == pos || text[end-1] == '.' {
				break
			}
			lastDot = end
		}
		end++
	}
	for end > pos && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	if lastDot < 0 || lastDot >= end-2 {
		return 0, false
	}
	for i := lastDot + 1; i < end; i++ {
		if asciiClass[text[i]]&cLetter == 0 {
			return 0, false
		}
	}
	return end, true
}

// own reports whether host is one of the platform's own domains or a subdomain of one.
func (d *Detector) own(host string) bool {
	for _, o := range d.ownDomains {
		if host == o || strings.HasSuffix(host, o) && host[len(host)-len(o)-1] == '.' {
			return true
		}
	}
	return false
}

// schemeURL finds a URL that starts with http://, https:// or www. at text[i].
func (d *Detector) schemeURL(text string, i int) (candidate, bool) {
	rest := text[i:]
	hs := -1
	switch {
	case hasPrefixFoldASCII(rest, "https://"):
		hs = i + 8
	case hasPrefixFoldASCII(rest, "http://"):
		hs = i + 7
	case hasPrefixFoldASCII(rest, "www."):
		hs = i
	default:
		return candidate{}, false
	}
	he := hs
	for he < len(text) && (hostByte(text[he]) || text[he] == '.') && he-hs < 253 {
		he++
	}
	for he > hs && text[he-1] == '.' {
		he--
	}
	if he == hs {
		return candidate{}, false
	}
	host := strings.ToLower(text[hs:he])
	end := scanPath(text, he)
	if d.own(host) {
		return candidate{start: i, end: end, prio: prioOwn}, true
	}
	return candidate{start: i, end: end, typ: moderation.ContactURL, value: urlValue(text[i:hs], host, text[he:end]), prio: prioWeb}, true
}

// maxPath bounds the path read after a host, so that scanning stays linear.
const maxPath = 2048

// scanPath reads an optional :port, path, query and fragment after a host ending at pos.
func scanPath(text string, pos int) int {
	if pos >= len(text) || !(text[pos] == '/' || text[pos] == ':' || text[pos] == '?' || text[pos] == '#') {
		return pos
	}
	end := pos
	for end < len(text) && text[end] < 0x80 && asciiClass[text[end]]&cURL != 0 && end-pos < maxPath {
		end++
	}
	for end > pos && strings.IndexByte(".,;:!?]'\"", text[end-1]) >= 0 {
		end--
	}
	return end
}

func urlValue(scheme, host, path string) string {
	return strings.ToLower(scheme) + host + path
}

// bareDomain looks for a domain around the dot at text[dot:dot+dotLen] (example.com,
// baidu点com, .com/thread-1.html).
//
// It also returns how far the host after the dot extends: a later dot before that point
// belongs to the same host and gives the same answer, so the caller skips it.
func (d *Detector) bareDomain(text string, dot, dotLen int) (candidate, bool, int) {
	// Label before the dot, and further labels back to the start of the host.
	lo := dot
	for lo > 0 && (hostByte(text[lo-1]) || text[lo-1] == '.') && dot-lo < 253 {
		lo--
	}
	for lo < dot && (text[lo] == '.' || text[lo] == '-') {
		lo++
	}
	if lo > 0 && text[lo-1] < 0x80 && (text[lo-1] == '@' || text[lo-1] == '/') {
		return candidate{}, false, dot + dotLen // part of an e-mail or a URL handled elsewhere
	}
	skipTo := dot + dotLen
	// The rest of the host after the dot.
	hs := dot + dotLen
	he := hs
	for he < len(text) && (hostByte(text[he]) || text[he] == '.' && text[dot] == '.') && he-hs < 253 {
		he++
	}
	for he > hs && (text[he-1] == '.' || text[he-1] == '-') {
		he--
	}
	if text[dot] == '.' {
		skipTo = he
	}
	if he == hs {
		return candidate{}, false, skipTo
	}
	tldStart := strings.LastIndexByte(text[hs:he], '.') + 1 + hs
	tld := strings.ToLower(text[tldStart:he])
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return candidate{}, false, skipTo
		}
	}
	if len(tld) < 2 {
		return candidate{}, false, skipTo
	}
	strong, weak := strongTLDs[tld], weakTLDs[tld]
	if !strong && !weak {
		return candidate{}, false, skipTo
	}
	end := scanPath(text, he)
	hasPath := end-he >= 3 && text[he] == '/'
	hasWWW := hasPrefixFoldASCII(text[lo:], "www.")
	switch {
	case lo == dot: // no label before the dot: only ".com/path" fragments
		if !strong || !hasPath || text[dot] != '.' {
			return candidate{}, false, skipTo
		}
	case weak && !hasPath && !hasWWW:
		return candidate{}, false, skipTo
	case text[dot] != '.' && !strong:
		return candidate{}, false, skipTo
	}
	if lo < dot && !labelHasLetterOrLong(text[lo:dot]) {
		return candidate{}, false, skipTo // 1.com, 3.cn: numbers, not hosts
	}
	host := strings.ToLower(text[lo:dot]) + "." + strings.ToLower(text[hs:he])
	if d.own(host) {
		return candidate{start: lo, end: end, prio: prioOwn}, true, end
	}
	if lo == dot {
		host = strings.ToLower(text[hs:he])
		return candidate{start: dot, end: end, typ: moderation.ContactURL, value: "." + host + text[he:end], prio: prioWeb}, true, end
	}
	return candidate{start: lo, end: end, typ: moderation.ContactURL, value: host + text[he:end], prio: prioWeb}, true, end
}

// spacedTLDs are the top-level domains a spaced dot may precede (shop-name . com): common
// ones that are no English or pinyin word, so that a sentence "… word . com" is rare ("top"
// and "vip" are words: "love this . Top notch").
var spacedTLDs = map[string]bool{"com": true, "cn": true, "net": true, "xyz": true}

// spacedDomain reads a domain written with one space on each side of its ASCII dot at
// text[dot] ("cheap-bags . com", "shop88 . cn"), an evasion of the bare-domain rule: the label
// before the dot must hold a letter and at least three host characters, and the top-level
// domain after it must be one of spacedTLDs, not followed by another host character.
func (d *Detector) spacedDomain(text string, dot int) (candidate, bool) {
	if dot < 2 || dot+2 >= len(text) || text[dot-1] != ' ' || text[dot+1] != ' ' {
		return candidate{}, false
	}
	le := dot - 1
	lo := le
	for lo > 0 && hostByte(text[lo-1]) && le-lo < 63 {
		lo--
	}
	if le-lo < 3 || text[lo] == '-' || text[le-1] == '-' {
		return candidate{}, false
	}
	if lo > 0 && (text[lo-1] == '@' || text[lo-1] == '/' || text[lo-1] == '.' || hostByte(text[lo-1])) { // part of an address, or too long
		return candidate{}, false
	}
	if !strings.ContainsFunc(text[lo:le], func(r rune) bool { return r < 0x80 && asciiClass[r]&cLetter != 0 }) {
		return candidate{}, false
	}
	hs := dot + 2
	he := hs
	for he < len(text) && he-hs < 4 && text[he] < 0x80 && asciiClass[text[he]]&cLetter != 0 {
		he++
	}
	if he == hs || he < len(text) && hostByte(text[he]) {
		return candidate{}, false
	}
	tld := strings.ToLower(text[hs:he])
	if !spacedTLDs[tld] {
		return candidate{}, false
	}
	host := strings.ToLower(text[lo:le]) + "." + tld
	if d.own(host) {
		return candidate{start: lo, end: he, prio: prioOwn}, true
	}
	return candidate{start: lo, end: he, typ: moderation.ContactURL, value: host, prio: prioWeb}, true
}

// labelHasLetterOrLong accepts a host label with a letter, or an all-digit one of 4+ digits
// (12306.cn), not a decimal number such as 1.com.
func labelHasLetterOrLong(s string) bool {
	i := strings.LastIndexByte(s, '.') + 1
	l := s[i:]
	for j := 0; j < len(l); j++ {
		if asciiClass[l[j]]&cLetter != 0 {
			return true
		}
	}
	return len(l) >= 4
}

func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// isTaoDelim reports the characters that frame a 淘口令 code: currency signs and key emoji.
func isTaoDelim(r rune) bool {
	switch r {
	case '$', '￥', '¥', '€', '£', '₤', '₳', '¢', '₴', '₰', '₵', '₲', '₪', '₹', '₽', '₭', '₮', '₦', '₱', '₸', '₩', '₫', '₣',
		'🔑', '🔐', '🗝':
		return true
	}
	return r >= 0xA2 && r <= 0xA5 || r >= 0x20A0 && r <= 0x20CF || r == 0xFF04 || r == 0xFE69 ||
		r == 0xFFE0 || r == 0xFFE1 || r == 0xFFE6
}

// taoCode finds a 淘口令 code framed by currency signs (￥AbCd1234￥) at text[i].
func taoCode(text string, i int) (candidate, bool) {
	_, sz := utf8.DecodeRuneInString(text[i:])
	pos := i + sz
	for k := 0; k < 2 && pos < len(text) && text[pos] == ' '; k++ {
		pos++ // ￥ AbCd1234 ￥
	}
	var buf [16]byte
	n := 0
	letters, digits, upper, lower := 0, 0, 0, 0
	for pos < len(text) && n < 16 {
		r, rs := utf8.DecodeRuneInString(text[pos:])
		var c rune
		switch {
		case r < 0x80 && asciiClass[r]&(cLetter|cDigit) != 0:
			c = r
		case r >= 0xFF10 && r <= 0xFF19 || r >= 0xFF21 && r <= 0xFF3A || r >= 0xFF41 && r <= 0xFF5A:
			c = r - 0xFEE0
		default:
			c = -1
		}
		if c < 0 {
			break
		}
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z':
			upper++
			letters++
		default:
			lower++
			letters++
		}
		buf[n] = byte(c)
		n++
		pos += rs
	}
	for k := 0; k < 2 && pos < len(text) && text[pos] == ' '; k++ {
		pos++
	}
	if n < 8 || n > 14 || pos >= len(text) {
		return candidate{}, false
	}
	r, rs := utf8.DecodeRuneInString(text[pos:])
	if !isTaoDelim(r) {
		return candidate{}, false
	}
	if letters == 0 || digits == 0 && (upper == 0 || lower == 0) {
		return candidate{}, false
	}
	return candidate{start: i, end: pos + rs, typ: moderation.ContactTaoToken, value: string(buf[:n]), prio: prioTao}, true
}

// spelledEmail finds an e-mail address whose "@" and "." are spelled out: "kate [at] gmail
// [dot] com", "kate(at)qq(dot)com", "kate at gmail dot com". text[as:ae] is the spelled "@"
// ("[at]", "(at)", "{at}" or the word "at" between spaces). A plain "at" needs a dot spelled
// out as well ("bought it at amazon.com" is no address), and the last label must be a
// top-level domain from the strong list (or a weak one after a bracketed "[at]").
func spelledEmail(text string, as, ae int, bracket bool) (candidate, bool) {
	le := as
	for k := 0; k < 2 && le > 0 && text[le-1] == ' '; k++ {
		le--
	}
	lo := le
	for lo > 0 && text[lo-1] < 0x80 && asciiClass[text[lo-1]]&cLocal != 0 && le-lo < 64 {
		lo--
	}
	for lo < le && (text[lo] == '.' || text[lo] == '-' || text[lo] == '+') {
		lo++
	}
	if lo == le {
		return candidate{}, false
	}
	pos := ae
	for k := 0; k < 2 && pos < len(text) && text[pos] == ' '; k++ {
		pos++
	}
	var labels []string
	spelled, end := false, pos
	for len(labels) < 8 {
		ls := pos
		for pos < len(text) && hostByte(text[pos]) && pos-ls < 63 {
			pos++
		}
		if pos == ls {
			break
		}
		labels = append(labels, strings.ToLower(text[ls:pos]))
		end = pos
		// A dot: ".", or "[dot]" / "(dot)" / "{dot}" / "dot" with up to two spaces around.
		if pos+1 < len(text) && text[pos] == '.' && hostByte(text[pos+1]) {
			pos++
			continue
		}
		p := pos
		for k := 0; k < 2 && p < len(text) && text[p] == ' '; k++ {
			p++
		}
		w, br := spelledAt(text, p, "dot")
		if w == p || !br && p == pos {
			break // "dot" must be bracketed or stand apart
		}
		spelled = true
		for k := 0; k < 2 && w < len(text) && text[w] == ' '; k++ {
			w++
		}
		pos = w
	}
	if len(labels) < 2 || !bracket && (!spelled || determiners[labels[0]]) {
		return candidate{}, false // "back at the dot com peak" is a sentence
	}
	if end < len(text) && text[end] < 0x80 && asciiClass[text[end]]&(cLetter|cDigit) != 0 {
		return candidate{}, false
	}
	tld := labels[len(labels)-1]
	if !strongTLDs[tld] && !(bracket && weakTLDs[tld]) {
		return candidate{}, false
	}
	return candidate{start: lo, end: end, typ: moderation.ContactEmail,
		value: strings.ToLower(text[lo:le]) + "@" + strings.Join(labels, "."), prio: prioWeb}, true
}

// determiners cannot be the host after a plain "at": "at the dot com peak".
var determiners = map[string]bool{"the": true, "this": true, "that": true, "a": true, "an": true, "my": true,
	"your": true, "our": true, "his": true, "her": true, "their": true, "its": true, "these": true, "those": true}

// spelledAt reads a spelled-out symbol word at text[i:]: "[w]", "(w)", "{w}" (bracketed) or
// the bare word w followed by a space or the end. It returns the end (i when there is none)
// and whether it was bracketed.
func spelledAt(text string, i int, w string) (int, bool) {
	if i < len(text) && (text[i] == '[' || text[i] == '(' || text[i] == '{') {
		if j := i + 1 + len(w); j < len(text) && hasPrefixFoldASCII(text[i+1:], w) &&
			(text[j] == ']' || text[j] == ')' || text[j] == '}') {
			return j + 1, true
		}
		return i, false
	}
	if j := i + len(w); j <= len(text) && hasPrefixFoldASCII(text[i:], w) && (j == len(text) || text[j] == ' ') &&
		(i == 0 || text[i-1] == ' ') {
		return j, false
	}
	return i, false
}
