package detect

import "testing"

// TestSpelledEmail: e-mail addresses with "@" and "." spelled out.
func TestSpelledEmail(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"brackets", "mail: kate [at] gmail [dot] com", one(email, "kate@gmail.com", "kate [at] gmail [dot] com")},
		{"parentheses, no spaces", "kate(at)qq(dot)com 联系", one(email, "kate@qq.com", "kate(at)qq(dot)com")},
		{"braces and a real dot", "kate {at} mail.example.com", one(email, "kate@mail.example.com", "kate {at} mail.example.com")},
		{"words", "write to kate at gmail dot com", one(email, "kate@gmail.com", "kate at gmail dot com")},
		{"bracketed at, weak tld", "kate [at] shop [dot] me", one(email, "kate@shop.me", "kate [at] shop [dot] me")},
	})
}

func TestSpelledEmailNegatives(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"plain at, real dot is a url", "I bought it at amazon.com", one(url, "amazon.com", "amazon.com")},
		{"plain at, no dot", "meet me at the park", nil},
		{"plain at, words after", "look at this dot com bubble", nil},
		{"plain at, weak tld", "see you at home dot me", nil},
		{"plain at, determiner", "we sold back at the dot com peak", nil},
		{"at inside a word", "kate[at] gmail dot", nil},
		{"no local part", "[at] gmail [dot] com", nil},
	})
}

// TestTriggerAdditions: Instagram's Chinese shorthand "ins" and 淘口令 phrases with a symbol
// after 打开.
func TestTriggerAdditions(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"ins handle", "ins: @glow.kate 关注我", one(bait, "glow.kate", "ins: @glow.kate")},
		{"ins style is no handle", "ins风的房间布置", nil},
		{"tao phrase with a symbol", "打开👉手机淘宝👈即可", one(tao, "打开👉手机淘宝", "打开👉手机淘宝")},
	})
}

// TestAdLawAfterChineseNumeral: a Chinese numeral before a Latin term is no part of its word
// (双十一TOP1), while an ASCII one still is (x1top1 is a code).
func TestAdLawAfterChineseNumeral(t *testing.T) {
	t.Parallel()
	d := newDetector(t, Config{})
	for in, want := range map[string]string{"双十一TOP1的精华": "TOP1", "绝对有效的方法": "绝对有效", "x1top1": ""} {
		hs := d.AdLaw("body", in)
		got := ""
		if len(hs) > 0 {
			got = hs[0].Text
			checkSpan(t, in, hs[0].Field, hs[0].Start, hs[0].End, hs[0].Text)
		}
		if got != want {
			t.Errorf("AdLaw(%q) = %q, want %q", in, got, want)
		}
	}
}
