package detect

import (
	"unicode"
	"unicode/utf8"
)

// DigitValue folds one rune of any digit style to its value 0–9, or returns -1.
//
// Recognised styles: ASCII and full-width digits; superscripts and subscripts; circled,
// double-circled, negative-circled, parenthesised, full-stop and comma digits (①⓵❶➀➊⑴⒈🄂);
// mathematical digits (𝟏𝟙𝟣𝟭𝟷); Chinese numerals 〇零一二三四五六七八九, the financial forms
// 壹贰叁肆伍陆柒捌玖 (simplified and traditional), 幺 (= 1, as read out in phone numbers),
// 两/兩 (= 2); circled and parenthesised ideographs ㊀–㊈ and ㈠–㈨. A keycap digit (1️⃣) is an
// ASCII digit followed by U+FE0F U+20E3, which the scanners skip as noise.
func DigitValue(r rune) int {
	if uint32(r-'0') <= 9 {
		return int(r - '0')
	}
	// One lookup answers for the BMP runes that are no digit.
	if uint32(r) < 0x10000 && bmpDigits[r>>6]&(1<<(r&63)) == 0 {
		return -1
	}
	return digitValue(r)
}

// bmpDigits marks the BMP runes that digitValue reads as a digit.
var bmpDigits = *func() *bmpSet {
	s := new(bmpSet)
	for r := rune(0); r < 0x10000; r++ {
		if digitValue(r) >= 0 {
			s.add(r)
		}
	}
	return s
}()

// digitValue is DigitValue without its table.
func digitValue(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r < 0x80:
		return -1
	case r >= 0xFF10 && r <= 0xFF19: // full-width
		return int(r - 0xFF10)
	case r == 0xB9:
		return 1
	case r == 0xB2 || r == 0xB3:
		return int(r-0xB2) + 2
	case r == 0x2070:
		return 0
	case r >= 0x2074 && r <= 0x2079: // superscripts ⁴–⁹
		return int(r-0x2074) + 4
	case r >= 0x2080 && r <= 0x2089: // subscripts
		return int(r - 0x2080)
	case r >= 0x2460 && r <= 0x2468: // ①–⑨
		return int(r-0x2460) + 1
	case r >= 0x2474 && r <= 0x247C: // ⑴–⑼
		return int(r-0x2474) + 1
	case r >= 0x2488 && r <= 0x2490: // ⒈–⒐
		return int(r-0x2488) + 1
	case r == 0x24EA || r == 0x24FF: // ⓪ ⓿
		return 0
	case r >= 0x24F5 && r <= 0x24FD: // ⓵–⓽
		return int(r-0x24F5) + 1
	case r >= 0x2776 && r <= 0x277E: // ❶–❾
		return int(r-0x2776) + 1
	case r >= 0x2780 && r <= 0x2788: // ➀–➈
		return int(r-0x2780) + 1
	case r >= 0x278A && r <= 0x2792: // ➊–➒
		return int(r-0x278A) + 1
	case r >= 0x3280 && r <= 0x3288: // ㊀–㊈
		return int(r-0x3280) + 1
	case r >= 0x3220 && r <= 0x3228: // ㈠–㈨
		return int(r-0x3220) + 1
	case r == 0x1F100 || r == 0x1F101: // 🄀 🄁
		return 0
	case r >= 0x1F102 && r <= 0x1F10A: // 🄂–🄊
		return int(r-0x1F102) + 1
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits, five styles
		return int(r-0x1D7CE) % 10
	}
	switch r {
	case '〇', '零':
		return 0
	case '一', '壹', '幺', '弌':
		return 1
	case '二', '贰', '貳', '两', '兩', '弍':
		return 2
	case '三', '叁', '參', '弎':
		return 3
	case '四', '肆':
		return 4
	case '五', '伍':
		return 5
	case '六', '陆', '陸':
		return 6
	case '七', '柒':
		return 7
	case '八', '捌':
		return 8
	case '九', '玖':
		return 9
	}
	return -1
}

// isHanDigit reports whether r is a Chinese numeral (as opposed to a styled Arabic digit).
// Runs made only of these are common in ordinary prose (一二三), so they need more evidence.
func isHanDigit(r rune) bool {
	return r >= 0x3000 && r < 0x3220 || r >= 0x3400 && r <= 0x9FFF
}

