package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/trustd/trustd/moderation/imagehash"
)

// runEvalImages implements "trustd eval images --manifest FILE [--json]" (DESIGN §9): recall
// per transform and false matches between different originals. The eval command dispatches
// here.
func runEvalImages(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "eval images", "eval images --manifest FILE [--json] [--seen] [--near N] [--dhash N]")
	manifest := fs.String("manifest", "", "image manifest (JSON lines {file, original, transform}; paths relative to it)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	seen := fs.Bool("seen", false, "use the seen bank's default thresholds instead of the deny bank's")
	near := fs.Int("near", 0, "largest pHash distance of a match (0: the bank default)")
	dhash := fs.Int("dhash", 0, "largest dHash distance confirming a match (0: the default)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *manifest == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: want --manifest FILE and no arguments", errUsage)
	}
	th := imagehash.Thresholds{Near: *near, DHash: *dhash}
	if *seen && th.Near == 0 {
		th.Near = imagehash.DefaultSeenNear
	}
	rep, err := imagehash.Evaluate(ctx, *manifest, th)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", *manifest, err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(e.Stdout, "manifest %s: %d originals, thresholds near %d close %d dhash %d\n\n",
		rep.Manifest, rep.Originals, rep.Thresholds.Near, rep.Thresholds.Close, rep.Thresholds.DHash)
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "transform\tfiles\tfound\trecall\tfalse\terrors\t")
	for _, s := range rep.Transforms {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%d\t%d\t\n", s.Transform, s.Files, s.Found, 100*s.Recall, s.FalseMatches, s.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "\nfalse matches between different originals: %d\n", rep.TotalFalse)
	for _, f := range rep.FalseMatches {
		fmt.Fprintf(e.Stdout, "  %s matched %s at distance %d (variant %q)\n", f.File, f.Matched, f.Distance, f.Variant)
	}
	for _, s := range rep.Transforms {
		for _, m := range s.Missed {
			fmt.Fprintf(e.Stdout, "  missed: %s\n", m)
		}
	}
	return nil
}

// The eval command (evaltext.go) dispatches "eval images" through this hook.
func init() { evalImagesCmd = runEvalImages }
