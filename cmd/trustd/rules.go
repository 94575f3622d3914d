package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/trustd/trustd/rules"
)

// errRulesTest is returned when a rules file's examples do not hold.
var errRulesTest = errors.New("rules examples failed")

func runRules(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(e.Stderr, "Usage: trustd rules test [--rules DIR] [--engine NAME]\n"+
			"       trustd rules shadow set DIR | status | promote | demote | reset\n\n"+
			"  test     compile the rules and run every file's examples; exit 1 on a failure\n"+
			"  shadow   manage the shadow rules bundle in Redis (trustd rules shadow -h)\n")
		if len(args) == 0 {
			return fmt.Errorf("%w: missing subcommand", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "test":
		return runRulesTest(ctx, e, args[1:])
	case "shadow":
		return runRulesShadow(ctx, e, args[1:])
	}
	return fmt.Errorf("%w: unknown rules subcommand %q", errUsage, args[0])
}

func runRulesTest(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "rules test", "rules test [--rules DIR] [--engine NAME]\n\n"+
		"Compile the rules and run the match / no-match examples of every rules file, and the policy\n"+
		"examples. Prints each failure with file and line; exits 1 when any example fails.")
	var p procFlags
	p.registerRules(fs, e)
	engine := fs.String("engine", string(rules.DefaultEngine), "matcher engine: runes, positional or cloudflare")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set, err := loadRuleSet(p.rulesDir, rules.Engine(*engine))
	if err != nil {
		return err
	}
	fails, n := set.CheckExamples()
	for _, f := range fails {
		fmt.Fprintln(e.Stdout, "FAIL", f)
	}
	fmt.Fprintf(e.Stdout, "%d files, %d examples, %d failed (rules %s, engine %s)\n", len(set.Files()), n, len(fails), set.Version(), set.Engine())
	if len(fails) > 0 {
		return fmt.Errorf("%w: %d of %d", errRulesTest, len(fails), n)
	}
	return nil
}

// loadRuleSet loads and compiles the rules of dir, or the embedded defaults when dir is empty.
func loadRuleSet(dir string, engine rules.Engine) (*rules.Set, error) {
	var fsys fs.FS = rules.Default()
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	files, err := rules.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	set, err := rules.Compile(files, rules.CompileOptions{Engine: engine})
	if err != nil {
		return nil, fmt.Errorf("compile rules: %w", err)
	}
	return set, nil
}
