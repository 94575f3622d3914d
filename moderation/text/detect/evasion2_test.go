package detect

import "testing"

// TestGluedIDAfterTrigger: after a colon, a Latin trigger spelling glued to the rest of an id
// by _ or - starts the id (gluedID); a trigger followed by noise or a colon is still a trigger.
func TestGluedIDAfterTrigger(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"wx_ id after VX", "VX：wx_mei2024", one(wechat, "wx_mei2024", "VX：wx_mei2024")},
		{"vx- id after 微信", "微信: vx-abc123 备注", one(wechat, "vx-abc123", "微信: vx-abc123")},
		{"full-width", "ＶＸ：ｗｘ＿ｍｅｉ２０２４", one(wechat, "wx_mei2024", "ＶＸ：ｗｘ＿ｍｅｉ２０２４")},
		{"chained trigger, colon", "微信：vx：abc123", one(wechat, "abc123", "微信：vx：abc123")},
		{"chained trigger, space", "加我 wx abc12345", one(wechat, "abc12345", "加我 wx abc12345")},
		{"no colon: still a trigger", "微信 wx_abc123", one(wechat, "abc123", "微信 wx_abc123")},
	})
}

// TestSpacedDomain: a domain with one space on each side of its dot, before a common
// top-level domain that is no word.
func TestSpacedDomain(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{OwnDomains: []string{"xiaohongshu.com"}}, []contactCase{
		{"hyphenated host", "bags at cheap-bags88 . com today", one(url, "cheap-bags88.com", "cheap-bags88 . com")},
		{"after Chinese", "去shopmall . cn 看看", one(url, "shopmall.cn", "shopmall . cn")},
		{"own domain", "来 xiaohongshu . com 搜", nil},
		{"sentence end", "I gave it a 5 . Compared to last year", nil},
		{"short word", "it is ok . com", nil},
		{"not a listed tld", "nice photo . org chart", nil},
		{"cc is no spaced tld", "holds about . cc of water", nil},
		{"tld glued to more letters", "my shop . community", nil},
		{"two spaces", "shopmall  .  com", nil},
	})
}

// TestVerticalTrigger: a trigger written one character per line (vertical writing) is matched
// across its line breaks; any other line break still ends a trigger.
func TestVerticalTrigger(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"Latin letters", "v\nx\n：lin_shop66", one(wechat, "lin_shop66", "v\nx\n：lin_shop66")},
		{"CRLF", "v\r\nx\r\n：lin_shop66", one(wechat, "lin_shop66", "v\r\nx\r\n：lin_shop66")},
		{"Chinese", "加\n微\n信\n：\nabc_12345", one(wechat, "abc_12345", "微\n信\n：\nabc_12345")},
		{"word on its own line", "我的\nvx\n不告诉你", nil},
		{"break after a longer line", "好看的v\nx同款", nil},
		{"QQ then a new line", "QQ\n音乐会员到期了", nil},
	})
}

func TestVerticalBreak(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		pos  int
		want bool
	}{
		{"v\nx", 1, true},
		{"a\nv\nx", 3, true},
		{"微\n信", 3, true},
		{"v\r\nx", 1, true},
		{"v\r\nx", 2, true},
		{"ab\nx", 2, false},
		{"\n\nx", 1, false},
		{" \nx", 1, false},
		{"vx", 1, false},
		{"v。x", 1, false},
	} {
		if got := verticalBreak(tc.text, tc.pos); got != tc.want {
			t.Errorf("verticalBreak(%q, %d) = %v, want %v", tc.text, tc.pos, got, tc.want)
		}
	}
}

// TestPointerMarksID: an arrow or pointing hand between a trigger and an id marks the id like a
// colon, so a lone v introduces one; without a marker a lone v still introduces nothing.
func TestPointerMarksID(t *testing.T) {
	t.Parallel()
	runContactCases(t, Config{}, []contactCase{
		{"arrows around v", "有需要的来 ↓ V ↓ ling-ling-1314", one(wechat, "ling-ling-1314", "V ↓ ling-ling-1314")},
		{"pointing hand", "v👇 abc_2024", one(wechat, "abc_2024", "v👇 abc_2024")},
		{"arrow with variation selector", "V➡️ shop_mei88", one(wechat, "shop_mei88", "V➡️ shop_mei88")},
		{"no marker", "v ling-ling-1314", nil},
		{"arrow before a plain word", "v ↓ download", nil},
	})
}