// asciiClass bits.
const (
	cLetter = 1 << iota
	cDigit
	cNoise // skipped between the characters of a trigger or inside a number
	cBreak // ends a phrase: line breaks and sentence punctuation
	cHost  // may appear in a host name
	cURL   // may appear in a URL after the host
	cLocal // may appear in the local part of an e-mail address
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		b := byte(c)
		switch {
		case b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z':
			t[c] = cLetter | cHost | cURL | cLocal
		case b >= '0' && b <= '9':
			t[c] = cDigit | cHost | cURL | cLocal
		case b == ' ' || b == '\t':
			t[c] = cNoise
		case b == '\n' || b == '\r' || b == '\v' || b == '\f':
			t[c] = cBreak
		case b < 0x20 || b == 0x7F:
			t[c] = cNoise
		default: // punctuation and symbols
			t[c] = cNoise
		}
	}
	for _, b := range []byte("!?;,") {
		t[b] = cBreak
	}
	t['-'] |= cHost | cLocal
	t['.'] |= cLocal
	t['_'] |= cLocal
	t['+'] |= cLocal
	t['%'] |= cLocal
	for _, b := range []byte("-._~:/?#[]@!$&'()*+,;=%") {
		t[b] |= cURL
	}
	t['\''] &^= cURL
	t['('] &^= cURL
	t[')'] &^= cURL
	return t
}()

// isNoise reports whether r carries no letters or digits and may be skipped between the
// characters of a trigger or inside a number: spaces, punctuation, symbols, emoji, format and
// combining characters. Line breaks and sentence punctuation are noise too but also breaks;
// callers that must not cross them check isBreak first.
func isNoise(r rune) bool {
	if uint32(r) >= 0x10000 {
		return noiseSlow(r)
	}
	return noiseBMP[r>>6]&(1<<(r&63)) != 0 // small enough to be inlined
}

// noiseBMP marks the BMP runes isNoise reports; invisibleBMP and symbolBMP mark the BMP runes
// outside ASCII that invisibleSlow and symbolSlow report (a test checks every rune). One lookup
// replaces range tests and binary searches of Unicode tables for the scanners, which test
// every rune after a digit or trigger. The sets are built from the Unicode tables' ranges: rune
// by rune took milliseconds at start-up.
var (
	noiseBMP = *func() *bmpSet {
		s := new(bmpSet)
		for _, t := range []*unicode.RangeTable{unicode.P, unicode.S, unicode.Z, unicode.Cf, unicode.Mn, unicode.Me, unicode.Cc, unicode.Co} {
			s.addTable(t)
		}
		s.add(utf8.RuneError)
		s.addRange(0x2600, 0x27BF)
		s.addRange(0xFE00, 0xFE0F)
		s.addRange(0x2000, 0x206F)
		s.removeRange(0x3400, 0x9FFF) // CJK ideographs
		s.removeRange(0xAC00, 0xD7A3) // Hangul
		s.remove(&bmpDigits)
		for r := rune(0x80); r < 0x10000; r++ {
			if isLetterish(r) {
				s[r>>6] &^= 1 << (r & 63)
			}
		}
		clearASCII(s)
		for r := range rune(0x80) {
			if asciiClass[r]&(cNoise|cBreak) != 0 {
				s.add(r)
			}
		}
		return s
	}()
	invisibleBMP = func() *bmpSet {
		s := new(bmpSet)
		for _, t := range []*unicode.RangeTable{unicode.Mn, unicode.Me, unicode.Cf} {
			s.addTable(t)
		}
		clearASCII(s)
		return s
	}()
	symbolBMP = func() *bmpSet {
		s := new(bmpSet)
		s.addTable(unicode.S)
		s.removeRange(0x3400, 0x9FFF)
		s.remove(&bmpDigits)
		clearASCII(s)
		return s
	}()
)

// addTable adds the BMP runes of t.
func (s *bmpSet) addTable(t *unicode.RangeTable) {
	for _, rg := range t.R16 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			s.add(r)
		}
	}
}

// addRange adds the runes lo–hi.
func (s *bmpSet) addRange(lo, hi rune) {
	for r := lo; r <= hi; r++ {
		s.add(r)
	}
}

// removeRange removes the runes lo–hi.
func (s *bmpSet) removeRange(lo, hi rune) {
	for r := lo; r <= hi; r++ {
		s[r>>6] &^= 1 << (r & 63)
	}
}

// remove removes the runes of o.
func (s *bmpSet) remove(o *bmpSet) {
	for k, w := range o {
		s[k] &^= w
	}
}

