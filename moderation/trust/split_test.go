package trust_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/trust"
)

func newSplit(t *testing.T, c *clock, cfg trust.SplitConfig) (*trust.SplitContacts, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg.Redis, cfg.Now, cfg.Registerer = startRedis(t), c.Now, reg
	s, err := trust.NewSplitContacts(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

// A phone number spread over three comments passes the single-item checks; the split contact
// detector reports it on the third, naming all three comments.
func TestSplitPhoneOverThreeComments(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, reg := newSplit(t, c, trust.SplitConfig{})
	h := newHarness(t, nil, c, []moderation.Signaler{s})
	single := newHarness(t, nil, c, nil)
	parts := []string{"有事打我电话 138", "0013", "8000"}
	var last *moderation.Verdict
	for i, body := range parts {
		id := fmt.Sprintf("c-%d", i+1)
		if v := single.run(comment(id, "u-9", body)); v.Decision != moderation.Pass {
			t.Fatalf("part %d alone: %s, want pass", i+1, v.Decision)
		}
		last = h.run(comment(id, "u-9", body))
		c.Advance(30 * time.Second)
	}
	if last.Decision != moderation.Review || !containsLabel(last.Labels, moderation.LabelContact) {
		t.Fatalf("third part: %s %v, want review with contact (reasons %q)", last.Decision, last.Labels, last.Reasons)
	}
	want := "phone contact split over comment:c-1:1, comment:c-2:1, comment:c-3:1"
	if !containsReason(last.Reasons, want) {
		t.Errorf("reasons %q, want one containing %q", last.Reasons, want)
	}
	if got := metricSum(t, reg, "trustd_split_contact_signals_total"); got < 1 {
		t.Errorf("trustd_split_contact_signals_total = %v, want ≥ 1", got)
	}
}

// A WeChat id split between a note's title and body is reassembled within the item.
func TestSplitTitleBody(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, _ := newSplit(t, c, trust.SplitConfig{})
	h := newHarness(t, nil, c, []moderation.Signaler{s})
	single := newHarness(t, nil, c, nil)
	note := func() *moderation.Item {
		return &moderation.Item{ID: "n-1", Scene: moderation.SceneNote, AuthorID: "u-3", Title: "想要同款的加V", Body: "abc_12345 备注小红书"}
	}
	if v := single.run(note()); v.Decision != moderation.Pass {
		t.Fatalf("note alone: %s, want pass", v.Decision)
	}
	v := h.run(note())
	if !containsReason(v.Reasons, "wechat contact split over note:n-1:1 title, note:n-1:1 body") {
		t.Errorf("reasons %q, want the title/body split", v.Reasons)
	}
}

// Ordinary consecutive comments with numbers, the pieces of a number posted by different
// authors, pieces further apart than the window, and a contact that one item holds entirely
// are not split contacts.
func TestSplitNormal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		authors []string
		bodies  []string
		gap     time.Duration
	}{
		{"ordinary comments", []string{"u-1", "u-1", "u-1"}, []string{"买了3件，第2次回购了", "一共花了 138 块", "2024 年最爱的一支口红"}, time.Minute},
		{"different authors", []string{"u-1", "u-2", "u-3"}, []string{"有事打我电话 138", "0013", "8000"}, time.Second},
		{"outside the window", []string{"u-1", "u-1", "u-1"}, []string{"有事打我电话 138", "0013", "8000"}, 11 * time.Minute},
		{"whole in one item", []string{"u-1", "u-1"}, []string{"今天也很开心", "有事打我电话 138 0013 8000"}, time.Second},
		{"twenty comments on one note", authors(20), normalComments, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s, _ := newSplit(t, c, trust.SplitConfig{})
			h := newHarness(t, nil, c, []moderation.Signaler{s})
			for i, body := range tc.bodies {
				v := h.run(comment(fmt.Sprintf("c-%d", i), tc.authors[i], body))
				if containsReason(v.Reasons, "split over") {
					t.Errorf("comment %d: split contact reported: %q", i, v.Reasons)
				}
				c.Advance(tc.gap)
			}
		})
	}
}

func authors(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u-%d", i)
	}
	return out
}

// normalComments are twenty ordinary, different comments on one note.
var normalComments = []string{
	"这个颜色也太好看了吧，求色号！", "姐妹们冲就完事了，我也买了同款", "博主皮肤好好啊，平时用什么水乳",
	"请问这款适合油皮吗？夏天会不会闷", "已经回购三次了，真的很好用", "价格有点贵，等双十一再入手",
	"这款精华我用了过敏，大家谨慎", "照片拍得好有氛围感，用的什么相机", "同款已下单，坐等快递",
	"好喜欢这个穿搭风格，求链接求链接", "今天刚去专柜试了，确实不错", "敏感肌可以用吗，有没有酒精",
	"这个包装设计真的绝了，好高级", "用了一周感觉皮肤亮了一点点", "和之前那款比哪个更保湿一些",
	"我觉得一般般，没有宣传的那么神", "想问下在哪里买的正品有保障", "博主的发型也好好看，怎么打理",
	"收藏了，下次去日本旅游要买", "感谢分享，写得很详细很有用",
}
