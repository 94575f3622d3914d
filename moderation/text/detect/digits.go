package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/text/internal/decode"
)

const (
	maxRunDigits = 24 // longer runs are kept only as a count
	maxGroups    = 16
	maxRunGap    = 4 // noise runes allowed between two digits of one number
)

// digitRun is a number written in any digit style with noise between the digits.
type digitRun struct {
	start, end int // byte span from the first to the last digit
	n          int // number of digits
	d          [maxRunDigits]byte
	han        int  // digits written as Chinese numerals
	plain      bool // ASCII digits only, nothing between them
	groups     int  // digit groups separated by visible noise
	gstart     [maxGroups]int
	gend       [maxGroups]int
	gfirst     [maxGroups]int // index of the group's first digit
}

func (r *digitRun) digits() string {
	n := min(r.n, maxRunDigits)
	return string(r.d[:n])
}

func (r *digitRun) groupLen(g int) int {
	if g+1 < r.groups {
		return r.gfirst[g+1] - r.gfirst[g]
	}
	return r.n - r.gfirst[g]
}

// scanDigits reads the digit run starting at text[i], which must be a digit of some style.
func scanDigits(text string, i int, run *digitRun) {
	// Only the counters are reset: every element of the arrays below n and groups is written
	// before it is read, and clearing the 450-byte record cost more than reading most runs.
	run.start, run.end, run.n, run.han, run.plain, run.groups = i, i, 0, 0, true, 0
	pos := i
	gap, visible, stars := 0, false, 0
	for pos < len(text) {
		var r rune
		sz := 1
		if b := text[pos]; b < 0x80 {
			if b-'0' > 9 && asciiClass[b]&(cNoise|cBreak) == 0 {
				break // a letter: the fast way out for ASCII text
			}
			r = rune(b)
		} else {
			var ok bool
			if r, ok = decode.Rune3(text, pos); ok { // inlined: the common case
				sz = 3
			} else {
				r, sz = decode.Rune(text, pos)
			}
		}
		v := int(r - '0')
		if r >= 0x80 {
			v = -1 // DigitValue(r), without the call for the BMP runes that are no digit
			if r >= 0x10000 || bmpDigits.has(r) {
				v = DigitValue(r)
			}
		}
		if uint(v) <= 9 {
			if run.n == 0 || visible {
				if run.groups < maxGroups {
					run.gstart[run.groups] = pos
					run.gfirst[run.groups] = run.n
					run.groups++
				}
			}
			if run.groups > 0 && run.groups <= maxGroups {
				run.gend[run.groups-1] = pos + sz
			}
			if run.n < maxRunDigits {
				run.d[run.n] = byte('0' + v)
			}
			run.n++
			if r >= 0x80 {
				run.plain = false
				if isHanDigit(r) {
					run.han++
				}
			}
			if gap > 0 {
				run.plain = false
			}
			pos += sz
			// A keycap (1️⃣) or variation selector belongs to the digit it follows. Their UTF-8
			// encodings start with 0xE2 or 0xEF.
			for pos < len(text) && text[pos]|0x0D == 0xEF {
				r2, sz2 := utf8.DecodeRuneInString(text[pos:])
				if r2 != 0xFE0F && r2 != 0xFE0E && r2 != 0x20E3 {
					break
				}
				pos += sz2
			}
			run.end = pos
			gap, visible, stars = 0, false, 0
			continue
		}
		if r == '*' || r == '＊' || r == '×' {
			stars++
			if stars >= 2 {
				break // 138****5678: a masked number, not a contact
			}
		}
		if gap < maxRunGap && r != '\n' && r != '\r' && isNoise(r) {
			gap++
			if r < 0x80 || !isInvisible(r) {
				visible = true
			}
			pos += sz
			continue
		}
		break
	}
}

// isInvisible reports whether r is a format, variation or combining character (the parts
// of a keycap 1️⃣ after the digit): it does not split a number into groups.
func isInvisible(r rune) bool {
	if r < 0x80 {
		return false
	}
	if r < 0x10000 {
		return invisibleBMP.has(r)
	}
	return invisibleSlow(r)
}

