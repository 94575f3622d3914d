package moderation_test

import (
	"context"
	"fmt"

	"github.com/trustd/trustd/moderation"
)

func ExamplePipeline_Moderate() {
	p, err := moderation.New(moderation.Config{Rules: moderation.StaticRules{R: substrRules{"bad"}}})
	if err != nil {
		panic(err)
	}
	it, err := moderation.DecodeItem([]byte(`{"id":"c-1","scene":"comment","author_id":"u-1","body":"a bad word"}`))
	if err != nil {
		panic(err)
	}
	v, err := p.Moderate(context.Background(), it)
	if err != nil {
		panic(err)
	}
	h := v.Hits[0]
	fmt.Println(v.Decision, v.Labels, h.Start, h.End, it.Body[h.Start:h.End])
	// Output: block [profanity] 2 5 bad
}

func ExampleDecodeItem() {
	_, err := moderation.DecodeItem([]byte(`{"id":"c-1","scene":"blog","author_id":"u-1"}`))
	fmt.Println(err)
	// Output: invalid item: scene: unknown scene "blog" (want note, comment or nickname)
}
