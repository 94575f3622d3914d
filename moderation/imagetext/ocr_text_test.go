package imagetext

import "testing"

func TestRepairIDs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"V: abc 123", "V: abc_123"},
		{"微信 wx tea2024 看详情", "微信 wx_tea2024 看详情"},
		{"vx:shop 9988", "vx:shop_9988"},
		{"WeChat: lucky cat88", "WeChat: lucky_cat88"},
		{"V: abcdef 123", "V: abcdef 123"},           // the first token is an id on its own
		{"see abc 123", "see abc 123"},               // no WeChat trigger
		{"电话 138 1234 5678", "电话 138 1234 5678"},     // digits first: not an id
		{"微信 ab 1", "微信 ab 1"},                       // joined, too short to be an id
		{"vivid colours 2024", "vivid colours 2024"}, // v inside a word is no trigger
	} {
		if got := repairIDs(c.in); got != c.want {
			t.Errorf("repairIDs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
