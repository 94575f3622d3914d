package detect

import (
	"strings"
	"testing"

	"github.com/trustd/trustd/moderation/text/texttest"
)

// benchNotes is the benchmark corpus: realistic mixed Chinese/English notes (package texttest).
var benchNotes = texttest.Notes()

func BenchmarkContacts(b *testing.B) {
	d, err := New(Config{OwnDomains: []string{"xiaohongshu.com"}})
	if err != nil {
		b.Fatal(err)
	}
	texttest.Loop(b, benchNotes, func(n string) { d.Contacts("body", n) })
}

func BenchmarkAdLaw(b *testing.B) {
	d, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	texttest.Loop(b, benchNotes, func(n string) { d.AdLaw("body", n) })
}

// BenchmarkBoth runs Contacts and AdLaw on each note, as the text stage does for notes.
func BenchmarkBoth(b *testing.B) {
	d, err := New(Config{OwnDomains: []string{"xiaohongshu.com"}})
	if err != nil {
		b.Fatal(err)
	}
	texttest.Loop(b, benchNotes, func(n string) {
		d.Contacts("body", n)
		d.AdLaw("body", n)
	})
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdversarial runs inputs built to make a careless scanner quadratic; MB/s must stay
// in the same range as for ordinary notes.
func BenchmarkAdversarial(b *testing.B) {
	d, err := New(Config{OwnDomains: []string{"example.org"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, unit := range []string{"a.", "私我", "qq1", "1 ", "最·", "www.", "@a", "sub ", "加❤", "￥a1", "一", "1-", "a-b.c"} {
		text := strings.Repeat(unit, 64<<10/len(unit))
		b.Run(unit, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				d.Contacts("body", text)
				d.AdLaw("body", text)
			}
		})
	}
}
