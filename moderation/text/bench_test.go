package text

import (
	"testing"

	"github.com/trustd/trustd/moderation/text/texttest"
)

// evasiveNote packs the evasion classes the normaliser handles into one short field.
const evasiveNote = "F   u   C  k th1$ $h!t 傻@#￥%逼 𝐟𝐮𝐜𝐤 Ⓕⓤⓒⓚ 🅵🆄🅲🅺 這是繁體字 加❤V：abc_123 一三八①③⑧"

// BenchmarkNormalize normalises the benchmark notes (package texttest; one op is the whole
// corpus) and the evasive note, allocating a new Text each time.
func BenchmarkNormalize(b *testing.B) {
	b.Run("notes", func(b *testing.B) { texttest.Loop(b, texttest.Notes(), func(n string) { Normalize(n) }) })
	b.Run("evasive", func(b *testing.B) { texttest.Loop(b, []string{evasiveNote}, func(n string) { Normalize(n) }) })
}

// BenchmarkNormalizeTo normalises the benchmark notes reusing one Text, as the text stage does.
func BenchmarkNormalizeTo(b *testing.B) {
	var t Text
	texttest.Loop(b, texttest.Notes(), func(n string) { NormalizeTo(&t, n) })
}