// invisibleSlow is isInvisible for a rune outside ASCII.
func invisibleSlow(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// monotone reports 12345678 and 87654321.
func monotone(s string) bool {
	up, down := true, true
	for i := 1; i < len(s); i++ {
		if s[i] != s[i-1]+1 {
			up = false
		}
		if s[i] != s[i-1]-1 {
			down = false
		}
	}
	return up || down
}

// dominated reports whether one digit makes up more than half of s (10000000, 12111111).
func dominated(s string) bool {
	var c [10]int
	for i := 0; i < len(s); i++ {
		c[s[i]-'0']++
	}
	for _, v := range c {
		if v > len(s)/2+1 {
			return true
		}
	}
	return false
}

func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9'
}

// mobileValue strips a +86 / 0086 / 86 country code from s and reports whether the rest is a
// Chinese mobile number.
func mobileValue(s string) (string, bool) {
	switch {
	case isMobile(s):
		return s, true
	case len(s) == 13 && s[:2] == "86" && isMobile(s[2:]):
		return s[2:], true
	case len(s) == 15 && s[:4] == "0086" && isMobile(s[4:]):
		return s[4:], true
	}
	return "", false
}

// isLandline accepts a Chinese landline with its area code (0 + 2–3 digit area code + 7–8
// digit subscriber number, 10–12 digits) and 400/800 service numbers.
func isLandline(s string) bool {
	switch {
	case len(s) >= 10 && len(s) <= 12 && s[0] == '0' && s[1] != '0':
		return true
	case len(s) == 10 && (strings.HasPrefix(s, "400") || strings.HasPrefix(s, "800")):
		return true
	}
	return false
}

// loveNumber reports the 520 / 1314 ("I love you forever") slang in a digit run.
func loveNumber(s string) bool {
	return strings.Contains(s, "5201314") || strings.Contains(s, "1314520") || strings.Count(s, "1314") >= 2 ||
		strings.Count(s, "520") >= 2
}

// isDate accepts yyyymmdd between 1900 and 2099.
func isDate(s string) bool {
	if len(s) != 8 || !(s[:2] == "19" || s[:2] == "20") {
		return false
	}
	m := int(s[4]-'0')*10 + int(s[5]-'0')
	dd := int(s[6]-'0')*10 + int(s[7]-'0')
	return m >= 1 && m <= 12 && dd >= 1 && dd <= 31
}

// unitRunes after a number make it a quantity, price, date or rank, not a contact.
const unitRunes = "元块円圆角分万千百亿个件次年月日号天岁斤克米人位张条本粉赞楼层秒点时周倍度折套盒瓶包支只台部寸码页集章节届代级名g%℃°＄％"

// unitAfter reports whether a unit, a currency word or a letter attached to the number
// follows it.
func unitAfter(text string, end int) bool {
	pos := end
	spaced := false
	for pos < len(text) && (text[pos] == ' ' || text[pos] == '\t') {
		pos++
		spaced = true
	}
	if pos >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[pos:])
	if r < 0x80 && asciiClass[r]&cLetter != 0 {
		if !spaced {
			return true // 13812345678abc: part of a code
		}
		w := asciiWord(text, pos)
		switch w {
		case "rmb", "yuan", "cny", "usd", "kg", "g", "ml", "cm", "mm", "km", "k", "w", "mb", "gb", "tb", "mah",
			"pcs", "views", "subs", "subscribers", "likes", "followers", "times", "years", "days", "people", "fans",
			"dollars", "yen", "won", "am", "pm", "hz", "px":
			return true
		}
		return false
	}
	if r == '%' || r == '.' && pos+1 < len(text) && asciiClass[text[pos+1]&0x7F]&cDigit != 0 {
		return true
	}
	return strings.ContainsRune(unitRunes, fold(r))
}

