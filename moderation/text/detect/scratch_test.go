package detect

import (
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	d, err := New(Config{OwnDomains: []string{"xiaohongshu.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"加❤V：abc_123", "薇信: abc_123", "我的QQ是284210953 敬待回复", "QQ：①②③④⑤⑥⑦⑧⑨", "QQ：㊀㊁㊂㊃㊄㊅㊆㊇㊈",
		"qq: 123 456", "电话13265687172", "一三八①③⑧ 1234 5", "幺三八 一二三四 五六七八", "1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣",
		"联系电话：0791-2878108锦昌", "订单号 13812345678", "价格 13812345678 元", "66666666666666", "5555555", "20200413",
		"给老人买了玩微信的，屏幕", "加微信查询，转接", "推荐！    979963614减肥达人", "Visit https://www.example.com/assets/image.jpg",
		"gofundme.com/grwmps", "看 www.xiaohongshu.com/abc", "联系我 abc@qq.com 谢谢", "￥AbCd1234￥", "咑閞👉淘♂寳♀👈", "復·制这段描述",
		"太自私我不喜欢", "有需要私我", "dm me for price", "check my bio", "Q1 2024 revenue", "Call me at 9, ok?",
		"纪念日.com/thread-1368750-1-2.html", "Fuck it was the best ever 0687119038 nummber", "wechat payment works",
		"vx: hello_world", "+v abc12345", "Hi.Check out and share", "The end.It was good", "baidu点com", "13:30-15:30",
		"電話：13812345678", "聯繫我 QQ 12345678", "加我vx：wxid_abc123",
	} {
		fmt.Printf("%q\n", s)
		for _, c := range d.Contacts("body", s) {
			fmt.Printf("    %s %q %q [%d,%d]\n", c.Type, c.Value, c.Text, c.Start, c.End)
		}
	}
	for _, s := range []string{"这是最好的面霜", "全网最低价，销量第一", "第一次用", "蕞·佳选择", "TOP1 品牌 top 10", "No.1 in sales", "国家级自然保护区", "国家级产品", "100%有效", "最近很忙", "我最喜欢", "中国第一次", "全国第①"} {
		fmt.Printf("%q\n", s)
		for _, h := range d.AdLaw("body", s) {
			fmt.Printf("    %q %q [%d,%d]\n", h.Term, h.Text, h.Start, h.End)
		}
	}
}
