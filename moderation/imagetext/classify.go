package imagetext

import (
	"strings"

	"github.com/trustd/trustd/moderation"
)

// schemeKinds maps app URL schemes to kinds.
var schemeKinds = map[string]string{
	"wxp":     moderation.CodeWeChatPay, // wxp://f2f0… personal payment codes
	"weixin":  moderation.CodeWeChat,
	"mqqapi":  moderation.CodeQQ,
	"mqq":     moderation.CodeQQ,
	"alipays": moderation.CodeAlipay,
	"alipay":  moderation.CodeAlipay,
	"taobao":  moderation.CodeTaobao,
	"tmall":   moderation.CodeTaobao,
	"tbopen":  moderation.CodeTaobao,
	"http":    "", // classified by host
	"https":   "",
}

// hostKinds maps host names (and their subdomains), with a path prefix when the host also
// serves other pages, to kinds; the first match wins. A host not listed, or a path not
// listed (the WeChat or Alipay home page), is CodeURL.
var hostKinds = []struct{ host, path, kind string }{
	{"mp.weixin.qq.com", "", moderation.CodeWeChatOfficial}, // official accounts and their articles
	{"wx.tenpay.com", "", moderation.CodeWeChatPay},
	{"payapp.weixin.qq.com", "", moderation.CodeWeChatPay},
	{"weixin.qq.com", "/r/", moderation.CodeWeChat}, // contact (and account) cards
	{"weixin.qq.com", "/g/", moderation.CodeWeChatGroup},
	{"weixin.qq.com", "/q/", moderation.CodeWeChatOfficial}, // official-account codes with a parameter
	{"u.wechat.com", "", moderation.CodeWeChat},
	{"qm.qq.com", "", moderation.CodeQQ},         // QQ contact and group cards
	{"qun.qq.com", "", moderation.CodeQQ},        // QQ groups
	{"jq.qq.com", "", moderation.CodeQQ},         // QQ group join links
	{"qr.alipay.com", "", moderation.CodeAlipay}, // payment and transfer codes
	{"ds.alipay.com", "", moderation.CodeAlipay},
	{"render.alipay.com", "", moderation.CodeAlipay},
	{"tb.cn", "", moderation.CodeTaobao},
	{"taobao.com", "", moderation.CodeTaobao},
	{"tmall.com", "", moderation.CodeTaobao},
	{"tmall.hk", "", moderation.CodeTaobao},
}

// Classify returns the kind of a decoded payload: one of the moderation.Code* constants.
// WeChat, QQ, Alipay and Taobao are recognised by their app schemes, host names and paths
// (weixin.qq.com/r/… is a contact, weixin.qq.com/g/… a group invitation, mp.weixin.qq.com an
// official account); any other URL, with a scheme or a bare host/path, is CodeURL; everything
// else is CodeText.
func Classify(payload string) string {
	s := strings.TrimSpace(payload)
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if hasScheme {
		scheme = strings.ToLower(scheme)
		kind, known := schemeKinds[scheme]
		switch {
		case kind != "":
			return kind
		case !known && validScheme(scheme):
			return moderation.CodeURL
		case !known:
			return moderation.CodeText
		}
	} else {
		rest = s
	}
	host, path := splitHost(rest)
	if !validHost(host) {
		if hasScheme {
			return moderation.CodeURL
		}
		return moderation.CodeText
	}
	lowerPath := strings.ToLower(path)
	for _, hk := range hostKinds {
		if (host == hk.host || strings.HasSuffix(host, "."+hk.host)) && strings.HasPrefix(lowerPath, hk.path) {
			return hk.kind
		}
	}
	return moderation.CodeURL
}

// splitHost splits "host[:port]/path?query" into the lower-cased host and the path with
// what follows it.
func splitHost(s string) (host, path string) {
	end := strings.IndexAny(s, "/?#")
	if end < 0 {
		end = len(s)
	}
	host, path = strings.ToLower(s[:end]), s[end:]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if colon := strings.IndexByte(host, ':'); colon >= 0 {
		host = host[:colon]
	}
	return host, path
}

// validScheme reports whether s is an RFC 3986 scheme: a letter, then letters, digits, + - .
func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validHost reports whether h looks like a DNS name of two or more labels ending in letters.
func validHost(h string) bool {
	dot := strings.LastIndexByte(h, '.')
	if dot <= 0 || dot == len(h)-1 || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
		if i > dot && !(c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// contactTypes maps the kinds that are contacts by themselves to Contact types. Other URLs
// and plain text are left to the text checks (moderation.ScanImageText), which know the
// platform's own domains and find contacts written in text.
var contactTypes = map[string]string{
	moderation.CodeWeChat:         moderation.ContactWeChat,
	moderation.CodeWeChatGroup:    moderation.ContactWeChat,
	moderation.CodeWeChatOfficial: moderation.ContactWeChat,
	moderation.CodeWeChatPay:      moderation.ContactWeChat,
	moderation.CodeQQ:             moderation.ContactQQ,
	moderation.CodeAlipay:         moderation.ContactAlipay,
	moderation.CodeTaobao:         moderation.ContactTaoToken,
}

// Contacts returns the contacts that the codes of image i are by their kind: a WeChat code
// (personal, group, official account, payment) is a wechat contact, a QQ code a qq contact,
// an Alipay code an alipay contact, a Taobao link a taokouling (Taobao share) contact. Each
// covers the whole payload of code k: Field is moderation.ImageCodeField(i, k) and
// Text and Value are the payload.
func Contacts(i int, codes []moderation.ImageCode) []moderation.Contact {
	var out []moderation.Contact
	for k, c := range codes {
		typ, ok := contactTypes[c.Kind]
		if !ok || c.Payload == "" {
			continue
		}
		out = append(out, moderation.Contact{Field: moderation.ImageCodeField(i, k), Start: 0, End: len(c.Payload),
			Text: c.Payload, Type: typ, Value: c.Payload})
	}
	return out
}