// asciiWord returns the lower-case ASCII letter word at text[pos:].
func asciiWord(text string, pos int) string {
	end := pos
	for end < len(text) && end-pos < 16 && asciiClass[text[end]&0x7F]&cLetter != 0 && text[end] < 0x80 {
		end++
	}
	return strings.ToLower(text[pos:end])
}

// negWords before a number mark it as an order, tracking, model or card number.
var negWords = []string{
	"订单", "单号", "运单", "快递", "物流", "编号", "序列号", "型号", "货号", "条码", "批号", "账单", "发票", "流水",
	"交易", "工号", "学号", "身份证", "卡号", "邮编", "期限", "日期", "有效期", "生产", "价", "粉丝", "播放", "点赞",
	"浏览", "阅读", "收藏", "评论", "关注", "库存", "销量", "验证码", "uid", "密码",
	"訂單", "單號", "運單", "編號", "貨號", "價",
	"order", "tracking", "invoice", "serial", "sku", "isbn", "ref", "no.", "#", "¥", "￥", "$", "€", "£",
}

// negBefore reports whether a negative context word stands in the few runes before start,
// within the same phrase.
func negBefore(text string, start int) bool {
	lo := start
	for n := 0; lo > 0 && n < 8; n++ {
		r, sz := utf8.DecodeLastRuneInString(text[:lo])
		if r == '\n' || isBreak(r) && r != '!' && r != '?' {
			break
		}
		lo -= sz
	}
	win := text[lo:start]
	if win == "" {
		return false
	}
	lw := win
	for i := 0; i < len(win); i++ {
		if c := win[i]; c >= 'A' && c <= 'Z' {
			lw = strings.ToLower(win)
			break
		}
	}
	for _, w := range negWords {
		if strings.Contains(lw, w) {
			return true
		}
	}
	return false
}

// attached reports whether the byte just before start or at end glues the number to a word or
// another number (abc12345678, 1.23456789, 12:30:45).
func attached(text string, start, end int) bool {
	if start > 0 {
		if b := text[start-1]; b < 0x80 && (asciiClass[b]&(cLetter|cDigit) != 0 || strings.IndexByte(".,:/-%#_@+=", b) >= 0) {
			return true
		}
	}
	if end < len(text) {
		if b := text[end]; b < 0x80 && (asciiClass[b]&(cLetter|cDigit) != 0 || strings.IndexByte(".,:/-%#_@=", b) >= 0) {
			return true
		}
	}
	return false
}

