package trust_test

import (
	"fmt"

	"github.com/trustd/trustd/moderation/trust"
)

// Flood fingerprints see through punctuation, emoji, traditional characters and small edits,
// and keep unrelated texts apart.
func ExampleFingerprintOf() {
	base := trust.FingerprintOf(trust.Canonical("这款精华真的绝了，姐妹们冲就完事了！回购三次")).Short()
	for _, s := range []string{
		"這款精華真的絕了 姐妹們衝就完事了 回購三次✨✨",
		"这款精华真的绝了，姐妹们冲就完事了！回购四次",
		"今天天气真好，我们去公园散步吧",
	} {
		n := trust.Agree(base, trust.FingerprintOf(trust.Canonical(s)).Short())
		fmt.Printf("%d/%d bands agree, same text: %v\n", n, trust.Bands, n >= 3)
	}
	// Output:
	// 8/8 bands agree, same text: true
	// 5/8 bands agree, same text: true
	// 0/8 bands agree, same text: false
}
