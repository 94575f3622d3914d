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

// contactLike matches what the contact detectors take for a contact in OCR'd text: a WeChat
// trigger then a valid id, or a mobile number (11 digits starting 13–19, maybe grouped 3-4-4
// by spaces or hyphens). It only ranks readings of one strip (hasContact): detection is the
// rules' job.
var contactLike = regexp.MustCompile(`(?i)(?:微信|薇信|威信|v信|\b(?:vx|wx|wechat|weixin|v))\s*[:：]?\s*[a-z][a-z0-9_-]{5,19}\b|(?:^|\D)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?:\D|$)`)

// hasContact reports whether s, once repaired (repairIDs), holds something contact-like.
// Between two readings of one strip from different binarisations, the one that reads a
// contact is the one to keep: misreadings rarely form one, and a reading that lost a contact
// is the costlier error.
func hasContact(s string) bool { return contactLike.MatchString(repairIDs(s)) }
