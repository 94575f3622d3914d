package review_test

import (
	"fmt"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/moderation/review"
)

// Verdict offsets are bytes of the UTF-8 field; Segments turns them into runs to render.
func ExampleSegments() {
	body := "加我薇信abc_123"
	contacts := []moderation.Contact{{Field: "body", Start: 6, End: 19, Text: "薇信abc_123", Type: "wechat"}}
	segs, bad := review.Segments("body", body, nil, contacts)
	for _, s := range segs {
		fmt.Printf("%q marked=%v tip=%q\n", s.Text, s.Marked(), s.Tip)
	}
	fmt.Println("bad offsets:", bad)
	// Output:
	// "加我" marked=false tip=""
	// "薇信abc_123" marked=true tip="contact: wechat"
	// bad offsets: 0
}

// The audit sampler is deterministic: every worker picks the same items.
func ExampleSampler() {
	s := review.Sampler{BlockRate: 1, PassRate: 0}
	v := &moderation.Verdict{ContentID: "note-1", Scene: moderation.SceneNote, Revision: 1, Decision: moderation.Block}
	fmt.Println(s.Sample(v))
	v.Decision = moderation.Pass
	fmt.Println(s.Sample(v))
	// Output:
	// true
	// false
}
