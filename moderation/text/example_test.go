package text_test

import (
	"fmt"
	"strings"

	"github.com/trustd/trustd/moderation/text"
)

func ExampleNormalize() {
	field := "Ｆ_u_C_k 這個傻@#￥%逼"
	t := text.Normalize(field)
	fmt.Println(t.String())
	fmt.Println(t.Key)

	// Find "傻逼" in the key and map it back to the original bytes.
	ks := strings.Index(t.Key, "傻逼")
	start, end := t.Span(t.UnitAt(ks), t.UnitAt(ks+len("傻逼")))
	fmt.Println(field[start:end])
	// Output:
	// f·u·c·k 这个傻·逼
	// fuck这个傻逼
	// 傻@#￥%逼
}
