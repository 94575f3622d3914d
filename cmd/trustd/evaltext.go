package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/rules"
)

// evalImagesCmd runs "trustd eval images"; evalimages.go sets it to runEvalImages in an init
// function, so a build without the image capability still compiles.
var evalImagesCmd func(ctx context.Context, e *env, args []string) error

func runEval(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(e.Stderr, "Usage: trustd eval text --cases FILE [--json] [--rules DIR]\n"+
			"       trustd eval images --manifest FILE [--json]\n")
		if len(args) == 0 {
			return fmt.Errorf("%w: missing subcommand", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "text":
		return runEvalText(ctx, e, args[1:])
	case "images":
		if evalImagesCmd == nil {
			return fmt.Errorf("eval images: not available in this build")
		}
		return evalImagesCmd(ctx, e, args[1:])
	}
	return fmt.Errorf("%w: unknown eval subcommand %q (want text or images)", errUsage, args[0])
}

// textCase is one line of a text evaluation file (DESIGN §9).
type textCase struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Lang   string   `json:"lang"`
	Expect string   `json:"expect"`
	Labels []string `json:"labels"`
	Tags   []string `json:"tags"`
}

// counts is a confusion matrix of flagged (review or block) against expected positive.
type counts struct {
	N         int     `json:"n"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	TN        int     `json:"tn"`
	Agree     int     `json:"agree"` // three-way agreement: pass/review/block exactly as expected
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	FPR       float64 `json:"fpr"`
	Agreement float64 `json:"agreement"`
}

func (c *counts) add(expectPos, flagged, agree bool) {
	c.N++
	switch {
	case expectPos && flagged:
		c.TP++
	case expectPos:
		c.FN++
	case flagged:
		c.FP++
	default:
		c.TN++
	}
	if agree {
		c.Agree++
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (c *counts) finish() {
	c.Precision = ratio(c.TP, c.TP+c.FP)
	c.Recall = ratio(c.TP, c.TP+c.FN)
	c.FPR = ratio(c.FP, c.FP+c.TN)
	c.Agreement = ratio(c.Agree, c.N)
}

// labelScore is recall for one expected label: flagged at all, and flagged with that label.
type labelScore struct {
	N          int     `json:"n"`
	Flagged    int     `json:"flagged"`
	Labelled   int     `json:"labelled"`
	Recall     float64 `json:"recall"`
	LabelMatch float64 `json:"label_recall"`
}

// evalReport is what "trustd eval text" prints.
type evalReport struct {
	Cases    string                 `json:"cases"`
	Rules    string                 `json:"rules_version"`
	Overall  counts                 `json:"overall"`
	ByLang   map[string]*counts     `json:"by_lang"`
	ByTag    map[string]*counts     `json:"by_tag"`
	ByLabel  map[string]*labelScore `json:"by_label"`
	Misses   []evalMiss             `json:"misses,omitempty"`
	Invalid  int                    `json:"invalid_lines"`
	Scene    string                 `json:"scene"`
	Decision map[string]int         `json:"decisions"`
}

type evalMiss struct {
	ID     string   `json:"id"`
	Expect string   `json:"expect"`
	Got    string   `json:"got"`
	Labels []string `json:"labels"`
	Tags   []string `json:"tags"`
}

var badIDChars = regexp.MustCompile(`[^A-Za-z0-9._:-]`)

func runEvalText(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "eval text", "eval text --cases FILE [--json] [--rules DIR] [--scene SCENE] [--misses]\n\n"+
		"Run the moderation pipeline (text only, no images) on labelled cases (JSON lines\n"+
		"{id,text,lang,expect,labels,tags}) and print precision, recall, false-positive rate on pass\n"+
		"cases, three-way agreement, and scores per language, tag and label. Positive = review or block.")
	var p procFlags
	p.registerRules(fs, e)
	casesPath := fs.String("cases", "", "labelled cases, JSON lines (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	scene := fs.String("scene", string(moderation.SceneComment), "scene the cases are moderated as: note, comment or nickname")
	misses := fs.Bool("misses", false, "list the ids of misclassified cases")
	engine := fs.String("engine", string(rules.DefaultEngine), "matcher engine: runes, positional or cloudflare")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *casesPath == "" {
		return fmt.Errorf("%w: --cases is required", errUsage)
	}
	if !moderation.Scene(*scene).Valid() {
		return fmt.Errorf("%w: --scene %q: want note, comment or nickname", errUsage, *scene)
	}
	f, err := os.Open(*casesPath)
	if err != nil {
		return fmt.Errorf("open cases: %w", err)
	}
	defer f.Close()
	src, err := rules.NewSource(ctx, rules.SourceConfig{Dir: p.rulesDir, Engine: rules.Engine(*engine),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	pipe, err := moderation.New(moderation.Config{Rules: src})
	if err != nil {
		return err
	}
	rep, err := evalText(ctx, pipe, f, moderation.Scene(*scene))
	if err != nil {
		return err
	}
	rep.Cases, rep.Rules = *casesPath, src.Rules().Version()
	if !*misses {
		rep.Misses = nil
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printEvalReport(e.Stdout, rep)
	return nil
}

func evalText(ctx context.Context, pipe *moderation.Pipeline, in io.Reader, scene moderation.Scene) (*evalReport, error) {
	rep := &evalReport{ByLang: map[string]*counts{}, ByTag: map[string]*counts{}, ByLabel: map[string]*labelScore{},
		Scene: string(scene), Decision: map[string]int{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c textCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil || !moderation.Decision(c.Expect).Valid() {
			rep.Invalid++
			continue
		}
		id := badIDChars.ReplaceAllString(c.ID, "_")
		if id == "" {
			id = fmt.Sprintf("line-%d", line)
		}
		it := &moderation.Item{ID: id, Scene: scene, Revision: 1, AuthorID: "eval", Body: c.Text}
		v, err := pipe.Moderate(ctx, it)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			rep.Invalid++
			continue
		}
		got := v.Decision
		if got == moderation.Limit {
			got = moderation.Block
		}
		rep.Decision[string(got)]++
		expectPos := c.Expect != string(moderation.Pass)
		flagged := got != moderation.Pass
		agree := string(got) == c.Expect
		rep.Overall.add(expectPos, flagged, agree)
		lang := c.Lang
		if lang == "" {
			lang = "unknown"
		}
		for _, k := range []struct {
			m   map[string]*counts
			key []string
		}{{rep.ByLang, []string{lang}}, {rep.ByTag, c.Tags}} {
			for _, key := range k.key {
				if k.m[key] == nil {
					k.m[key] = &counts{}
				}
				k.m[key].add(expectPos, flagged, agree)
			}
		}
		if expectPos {
			for _, l := range c.Labels {
				s := rep.ByLabel[l]
				if s == nil {
					s = &labelScore{}
					rep.ByLabel[l] = s
				}
				s.N++
				if flagged {
					s.Flagged++
				}
				if slices.Contains(v.Labels, moderation.Label(l)) {
					s.Labelled++
				}
			}
		}
		if !agree {
			rep.Misses = append(rep.Misses, evalMiss{ID: c.ID, Expect: c.Expect, Got: string(got), Labels: c.Labels, Tags: c.Tags})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	rep.Overall.finish()
	for _, m := range []map[string]*counts{rep.ByLang, rep.ByTag} {
		for _, c := range m {
			c.finish()
		}
	}
	for _, s := range rep.ByLabel {
		s.Recall = ratio(s.Flagged, s.N)
		s.LabelMatch = ratio(s.Labelled, s.N)
	}
	return rep, nil
}

func printEvalReport(w io.Writer, r *evalReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	o := r.Overall
	fmt.Fprintf(tw, "cases\t%s (%d scored, %d invalid lines), scene %s, rules %s\n", r.Cases, o.N, r.Invalid, r.Scene, r.Rules)
	fmt.Fprintf(tw, "precision\t%.3f\t(%d/%d)\n", o.Precision, o.TP, o.TP+o.FP)
	fmt.Fprintf(tw, "recall\t%.3f\t(%d/%d)\n", o.Recall, o.TP, o.TP+o.FN)
	fmt.Fprintf(tw, "fpr (pass cases)\t%.3f\t(%d/%d)\n", o.FPR, o.FP, o.FP+o.TN)
	fmt.Fprintf(tw, "three-way agreement\t%.3f\t(%d/%d)\n", o.Agreement, o.Agree, o.N)
	tw.Flush()
	section := func(title string, m map[string]*counts) {
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  key\tn\tprecision\trecall\tfpr\tagreement")
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := m[k]
			fmt.Fprintf(tw, "  %s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\n", k, c.N, c.Precision, c.Recall, c.FPR, c.Agreement)
		}
		tw.Flush()
	}
	section("by language", r.ByLang)
	fmt.Fprintf(w, "\nby label (expected positives)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  label\tn\trecall\tlabel recall")
	keys := make([]string, 0, len(r.ByLabel))
	for k := range r.ByLabel {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := r.ByLabel[k]
		fmt.Fprintf(tw, "  %s\t%d\t%.3f\t%.3f\n", k, s.N, s.Recall, s.LabelMatch)
	}
	tw.Flush()
	section("by tag", r.ByTag)
	if len(r.Misses) > 0 {
		fmt.Fprintf(w, "\nmisclassified\n")
		for _, m := range r.Misses {
			fmt.Fprintf(w, "  %s expect %s got %s labels %v tags %v\n", m.ID, m.Expect, m.Got, m.Labels, m.Tags)
		}
	}
}