// clearASCII removes the ASCII runes, which the sets' users test elsewhere.
func clearASCII(s *bmpSet) { s[0], s[1] = 0, 0 }

// noiseSlow is isNoise for a rune outside ASCII, without noiseBMP.
func noiseSlow(r rune) bool {
	if r >= 0x3400 && r <= 0x9FFF || r >= 0xAC00 && r <= 0xD7A3 {
		return false // CJK ideographs and Hangul
	}
	if DigitValue(r) >= 0 || isLetterish(r) {
		return false // digits and letters in any style, including Ⓐ and 🅰 (symbols to Unicode)
	}
	switch {
	case r == utf8.RuneError,
		r >= 0x1F000 && r <= 0x1FAFF, // emoji and pictographs
		r >= 0x2600 && r <= 0x27BF,   // miscellaneous symbols, dingbats
		r >= 0xFE00 && r <= 0xFE0F,   // variation selectors
		r >= 0x2000 && r <= 0x206F:   // general punctuation, zero-width and bidi controls
		return true
	}
	return unicode.In(r, unicode.P, unicode.S, unicode.Z, unicode.Cf, unicode.Mn, unicode.Me, unicode.Cc, unicode.Co) ||
		r >= 0xE0000 && r <= 0xE007F
}

// isBreak reports whether r ends a phrase: a trigger is never matched across it.
func isBreak(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cBreak != 0
	}
	switch r {
	case '。', '！', '？', '；', '，', '、', '｡', 0x2028, 0x2029, 0x85:
		return true
	}
	return false
}

// verticalBreak reports whether the line break at text[pos] ("\n" or "\r\n") belongs to
// vertical writing, one character per line (加\n微\n信, v\nx): the rune before it stands alone
// on its line. Such a break does not end a trigger; any other line break does.
func verticalBreak(text string, pos int) bool {
	if pos >= len(text) || text[pos] != '\n' && (text[pos] != '\r' || pos+1 >= len(text) || text[pos+1] != '\n') {
		return false
	}
	if text[pos] == '\n' && pos > 0 && text[pos-1] == '\r' {
		pos-- // the "\n" of a "\r\n"
	}
	r, sz := utf8.DecodeLastRuneInString(text[:pos])
	if sz == 0 || r == '\n' || r == '\r' || r == ' ' || r == '\t' {
		return false
	}
	p := pos - sz
	return p == 0 || text[p-1] == '\n'
}

// isSymbolNoise reports whether r is a symbol or emoji (not a space or punctuation): the
// characters that stand in for letters in spellings such as 微❤.
func isSymbolNoise(r rune) bool {
	if r < 0x80 {
		switch r {
		case '*', '#', '+', '~', '^', '|', '=', '@', '&', '$':
			return true
		}
		return false
	}
	if r < 0x10000 {
		return symbolBMP.has(r)
	}
	return symbolSlow(r)
}

// symbolSlow is isSymbolNoise for a rune outside ASCII.
func symbolSlow(r rune) bool {
	if r >= 0x3400 && r <= 0x9FFF || DigitValue(r) >= 0 {
		return false
	}
	return unicode.Is(unicode.S, r) || r >= 0x1F000 && r <= 0x1FAFF
}

