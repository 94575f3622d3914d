package rules

import (
	"testing"

	"github.com/trustd/trustd/moderation"
)

// TestMatchMechanisms: one row per matcher rule added after the red-team measurement
// (testdata/text/redteam.jsonl); every engine must find the term on the original bytes.
func TestMatchMechanisms(t *testing.T) {
	t.Parallel()
	runHitCases(t, []hitCase{
		{"filler inside a word: emoji", "f🤬uck that", "fuck", "f🤬uck"},
		{"filler inside a word: zwj sequence", "sh👨\u200d👩\u200d👧it", "shit", "sh👨\u200d👩\u200d👧it"},
		{"filler inside a word: bidi", "bi\u202etch", "bitch", "bi\u202etch"},
		{"filler in place of a vowel", "sh🤬t happens", "shit", "sh🤬t"},
		{"censored vowel in a long word", "bullsh*t service", "bullshit", "bullsh*t"},
		{"censored vowel, then a split", "motherf*cker", "motherfucker", "motherf*cker"},
		{"greek lunate sigma", "ΒΙΤϹΗ", "bitch", "ΒΙΤϹΗ"},
		{"cjk doubled last character", "真是傻逼逼", "傻逼", "傻逼逼"},
		{"short term before cjk", "SB刚买就降价", "sb", "SB"},
		{"short term, number after a space", "sb 100块也买", "sb", "sb"},
		{"split without a function word", "a real bit ch", "bitch", "bit ch"},
		{"spaced pinyin", "cao ni ma de", "cao ni ma", "cao ni ma"},
	})
}

// TestMechanismNegatives: what the same rules must leave alone.
func TestMechanismNegatives(t *testing.T) {
	t.Parallel()
	runNoHitCases(t, []noHitCase{
		{"split at a function word", "the pen is mightier than the sword"},
		{"split at a function word, three letters", "he has but terrible luck"},
		{"apostrophe still splits", "who're you"},
		{"hyphen still splits", "push-it down the ledge"},
		{"short term joined to a number", "SB-100 型号的支架"},
		{"short term joined to a number, no separator", "型号 sb100"},
		{"doubled first character is a word", "给狗狗东西吃"},
		{"kinship double", "他妈妈的手艺"},
		{"across a word boundary: traffic", "港口交易量创新高"},
		{"across a word boundary: heart", "一起做爱心卡片"},
		{"across a word boundary: trouble", "这下惹上大麻烦了"},
		{"across a word boundary: window seat", "我靠窗坐"},
		{"relatives' cooking", "这是爸妈的结婚照"},
		{"cleaning service", "保洁上门服务很准时"},
		{"dialect", "这个炸鸡巴适得板"},
	})
}

// TestDisguisedContacts: "contact TYPE:disguised LABELS" in the policy gives numbers written in
// disguised digits and spelled-out e-mail addresses their own labels (default: contact,ad →
// block), while plainly written ones keep theirs (contact → review).
func TestDisguisedContacts(t *testing.T) {
	t.Parallel()
	s := mustCompile(t, DefaultEngine)
	tests := []struct {
		name string
		c    moderation.Contact
		want moderation.Decision
	}{
		{"ascii phone", moderation.Contact{Type: moderation.ContactPhone, Text: "139-1234-5678"}, moderation.Review},
		{"full-width phone", moderation.Contact{Type: moderation.ContactPhone, Text: "１３９１２３４５６７８"}, moderation.Review},
		{"chinese numerals", moderation.Contact{Type: moderation.ContactPhone, Text: "一三九一二三四五六七八"}, moderation.Block},
		{"circled digits", moderation.Contact{Type: moderation.ContactPhone, Text: "①③⑨12345678"}, moderation.Block},
		{"keycaps", moderation.Contact{Type: moderation.ContactPhone, Text: "1️⃣3️⃣9️⃣12345678"}, moderation.Block},
		{"financial numerals", moderation.Contact{Type: moderation.ContactPhone, Text: "壹叁玖12345678"}, moderation.Block},
		{"plain e-mail", moderation.Contact{Type: moderation.ContactEmail, Text: "kate@example.com"}, moderation.Review},
		{"spelled e-mail", moderation.Contact{Type: moderation.ContactEmail, Text: "kate [at] example [dot] com"}, moderation.Block},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := &moderation.Evidence{Item: &moderation.Item{Scene: moderation.SceneComment, Body: tc.c.Text},
				Contacts: []moderation.Contact{tc.c}}
			if out := s.Decide(ev); out.Decision != tc.want {
				t.Errorf("Decide(%s %q) = %s, want %s; reasons %q", tc.c.Type, tc.c.Text, out.Decision, tc.want, out.Reasons)
			}
		})
	}
}
