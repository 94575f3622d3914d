package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/trustd/trustd/moderation"
)

// Kind is what a rules file holds.
type Kind string

// The file kinds.
const (
	KindDictionary Kind = "dictionary"
	KindAllow      Kind = "allow"
	KindVariants   Kind = "variants"
	KindPolicy     Kind = "policy"
)

// MatchMode says how a Latin term must sit in the text. CJK terms always match as substrings.
type MatchMode string

// The match modes.
const (
	MatchWord      MatchMode = "word"      // Latin terms start and end on word boundaries (default)
	MatchSubstring MatchMode = "substring" // Latin terms match anywhere (opt-in, for unambiguous terms)
)

// ErrSyntax is wrapped by every error about the content of a rules file; the error text names
// the file and line.
var ErrSyntax = errors.New("rules: syntax error")

// LineError is an error at one line of one rules file.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *LineError) Unwrap() error { return ErrSyntax }

// Example is a text a file says must (Match) or must not match.
type Example struct {
	Line  int
	Match bool
	Text  string
	// Scene and Decision are set for policy examples ("example note block TEXT").
	Scene    moderation.Scene
	Decision moderation.Decision
}

// Entry is one line of a dictionary or allow file.
type Entry struct {
	Line     int
	Term     string
	Category string              // dictionary: the entry's category (file default unless overridden)
	Action   moderation.Decision // "" means the policy decides
	Match    MatchMode
	Also     []moderation.Label // extra labels the entry adds
	// Allow scope: empty means every category / scene.
	Categories []string
	Scenes     []moderation.Scene
}

// File is one parsed rules file.
type File struct {
	Name     string // file name relative to the rules directory
	Kind     Kind
	ID       string // dictionary name (header "name", default: base name without extension)
	Category string
	Action   moderation.Decision
	Match    MatchMode
	Entries  []Entry
	Examples []Example
	// Variants: canonical → spellings, in file order.
	Variants map[string][]string
	// Policy statements, for kind policy.
	Policy []PolicyLine
}

// PolicyLine is one statement of a policy file.
type PolicyLine struct {
	Line int
	Verb string   // category, contact, combo, target
	Args []string // positional arguments
	Opts map[string]string
}

// ParseFile parses one rules file. name is used in errors.
func ParseFile(name string, data []byte) (*File, error) {
	f := &File{Name: name, Match: MatchWord}
	base := path.Base(name)
	f.ID = strings.TrimSuffix(base, path.Ext(base))
	errf := func(line int, format string, a ...any) error {
		return &LineError{File: name, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	lines := strings.Split(string(data), "\n")
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "kind":
			switch Kind(rest) {
			case KindDictionary, KindAllow, KindVariants, KindPolicy:
				if f.Kind != "" {
					return nil, errf(n, "kind given twice")
				}
				f.Kind = Kind(rest)
			default:
				return nil, errf(n, "unknown kind %q (want dictionary, allow, variants or policy)", rest)
			}
			continue
		case "example+", "example-":
			if rest == "" {
				return nil, errf(n, "empty example")
			}
			ex := Example{Line: n, Match: word == "example+", Text: unescape(rest)}
			f.Examples = append(f.Examples, ex)
			continue
		case "example":
			// Policy example: example SCENE DECISION TEXT
			p := strings.SplitN(rest, " ", 3)
			if len(p) < 3 || !moderation.Scene(p[0]).Valid() || !moderation.Decision(p[1]).Valid() {
				return nil, errf(n, "want \"example SCENE DECISION TEXT\"")
			}
			f.Examples = append(f.Examples, Example{Line: n, Scene: moderation.Scene(p[0]),
				Decision: moderation.Decision(p[1]), Text: unescape(p[2])})
			continue
		}
		if f.Kind == "" {
			return nil, errf(n, "the first statement must be \"kind dictionary|allow|variants|policy\"")
		}
		var err error
		switch f.Kind {
		case KindDictionary, KindAllow:
			err = f.parseEntryLine(n, word, rest, line)
		case KindVariants:
			err = f.parseVariantLine(line)
		case KindPolicy:
			err = f.parsePolicyLine(n, line)
		}
		if err != nil {
			return nil, errf(n, "%v", err)
		}
	}
	if f.Kind == "" {
		return nil, errf(1, "missing \"kind\" statement")
	}
	if f.Kind == KindDictionary && f.Category == "" {
		return nil, errf(1, "dictionary without \"category\"")
	}
	for _, e := range f.Examples {
		if f.Kind == KindPolicy && e.Scene == "" {
			return nil, errf(e.Line, "policy examples are \"example SCENE DECISION TEXT\"")
		}
		if f.Kind != KindPolicy && e.Scene != "" {
			return nil, errf(e.Line, "use example+ or example- in %s files", f.Kind)
		}
	}
	return f, nil
}

