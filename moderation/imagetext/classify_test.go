package imagetext

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trustd/trustd/moderation"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ payload, want string }{
		{"https://u.wechat.com/EF3kJ9Wb5tq0V1n2Xc8yZ4g", moderation.CodeWeChat},
		{"http://weixin.qq.com/r/kDv6Pr7E4DGMrbS8922G", moderation.CodeWeChat},
		{"HTTPS://WEIXIN.QQ.COM/R/kDv6Pr7E4DGMrbS8922G", moderation.CodeWeChat},
		{"weixin://dl/business/?t=abc", moderation.CodeWeChat},
		{"https://weixin.qq.com/g/AQYAAJxyz0123", moderation.CodeWeChatGroup},
		{"https://mp.weixin.qq.com/s/Xy7abc", moderation.CodeWeChatOfficial},
		{"http://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA", moderation.CodeWeChatOfficial},
		{"wxp://f2f0vJ3Zq8kJ1fE2mXo", moderation.CodeWeChatPay},
		{"WXP://F2F0ABC", moderation.CodeWeChatPay},
		{"https://wx.tenpay.com/f2f?t=abc", moderation.CodeWeChatPay},
		{"https://qm.qq.com/cgi-bin/qm/qr?k=abc&noverify=0", moderation.CodeQQ},
		{"https://jq.qq.com/?_wv=1027&k=5abc", moderation.CodeQQ},
		{"mqqapi://card/show_pslcard?uin=10001", moderation.CodeQQ},
		{"HTTPS://QR.ALIPAY.COM/FKX01234ABCD", moderation.CodeAlipay},
		{"alipays://platformapi/startapp?appId=20000067", moderation.CodeAlipay},
		{"https://m.tb.cn/h.UxYz123?tk=abc", moderation.CodeTaobao},
		{"https://item.taobao.com/item.htm?id=1", moderation.CodeTaobao},
		{"https://detail.tmall.com/item.htm?id=1", moderation.CodeTaobao},
		{"https://www.qq.com/news", moderation.CodeURL}, // QQ's portal is not a contact
		{"https://weixin.qq.com/", moderation.CodeURL},  // nor WeChat's home page
		{"https://www.wechat.com/en/", moderation.CodeURL},
		{"https://www.alipay.com/", moderation.CodeURL},
		{"https://weixin.qq.com/q/02abcDEF", moderation.CodeWeChatOfficial},
		{"https://example.com/a?b=c", moderation.CodeURL},
		{"example.shop/promo", moderation.CodeURL},
		{"https://user:pw@evil.example:8080/x", moderation.CodeURL},
		{"ftp://files.example.org/a", moderation.CodeURL},
		{"https://", moderation.CodeURL},
		{"notweixin.qq.com.evil.io/r/x", moderation.CodeURL},
		{"加微信 vx_abc123 领取优惠券", moderation.CodeText},
		{"WIFI:S:cafe;T:WPA;P:secret;;", moderation.CodeText},
		{"4006 123 456", moderation.CodeText},
		{"v1.2", moderation.CodeText},
		{"", moderation.CodeText},
		{"://x", moderation.CodeText},
	} {
		if got := Classify(c.payload); got != c.want {
			t.Errorf("Classify(%q) = %s, want %s", c.payload, got, c.want)
		}
	}
}

func TestContacts(t *testing.T) {
	t.Parallel()
	codes := []moderation.ImageCode{
		{Format: FormatQR, Kind: moderation.CodeURL, Payload: "https://example.com"},
		{Format: FormatQR, Kind: moderation.CodeWeChatGroup, Payload: "https://weixin.qq.com/g/AQ"},
		{Format: FormatQR, Kind: moderation.CodeText, Payload: "hello"},
		{Format: FormatQR, Kind: moderation.CodeAlipay, Payload: "https://qr.alipay.com/x"},
		{Format: FormatQR, Kind: moderation.CodeTaobao, Payload: "https://m.tb.cn/h.x"},
		{Format: FormatQR, Kind: moderation.CodeQQ, Payload: ""},
	}
	want := []moderation.Contact{
		{Field: "image[2].code[1]", Start: 0, End: 26, Text: "https://weixin.qq.com/g/AQ", Type: moderation.ContactWeChat, Value: "https://weixin.qq.com/g/AQ"},
		{Field: "image[2].code[3]", Start: 0, End: 23, Text: "https://qr.alipay.com/x", Type: moderation.ContactAlipay, Value: "https://qr.alipay.com/x"},
		{Field: "image[2].code[4]", Start: 0, End: 19, Text: "https://m.tb.cn/h.x", Type: moderation.ContactTaoToken, Value: "https://m.tb.cn/h.x"},
	}
	if diff := cmp.Diff(want, Contacts(2, codes)); diff != "" {
		t.Errorf("Contacts (-want +got):\n%s", diff)
	}
}
