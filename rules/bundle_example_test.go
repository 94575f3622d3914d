package rules_test

import (
	"errors"
	"fmt"

	"github.com/trustd/trustd/rules"
)

// A bundle is validated before it is accepted as shadow rules: it must compile and its
// examples must hold.
func ExampleBundle_Validate() {
	good := &rules.Bundle{Files: map[string]string{
		"spam.rules": "kind dictionary\ncategory spam\nexample+ zorblax\nzorblax\n",
	}}
	set, err := good.Validate(rules.CompileOptions{})
	fmt.Println(set.Dictionaries(), err)

	bad := &rules.Bundle{Files: map[string]string{
		"spam.rules": "kind dictionary\ncategory spam\nexample+ qwzzy\nzorblax\n",
	}}
	_, err = bad.Validate(rules.CompileOptions{})
	fmt.Println(errors.Is(err, rules.ErrBadBundle))
	// Output:
	// map[spam:1] <nil>
	// true
}
