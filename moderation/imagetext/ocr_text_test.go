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

func TestRepairDigits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"咨询T86-0011-2233", "咨询186-0011-2233"},   // a serif 1 read as T
		{"电话 l38 I234 5678", "电话 138 1234 5678"}, // two letters
		{"手机:139O2345678", "手机:13902345678"},     // 0 read as O
		{"13912345678", "13912345678"},           // nothing to repair
		{"电话 l38 I234 S67B", "电话 l38 I234 S67B"}, // four letters: left alone
		{"T00-0011-2233", "T00-0011-2233"},       // would not be a mobile number
		{"ISBN 978-7-111", "ISBN 978-7-111"},     // not shaped like one
		{"model T860011223", "model T860011223"}, // T860011223 is 10 characters
		{"SKU BT86O0112233", "SKU BT86O0112233"}, // inside a longer token
	} {
		if got := repairDigits(c.in); got != c.want {
			t.Errorf("repairDigits(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHasContact(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"V: abc 123", true}, // repaired to V: abc_123
		{"加微信 wx_tea2024 看详情", true},
		{"WeChat: lucky_cat88", true},
		{"电话 138 1234 5678", true},
		{"咨询 186-0011-2233", true},
		{"手机:13912345678", true},
		{"Ve alac 123", false},   // a misreading: no trigger
		{"shop 9988", false},     // the id without its trigger
		{"41-2233", false},       // part of a number
		{"123912345678", false},  // 12 digits: not a mobile number
		{"vivid colours", false}, // v inside a word is no trigger
	} {
		if got := hasContact(c.in); got != c.want {
			t.Errorf("hasContact(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