// classifyRun decides what a digit run is, given the trigger channel that precedes it
// (kNone for a bare number). spanStart is where the reported contact begins (the trigger).
func (d *Detector) classifyRun(text, field string, run *digitRun, ch kind, spanStart int, out []candidate) []candidate {
	if ch == kNone && run.n > 12 && run.groups > 1 {
		return d.splitRun(text, field, run, out)
	}
	if run.n < 5 || run.n > maxRunDigits {
		return out
	}
	s := run.digits()
	if allSame(s) || unitAfter(text, run.end) {
		return out
	}
	// The value is cloned because s is not kept: most runs are not contacts, and a string that
	// stays in this frame costs no allocation.
	emit := func(typ, value string, prio int8) []candidate {
		return append(out, candidate{start: spanStart, end: run.end, typ: typ, value: strings.Clone(value), prio: prio})
	}
	switch ch {
	case kWeChat:
		if run.n <= 20 {
			if m, ok := mobileValue(s); ok {
				s = m
			}
			return emit(moderation.ContactWeChat, s, prioTrigger)
		}
		return out
	case kQQ:
		if qqShaped(run, s) {
			return emit(moderation.ContactQQ, s, prioTrigger)
		}
		return out
	case kPhone:
		if m, ok := mobileValue(s); ok {
			return emit(moderation.ContactPhone, m, prioTrigger)
		}
		if isLandline(s) || run.n >= 7 && run.n <= 12 && s[0] != '0' && !monotone(s) && !dominated(s) &&
			!negBefore(text, spanStart) {
			return emit(moderation.ContactPhone, s, prioTrigger)
		}
		return out
	case kAdd:
		if m, ok := mobileValue(s); ok {
			return emit(moderation.ContactPhone, m, prioTrigger)
		}
		// 加 / + with a bare number is weaker than a QQ trigger: 6+ digits, not 10000-like.
		if run.n >= 6 && qqShaped(run, s) && !dominated(s) && !negBefore(text, spanStart) {
			return emit(moderation.ContactQQ, s, prioTrigger)
		}
		return out
	}
	// A bare number: no trigger in front of it. The context check comes last: it is the
	// expensive part and most numbers fail the shape checks first.
	if m, ok := mobileValue(s); ok {
		if !attachedLetter(text, run.start, run.end) && !loveNumber(s) && !negBefore(text, run.start) {
			return emit(moderation.ContactPhone, m, prioBare)
		}
		return out
	}
	if run.han > 0 {
		return out // Chinese numerals without a trigger: only a full mobile number counts
	}
	// North American style 415-555-0134 / (415) 555 0134: three groups 3-3-4.
	if run.n == 10 && run.groups == 3 && run.groupLen(0) == 3 && run.groupLen(1) == 3 && s[0] >= '2' && s[3] >= '2' &&
		!attachedLetter(text, run.start, run.end) && !dominated(s) && !negBefore(text, run.start) {
		return emit(moderation.ContactPhone, s, prioBare)
	}
	if isLandline(s) && !attachedLetter(text, run.start, run.end) && !monotone(s) && !dominated(s) &&
		!negBefore(text, run.start) {
		return emit(moderation.ContactPhone, s, prioBare)
	}
	// Low confidence: a plain 8–10 digit number standing alone, shaped like a QQ number.
	if run.plain && run.n >= 8 && run.n <= 10 && s[0] != '0' && !isDate(s) && !monotone(s) && !dominated(s) &&
		!loveNumber(s) && !attached(text, run.start, run.end) &&
		!(run.n == 10 && s[0] == '1') && // a Unix timestamp
		!negBefore(text, run.start) {
		return emit(moderation.ContactQQ, s, prioLow)
	}
	return out
}

// qqShaped: 5–11 digits, no leading zero, not 1 2345 (Q1 2024) style grouping.
func qqShaped(run *digitRun, s string) bool {
	if run.n < 5 || run.n > 11 || s[0] == '0' {
		return false
	}
	if run.groups > 1 && run.groupLen(0) == 1 {
		for g := 1; g < run.groups; g++ {
			if run.groupLen(g) != 1 {
				return false
			}
		}
	}
	return true
}

// attachedLetter reports an ASCII letter glued to either end of the number (SN13812345678).
func attachedLetter(text string, start, end int) bool {
	if start > 0 && text[start-1] < 0x80 && asciiClass[text[start-1]]&cLetter != 0 {
		return true
	}
	return end < len(text) && text[end] < 0x80 && asciiClass[text[end]]&cLetter != 0
}

// splitRun finds mobile numbers in a long grouped run (138 1234 5678, 139 8765 4321).
func (d *Detector) splitRun(text, field string, run *digitRun, out []candidate) []candidate {
	if negBefore(text, run.start) || run.n > maxRunDigits {
		return out
	}
	s := run.digits()
	groups := min(run.groups, maxGroups)
	for a := 0; a < groups; {
		found := false
		for b := a; b < groups; b++ {
			lo := run.gfirst[a]
			hi := run.n
			if b+1 < groups {
				hi = run.gfirst[b+1]
			}
			if hi-lo > 11 {
				break
			}
			if hi-lo == 11 && isMobile(s[lo:hi]) {
				out = append(out, candidate{start: run.gstart[a], end: run.gend[b], typ: moderation.ContactPhone, value: strings.Clone(s[lo:hi]), prio: prioBare})
				a = b + 1
				found = true
				break
			}
		}
		if !found {
			a++
		}
	}
	return out
}
