package review_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	hit := func(s, e int, text string) moderation.Hit {
		return moderation.Hit{Field: "body", Start: s, End: e, Text: text, Term: text, Category: "profanity", Dictionary: "zh"}
	}
	contact := func(s, e int, text string) moderation.Contact {
		return moderation.Contact{Field: "body", Start: s, End: e, Text: text, Type: "wechat"}
	}
	// render shows marks as [hit:…], {contact:…}, <both:…>, with * when a mark starts.
	render := func(segs []review.Segment) string {
		var b strings.Builder
		for _, s := range segs {
			star := ""
			if s.First {
				star = "*"
			}
			switch s.Class() {
			case "hit":
				fmt.Fprintf(&b, "[%s%s]", star, s.Text)
			case "contact":
				fmt.Fprintf(&b, "{%s%s}", star, s.Text)
			case "hit contact":
				fmt.Fprintf(&b, "<%s%s>", star, s.Text)
			default:
				b.WriteString(s.Text)
			}
		}
		return b.String()
	}
	text := "你好傻逼，加薇信abc123哦" // 你好=0..6 傻逼=6..12 ，=12..15 加=15..18 薇信=18..24 abc123=24..30 哦=30..33
	tests := []struct {
		name     string
		hits     []moderation.Hit
		contacts []moderation.Contact
		want     string
		bad      int
	}{
		{"none", nil, nil, text, 0},
		{"cjk byte offsets", []moderation.Hit{hit(6, 12, "傻逼")}, nil, "你好[*傻逼]，加薇信abc123哦", 0},
		{"contact", nil, []moderation.Contact{contact(18, 30, "薇信abc123")}, "你好傻逼，加{*薇信abc123}哦", 0},
		{"overlap", []moderation.Hit{hit(6, 12, "傻逼"), hit(9, 15, "逼，")}, nil, "你好[*傻][*逼][*，]加薇信abc123哦", 0},
		{"hit inside contact", []moderation.Hit{hit(18, 24, "薇信")}, []moderation.Contact{contact(18, 30, "薇信abc123")}, "你好傻逼，加<*薇信>{*abc123}哦", 0},
		{"whole text", []moderation.Hit{hit(0, 33, text)}, nil, "[*" + text + "]", 0},
		{"mid-rune offsets rejected", []moderation.Hit{hit(7, 12, "\x82\xbb逼")}, nil, text, 1},
		{"text mismatch rejected", []moderation.Hit{hit(6, 12, "傻瓜")}, nil, text, 1},
		{"out of range rejected", []moderation.Hit{hit(30, 40, "哦")}, nil, text, 1},
		{"other field ignored", []moderation.Hit{{Field: "title", Start: 0, End: 3, Text: "你"}}, nil, text, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, bad := review.Segments("body", text, tt.hits, tt.contacts)
			if diff := cmp.Diff(tt.want, render(segs)); diff != "" || bad != tt.bad {
				t.Errorf("bad = %d, want %d; (-want +got):\n%s", bad, tt.bad, diff)
			}
			var joined strings.Builder
			for _, s := range segs {
				joined.WriteString(s.Text)
			}
			if joined.String() != text {
				t.Errorf("segments do not rebuild the text: %q", joined.String())
			}
		})
	}
}

// FuzzSegments checks that any offsets, valid or not, yield segments that rebuild the text.
func FuzzSegments(f *testing.F) {
	f.Add("你好傻逼 abc", 6, 12, 3, 20)
	f.Fuzz(func(t *testing.T, text string, s1, e1, s2, e2 int) {
		h := moderation.Hit{Field: "body", Start: s1, End: e1}
		if s1 >= 0 && e1 <= len(text) && s1 < e1 {
			h.Text = text[s1:e1]
		}
		c := moderation.Contact{Field: "body", Start: s2, End: e2}
		if s2 >= 0 && e2 <= len(text) && s2 < e2 {
			c.Text = text[s2:e2]
		}
		segs, _ := review.Segments("body", text, []moderation.Hit{h}, []moderation.Contact{c})
		var b strings.Builder
		for _, s := range segs {
			b.WriteString(s.Text)
		}
		if b.String() != text {
			t.Fatalf("segments rebuild %q, want %q", b.String(), text)
		}
	})
}