// fold maps a rune to the form triggers are spelled in: ASCII lower case, full-width,
// circled, styled and homoglyph letters to ASCII, any digit style to an ASCII digit, and
// traditional variants of the trigger characters to simplified ones. Other runes are unchanged.
func fold(r rune) rune {
	if r < 0x80 {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if r < 0x10000 && !foldable.has(r) {
		return r
	}
	if d := DigitValue(r); d >= 0 {
		return rune('0' + d)
	}
	if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
		r -= 0xFEE0
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if a := foldLetter(r); a != 0 {
		return a
	}
	if s, ok := t2s[r]; ok {
		return s
	}
	return r
}

// foldable marks the BMP runes that fold to something else (digits, letters, homoglyphs, t2s),
// so that fold returns every other rune at once.
var foldable = func() *bmpSet {
	b := new(bmpSet)
	set := b.add
	for i, w := range bmpDigits {
		b[i] |= w
	}
	clearASCII(b) // ASCII digits fold to themselves
	for r := rune(0xFF01); r <= 0xFF5E; r++ {
		set(r)
	}
	for r := rune(0x24B6); r <= 0x24E9; r++ {
		set(r)
	}
	for r := range homoglyphs {
		set(r)
	}
	for r := range t2s {
		set(r)
	}
	return b
}()

// isLetterish reports whether r is a letter in a Latin-looking style (full-width, enclosed,
// styled, Cyrillic or Greek look-alike), without the table lookups of foldLetter.
func isLetterish(r rune) bool {
	switch {
	case r < 0x80:
		return asciiClass[r]&cLetter != 0
	case r < 0x370:
		return unicode.IsLetter(r)
	case r < 0x530:
		return true
	case r >= 0xFF21 && r <= 0xFF5A:
		return r <= 0xFF3A || r >= 0xFF41
	case r >= 0x24B6 && r <= 0x24E9:
		return true
	case r >= 0x1D400 && r <= 0x1D6A3, r >= 0x1F130 && r <= 0x1F189, r >= 0x1F1E6 && r <= 0x1F1FF:
		return true
	}
	return false
}

// skipPlainCJK returns the end of the run of three-byte characters at text[i:] that stop (built
// by cjkStops) does not mark: the characters in U+3000–U+FFFF (CJK ideographs and punctuation,
// kana, Hangul, full-width forms) outside U+D000–U+DFFF that the scanner's set does not mark.
// The scanners skip such runs without looking at each character further: for them, a
// character there that set does not mark is neither a word character nor the start of anything
// (their set marks the full-width digits and the full-width letters that matter), so
// full-width punctuation (，：！) does not end a run. Most of a Chinese note is such runs, so
// the loop reads each character as one word and tests it with one table lookup, without
// decoding it.
func skipPlainCJK(text string, i int, stop *bmpSet) int {
	// Two characters per turn while there are eight bytes, read with one load (the compiler
	// merges the byte reads), then one per turn with a four-byte load; plainCJK ignores the
	// bytes above the character it tests.
	for ; i+8 <= len(text); i += 6 {
		c := text[i : i+8]
		w := uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
			uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		if !plainCJK(uint32(w), stop) {
			return i
		}
		if !plainCJK(uint32(w>>24), stop) {
			return i + 3
		}
	}
	for ; i+4 <= len(text); i += 3 {
		c := text[i : i+4]
		if !plainCJK(uint32(c[0])|uint32(c[1])<<8|uint32(c[2])<<16|uint32(c[3])<<24, stop) {
			return i
		}
	}
	if i+3 <= len(text) && plainCJK(uint32(text[i])|uint32(text[i+1])<<8|uint32(text[i+2])<<16, stop) {
		i += 3
	}
	return i
}

// plainCJK reports whether the low three bytes of w (little-endian) are a well-formed
// three-byte sequence whose rune stop does not mark.
func plainCJK(w uint32, stop *bmpSet) bool {
	// XOR with the byte pattern 1110xxxx 10xxxxxx 10xxxxxx leaves only the payload bits of
	// a well-formed three-byte sequence: the lead's low nibble and two 6-bit groups.
	w ^= 0x8080E0
	return w&0xC0C0F0 == 0 && stop[(w&0x0F)<<6|w>>8&0x3F]&(1<<(w>>16&63)) == 0
}

// cjkStops returns set together with every rune below U+3000 and in U+D000–U+DFFF: the table
// skipPlainCJK tests each three-byte character against, so that one lookup also rejects the
// characters outside the range it skips.
func cjkStops(set *bmpSet) *bmpSet {
	stop := *set
	for r := rune(0); r < 0x3000; r += 64 {
		stop[r>>6] = ^uint64(0)
	}
	for r := rune(0xD000); r < 0xE000; r += 64 {
		stop[r>>6] = ^uint64(0)
	}
	return &stop
}

// bmpSet is a set of runes of the Basic Multilingual Plane, one bit each.
type bmpSet [0x10000 / 64]uint64

func (s *bmpSet) add(r rune) { s[uint16(r)>>6] |= 1 << (r & 63) }

// has reports whether r, which must be below 0x10000, is in s.
func (s *bmpSet) has(r rune) bool { return s[uint16(r)>>6]&(1<<(r&63)) != 0 }

// asciiRunEnd returns the end of the run of ASCII bytes at text[i:] whose class has a bit of mask.
func asciiRunEnd(text string, i int, mask uint8) int {
	for i < len(text) && text[i] < 0x80 && asciiClass[text[i]]&mask != 0 {
		i++
	}
	return i
}

// foldLetter maps a styled or look-alike Latin letter to lower-case ASCII, or returns 0.
func foldLetter(r rune) rune {
	switch {
	case r >= 0xFF21 && r <= 0xFF3A: // Ａ–Ｚ
		return r - 0xFF21 + 'a'
	case r >= 0xFF41 && r <= 0xFF5A: // ａ–ｚ
		return r - 0xFF41 + 'a'
	case r >= 0x24B6 && r <= 0x24CF: // Ⓐ–Ⓩ
		return r - 0x24B6 + 'a'
	case r >= 0x24D0 && r <= 0x24E9: // ⓐ–ⓩ
		return r - 0x24D0 + 'a'
	case r >= 0x1F130 && r <= 0x1F149: // 🄰–🅉
		return r - 0x1F130 + 'a'
	case r >= 0x1F150 && r <= 0x1F169: // 🅐–🅩
		return r - 0x1F150 + 'a'
	case r >= 0x1F170 && r <= 0x1F189: // 🅰–🆉
		return r - 0x1F170 + 'a'
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators 🇦–🇿
		return r - 0x1F1E6 + 'a'
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical alphanumerics, 52 letters per style
		return 'a' + (r-0x1D400)%52%26
	}
	if r < greekCyrillicLo || r > greekCyrillicHi { // CJK and the rest: no map lookup
		return 0
	}
	if a, ok := homoglyphs[r]; ok {
		return a
	}
	return 0
}

// The Greek and Cyrillic blocks (U+0370–U+052F), where every key of homoglyphs lies.
const greekCyrillicLo, greekCyrillicHi = 0x0370, 0x052F

// homoglyphs are Cyrillic and Greek letters that look like Latin ones.
var homoglyphs = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j', 'ѕ': 's', 'ԛ': 'q', 'ԝ': 'w',
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o', 'Р': 'p', 'С': 'c',
	'Т': 't', 'У': 'y', 'Х': 'x', 'І': 'i', 'Ј': 'j', 'Ѕ': 's',
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm',
	'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x', 'Ζ': 'z',
}

