package rules

import (
	"embed"
	"io/fs"
)

//go:embed default/*.rules
var defaultFS embed.FS

// Default returns the rules shipped with the binary (the files of rules/default).
func Default() fs.FS {
	sub, err := fs.Sub(defaultFS, "default")
	if err != nil {
		panic(err) // the embedded tree always has this directory
	}
	return sub
}
