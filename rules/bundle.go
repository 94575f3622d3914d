package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Bundle limits: an upload larger than this is refused before it is parsed.
const (
	MaxBundleFiles = 1000
	MaxBundleBytes = 32 << 20
)

// ErrBadBundle is wrapped by errors about a bundle that is malformed, does not compile, or
// whose files' own examples fail.
var ErrBadBundle = errors.New("rules: bad bundle")

// A Bundle is a complete rules tree held in memory: the *.rules files of a directory, by
// slash-separated path relative to the directory. It is what an admin uploads as shadow rules
// (`trustd rules shadow set DIR`, PUT /v1/rules/shadow) and what Bundles keeps in Redis.
type Bundle struct {
	Files map[string]string `json:"files"`
}

// BundleFromFS reads every *.rules file under fsys into a Bundle.
func BundleFromFS(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{Files: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".rules" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		b.Files[p] = string(data)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	return b, nil
}

// check validates the shape of the bundle: 1 to MaxBundleFiles files of at most
// MaxBundleBytes in all, each named by a clean relative path ending in .rules.
func (b *Bundle) check() error {
	if b == nil || len(b.Files) == 0 {
		return fmt.Errorf("%w: no *.rules files", ErrBadBundle)
	}
	if len(b.Files) > MaxBundleFiles {
		return fmt.Errorf("%w: %d files, at most %d", ErrBadBundle, len(b.Files), MaxBundleFiles)
	}
	size := 0
	for name, data := range b.Files {
		if !fs.ValidPath(name) || path.Ext(name) != ".rules" || strings.ContainsAny(name, "\\\x00") {
			return fmt.Errorf("%w: file name %q: want a relative slash path ending in .rules", ErrBadBundle, truncateName(name))
		}
		size += len(name) + len(data)
	}
	if size > MaxBundleBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBadBundle, size, MaxBundleBytes)
	}
	return nil
}

func truncateName(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// names returns the file names in order.
func (b *Bundle) names() []string {
	names := make([]string, 0, len(b.Files))
	for n := range b.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Digest identifies the bundle's content: "b-" and 12 hex digits of a SHA-256 over the
// names and contents in name order. Equal trees have equal digests wherever they come from.
func (b *Bundle) Digest() string {
	h := sha256.New()
	for _, n := range b.names() {
		fmt.Fprintf(h, "%d:%s%d:", len(n), n, len(b.Files[n]))
		h.Write([]byte(b.Files[n]))
	}
	return "b-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// Load parses the bundle's files in name order, as Load does for a directory.
func (b *Bundle) Load() ([]*File, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	files := make([]*File, 0, len(b.Files))
	for _, n := range b.names() {
		f, err := ParseFile(n, []byte(b.Files[n]))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// Validate parses and compiles the bundle and runs every file's examples (as `trustd rules
// test` does). Any failure is an error wrapping ErrBadBundle that names the file and line;
// at most 5 example failures are listed.
func (b *Bundle) Validate(opt CompileOptions) (*Set, error) {
	files, err := b.Load()
	if err != nil {
		return nil, errors.Join(ErrBadBundle, err)
	}
	set, err := Compile(files, opt)
	if err != nil {
		return nil, errors.Join(ErrBadBundle, err)
	}
	if fails, n := set.CheckExamples(); len(fails) > 0 {
		msgs := make([]string, 0, 5)
		for _, f := range fails[:min(5, len(fails))] {
			msgs = append(msgs, f.String())
		}
		return nil, fmt.Errorf("%w: %d of %d examples fail: %s", ErrBadBundle, len(fails), n, strings.Join(msgs, "; "))
	}
	return set, nil
}