// t2s folds traditional and look-alike spellings of the characters used in triggers to the
// simplified form the built-in triggers are written in. It is deliberately small: full
// traditional-to-simplified conversion is the normaliser's job; this keeps the detector
// self-contained for the few words it needs.
var t2s = map[rune]rune{
	'聯': '联', '繫': '系', '係': '系', '電': '电', '話': '话', '號': '号', '碼': '码', '機': '机',
	'復': '复', '複': '复', '製': '制', '這': '这', '寶': '宝', '寳': '宝', '開': '开', '閞': '开',
	'咑': '打', '條': '条', '頁': '页', '訊': '讯', '給': '给', '鵝': '鹅', '帳': '账', '賬': '账',
	'絡': '络', '關': '关', '註': '注', '們': '们', '來': '来', '為': '为', '點': '点', '網': '网',
	'國': '国', '級': '级', '頂': '顶', '銷': '销', '優': '优', '價': '价', '實': '实', '劃': '划',
	'權': '权', '專': '专', '業': '业', '暢': '畅', '歡': '欢', '純': '纯', '強': '强', '証': '证',
	'證': '证', '無': '无', '敵': '敌', '萬': '万', '藥': '药', '選': '选', '產': '产', '效': '效',
	'進': '进', '見': '见', '簡': '简', '介': '介', '聊': '聊', '謝': '谢', '詢': '询', '單': '单',
	'貨': '货', '運': '运', '遞': '递', '編': '编', '際': '际', '塊': '块', '圓': '圆',
	'億': '亿', '歲': '岁', '後': '后', '終': '终', '愛': '爱', '熱': '热', '夠': '够',
	'徵': '征', '尋': '寻', '傳': '传', '統': '统', '導': '导',
	'錢': '钱', '線': '线', '鏈': '链', '長': '长', '門': '门', '戶': '户', '屬': '属', '壓': '压',
	'層': '层', '樓': '楼', '閱': '阅', '讀': '读', '東': '东', '華': '华', '時': '时', '間': '间',
	'鐘': '钟', '觀': '观', '驗': '验', '別': '别', '個': '个', '張': '张', '數': '数', '樣': '样',
	'薦': '荐', '搶': '抢', '瘋': '疯', '療': '疗', '癒': '愈', '顏': '颜', '擊': '击',
	'麼': '么', '葉': '叶', '衛': '卫', '陽': '阳', '雙': '双', '讚': '赞', '贊': '赞', '極': '极',
	'嗎': '吗', '賣': '卖', '買': '买', '書': '书', '裏': '里', '裡': '里',
	'蕞': '最', '冣': '最', '㝡': '最',
}