// unescape turns "\n" and "\t" in examples into control characters.
func unescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(s)
}

func (f *File) parseEntryLine(n int, word, rest, line string) error {
	switch word {
	case "name":
		if rest == "" {
			return errors.New("empty name")
		}
		f.ID = rest
		return nil
	case "category":
		if f.Kind != KindDictionary {
			break
		}
		if rest == "" {
			return errors.New("empty category")
		}
		f.Category = rest
		return nil
	case "action":
		d := moderation.Decision(rest)
		if !d.Valid() {
			return fmt.Errorf("unknown action %q", rest)
		}
		f.Action = d
		return nil
	case "match":
		m := MatchMode(rest)
		if m != MatchWord && m != MatchSubstring {
			return fmt.Errorf("unknown match mode %q (want word or substring)", rest)
		}
		f.Match = m
		return nil
	}
	term, opts, _ := strings.Cut(line, ";")
	term = strings.TrimSpace(term)
	if term == "" {
		return errors.New("empty term")
	}
	e := Entry{Line: n, Term: term, Category: f.Category, Action: f.Action, Match: f.Match}
	for _, kv := range strings.Fields(opts) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return fmt.Errorf("option %q: want key=value", kv)
		}
		switch k {
		case "action":
			if !moderation.Decision(v).Valid() {
				return fmt.Errorf("unknown action %q", v)
			}
			e.Action = moderation.Decision(v)
		case "match":
			if MatchMode(v) != MatchWord && MatchMode(v) != MatchSubstring {
				return fmt.Errorf("unknown match mode %q", v)
			}
			e.Match = MatchMode(v)
		case "category":
			e.Category = v
		case "also":
			for l := range strings.SplitSeq(v, ",") {
				if !moderation.Label(l).Valid() {
					return fmt.Errorf("unknown label %q in also=", l)
				}
				e.Also = append(e.Also, moderation.Label(l))
			}
		case "categories":
			e.Categories = strings.Split(v, ",")
		case "scenes":
			for s := range strings.SplitSeq(v, ",") {
				if !moderation.Scene(s).Valid() {
					return fmt.Errorf("unknown scene %q", s)
				}
				e.Scenes = append(e.Scenes, moderation.Scene(s))
			}
		default:
			return fmt.Errorf("unknown option %q", k)
		}
	}
	if f.Kind == KindDictionary && (len(e.Categories) > 0 || len(e.Scenes) > 0) {
		return errors.New("categories= and scenes= are allow-file options")
	}
	f.Entries = append(f.Entries, e)
	return nil
}

func (f *File) parseVariantLine(line string) error {
	canon, list, ok := strings.Cut(line, "=")
	canon = strings.TrimSpace(canon)
	if !ok || canon == "" {
		return errors.New("want \"CANONICAL = spelling, spelling, …\"")
	}
	if f.Variants == nil {
		f.Variants = map[string][]string{}
	}
	for v := range strings.SplitSeq(list, ",") {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(f.Variants[canon], v) {
			f.Variants[canon] = append(f.Variants[canon], v)
		}
	}
	if len(f.Variants[canon]) == 0 {
		return fmt.Errorf("no spellings for %q", canon)
	}
	return nil
}

func (f *File) parsePolicyLine(n int, line string) error {
	fields := strings.Fields(line)
	pl := PolicyLine{Line: n, Verb: fields[0], Opts: map[string]string{}}
	for _, a := range fields[1:] {
		if k, v, ok := strings.Cut(a, "="); ok {
			pl.Opts[k] = v
			continue
		}
		pl.Args = append(pl.Args, a)
	}
	want := map[string]int{"category": 2, "contact": 2, "combo": 2, "target": 2}
	nargs, ok := want[pl.Verb]
	if !ok {
		return fmt.Errorf("unknown policy statement %q (want category, contact, combo or target)", pl.Verb)
	}
	if len(pl.Args) != nargs {
		return fmt.Errorf("%s takes %d arguments, got %d", pl.Verb, nargs, len(pl.Args))
	}
	f.Policy = append(f.Policy, pl)
	return nil
}

// Load reads every *.rules file under fsys (recursively), in name order.
func Load(fsys fs.FS) ([]*File, error) {
	var files []*File
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
		f, err := ParseFile(p, data)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no *.rules files", ErrSyntax)
	}
	return files, nil
}
