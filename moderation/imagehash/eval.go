package imagehash

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ManifestLine is one line of an image evaluation manifest (DESIGN §9). Paths are relative
// to the manifest; Transform is "original" for originals.
type ManifestLine struct {
	File      string `json:"file"`
	Original  string `json:"original"`
	Transform string `json:"transform"`
}

// TransformScore is the evaluation of one transform.
type TransformScore struct {
	Transform    string   `json:"transform"`
	Files        int      `json:"files"`
	Found        int      `json:"found"`         // files that matched their own original
	Recall       float64  `json:"recall"`        // Found / Files
	FalseMatches int      `json:"false_matches"` // matches with a different original
	Errors       int      `json:"errors"`        // files that could not be decoded
	Missed       []string `json:"missed,omitempty"`
}

// FalseMatch is a file that matched an original other than its own.
type FalseMatch struct {
	File     string `json:"file"`
	Matched  string `json:"matched"`
	Distance int    `json:"distance"`
	Variant  string `json:"variant"`
}

// EvalReport is the result of Evaluate.
type EvalReport struct {
	Manifest     string           `json:"manifest"`
	Originals    int              `json:"originals"`
	Thresholds   Thresholds       `json:"thresholds"`
	Transforms   []TransformScore `json:"transforms"` // sorted by name; "original" is the originals against each other
	FalseMatches []FalseMatch     `json:"false_list,omitempty"`
	TotalFalse   int              `json:"false_matches"`
}

// Evaluate indexes every original of a manifest in one bank with thresholds th (zero values:
// the deny-bank defaults) and queries it with every file: a variant should match its own
// original and no other; an original should match no other original.
func Evaluate(ctx context.Context, manifest string, th Thresholds) (*EvalReport, error) {
	f, err := os.Open(manifest)
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	defer f.Close()
	var lines []ManifestLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l ManifestLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", n, err)
		}
		if l.File == "" || l.Original == "" || l.Transform == "" {
			return nil, fmt.Errorf("manifest line %d: want file, original and transform", n)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	def, err := BankDef{Name: "eval", Kind: KindDeny, Thresholds: th}.withDefaults()
	if err != nil {
		return nil, err
	}
	bank := newBank(def, 0, time.Now)
	dir := filepath.Dir(manifest)
	fps := make(map[string]Fingerprint)
	fpErr := make(map[string]error)
	load := func(file string) (Fingerprint, error) {
		if fp, ok := fps[file]; ok {
			return fp, fpErr[file]
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		var fp Fingerprint
		if err == nil {
			fp, err = FingerprintBytes(b)
		}
		fps[file], fpErr[file] = fp, err
		return fp, err
	}
	origs := map[string]bool{}
	for _, l := range lines {
		if origs[l.Original] {
			continue
		}
		origs[l.Original] = true
		fp, err := load(l.Original)
		if err != nil {
			return nil, fmt.Errorf("original %s: %w", l.Original, err)
		}
		bank.add(EntryOf(fp, l.Original, "", time.Time{}))
	}
	rep := &EvalReport{Manifest: manifest, Originals: len(origs), Thresholds: def.Thresholds}
	scores := map[string]*TransformScore{}
	for _, l := range lines {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := scores[l.Transform]
		if s == nil {
			s = &TransformScore{Transform: l.Transform}
			scores[l.Transform] = s
		}
		s.Files++
		fp, err := load(l.File)
		if err != nil {
			s.Errors++
			s.Missed = append(s.Missed, l.File)
			continue
		}
		found := false
		for _, m := range bank.Match(fp) {
			if m.ContentID == l.Original {
				found = true
				continue
			}
			s.FalseMatches++
			rep.TotalFalse++
			rep.FalseMatches = append(rep.FalseMatches, FalseMatch{File: l.File, Matched: m.ContentID, Distance: m.Distance, Variant: m.Variant})
		}
		if found {
			s.Found++
		} else {
			s.Missed = append(s.Missed, l.File)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(scores)) {
		s := scores[name]
		s.Recall = float64(s.Found) / float64(s.Files)
		rep.Transforms = append(rep.Transforms, *s)
	}
	return rep, nil
}
