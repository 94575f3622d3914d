package detect_test

import (
	"fmt"

	"github.com/trustd/trustd/moderation/text/detect"
)

func Example() {
	d, err := detect.New(detect.Config{
		Variants:   map[string][]string{detect.VariantWeChat: {"维❤"}},
		OwnDomains: []string{"example.org"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	text := "全网最低价！加❤V：shop_ab12，或者 ①③⑧-1234-5678，详情 https://example.org/n/1 和 buy-now.xyz/a1"
	for _, c := range d.Contacts("body", text) {
		fmt.Printf("%s %q value=%s ok=%v\n", c.Type, c.Text, c.Value, text[c.Start:c.End] == c.Text)
	}
	for _, h := range d.AdLaw("body", text) {
		fmt.Printf("%s %q term=%s\n", h.Category, h.Text, h.Term)
	}
	// Output:
	// wechat "加❤V：shop_ab12" value=shop_ab12 ok=true
	// phone "①③⑧-1234-5678" value=13812345678 ok=true
	// url "buy-now.xyz/a1" value=buy-now.xyz/a1 ok=true
	// ad_law "全网最低价" term=全网最低价
}
