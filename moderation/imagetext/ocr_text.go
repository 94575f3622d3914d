package imagetext

import (
	"regexp"
	"strings"
)

// OCR reads the "_" of a WeChat id as a space more often than not ("V: abc_123" comes back as
// "V: abc 123"), and the contact detector rightly does not take "abc" (too short) as an id.
// Rather than loosen the detector for every caption, the OCR'd text is repaired: after a
// WeChat trigger, two tokens split by one space are joined with "_" when the first is too
// short to be an id on its own and the joined token is a valid WeChat id (a letter, then 5–19
// letters, digits, _ or -). Nothing else in the text changes.

// splitID matches a WeChat trigger, a colon or spaces, then two tokens split by one space.
var splitID = regexp.MustCompile(`(?i)(微信|薇信|威信|v信|\b(?:vx|wx|wechat|weixin|v))(\s*[:：]\s*|\s+)([a-z][a-z0-9_-]*) ([a-z0-9][a-z0-9_-]*)`)

// validWeChatID is the shape of a WeChat id.
var validWeChatID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{5,19}$`)

// repairIDs joins WeChat ids that OCR split at their "_" (see above).
func repairIDs(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	return splitID.ReplaceAllStringFunc(s, func(m string) string {
		p := splitID.FindStringSubmatch(m)
		head, tail := p[3], p[4]
		if len(head) >= 6 || !validWeChatID.MatchString(head+"_"+tail) {
			return m
		}
		return p[1] + p[2] + head + "_" + tail
	})
}

// OCR also reads a digit of a number as the letter it resembles, more so in serif faces: the
// flagged 1 of a Song face as T, I or l, 0 as O, 5 as S, 8 as B, 2 as Z. A run shaped like a
// mobile number (3-4-4 characters, maybe split by one space or hyphen) that holds at most two
// such letters, and reads as a mobile number (1, then 3–9) once they are mapped back to their
// digits, is repaired; any other run, and every letter outside one, stays as it is.

// digitLike is a run shaped like a mobile number whose characters are digits or letters that
// OCR confuses with digits, between characters that are neither letters nor digits.
var digitLike = regexp.MustCompile(`(^|[^0-9A-Za-z])([0-9OoIlT|SBZ]{3}[ -]?[0-9OoIlT|SBZ]{4}[ -]?[0-9OoIlT|SBZ]{4})($|[^0-9A-Za-z])`)

// ocrDigit maps the letters OCR confuses with digits to those digits.
var ocrDigit = strings.NewReplacer("O", "0", "o", "0", "I", "1", "l", "1", "T", "1", "|", "1", "S", "5", "B", "8", "Z", "2")

// mobileShape is a Chinese mobile number, maybe grouped 3-4-4.
var mobileShape = regexp.MustCompile(`^1[3-9]\d[ -]?\d{4}[ -]?\d{4}$`)

// repairDigits maps look-alike letters back to digits inside mobile-number-shaped runs (see
// above).
func repairDigits(s string) string {
	return digitLike.ReplaceAllStringFunc(s, func(m string) string {
		p := digitLike.FindStringSubmatch(m)
		run := p[2]
		letters := 0
		for _, r := range run {
			if r > '9' { // a letter or |
				letters++
			}
		}
		if letters == 0 || letters > 2 {
			return m
		}
		if fixed := ocrDigit.Replace(run); mobileShape.MatchString(fixed) {
			return p[1] + fixed + p[3]
		}
		return m
	})
}

// repairOCR applies the repairs of OCR'd text: split WeChat ids, then look-alike digits.
func repairOCR(s string) string { return repairDigits(repairIDs(s)) }

// contactLike matches what the contact detectors take for a contact in OCR'd text: a WeChat
// trigger then a valid id, or a mobile number (11 digits starting 13–19, maybe grouped 3-4-4
// by spaces or hyphens). It only ranks readings of one strip (hasContact): detection is the
// rules' job.
var contactLike = regexp.MustCompile(`(?i)(?:微信|薇信|威信|v信|\b(?:vx|wx|wechat|weixin|v))\s*[:：]?\s*[a-z][a-z0-9_-]{5,19}\b|(?:^|\D)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?:\D|$)`)

// hasContact reports whether s, once repaired (repairOCR), holds something contact-like.
// Between two readings of one strip from different binarisations, the one that reads a
// contact is the one to keep: misreadings rarely form one, and a reading that lost a contact
// is the costlier error.
func hasContact(s string) bool { return contactLike.MatchString(repairOCR(s)) }
