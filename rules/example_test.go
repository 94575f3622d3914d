package rules_test

import (
	"fmt"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/rules"
)

func Example() {
	files, err := rules.Load(rules.Default())
	if err != nil {
		panic(err)
	}
	set, err := rules.Compile(files, rules.CompileOptions{})
	if err != nil {
		panic(err)
	}
	field := "I live in Scunthorpe, and this is B.u.l.l.s.h.i.t"
	hits, _ := set.ScanText(moderation.SceneComment, "body", field)
	for _, h := range hits {
		fmt.Printf("%s %q → %s (%s)\n", h.Dictionary, field[h.Start:h.End], h.Term, h.Category)
	}
	out := set.Decide(&moderation.Evidence{Item: &moderation.Item{Scene: moderation.SceneComment, Body: field}, Hits: hits})
	fmt.Println(out.Decision, out.Labels)
	// Output:
	// profanity_en "B.u.l.l.s.h.i.t" → bullshit (profanity)
	// block [profanity]
}
