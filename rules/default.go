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

// CompileDefault loads and compiles the shipped rules with the default options.
func CompileDefault() (*Set, error) {
	files, err := Load(Default())
	if err != nil {
		return nil, err
	}
	return Compile(files, CompileOptions{})
}
