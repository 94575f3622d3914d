package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/trustd/trustd/rules"
)

const shadowUsage = `rules shadow COMMAND [--redis URL] [flags]

Manage the shadow rules: a rules bundle in Redis that every worker and API process runs in
shadow beside the live rules (decisions counted in trustd_shadow_decisions_total{live,shadow},
differences in the stream trustd:shadow:diffs; verdicts never change). The CLI talks to Redis
directly, like "trustd bank"; PUT/POST/DELETE /v1/rules/shadow do the same over the API.

  set [--note TEXT] DIR   validate DIR's *.rules files (compile + examples) and make them the shadow
  status [--json]         the live and shadow bundles and the recent history
  promote [--digest D]    the shadow bundle becomes the live rules of every process (until reset);
                          with --digest, only if the shadow is still that bundle
  demote                  drop the shadow bundle
  reset                   drop the live bundle: every process goes back to its --rules

--by names who acts in the history (default cli:$USER).`

// runRulesShadow implements "trustd rules shadow".
func runRulesShadow(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.Stderr, "Usage: trustd %s\n", shadowUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: want a shadow command", errUsage)
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet(e, "rules shadow "+sub, shadowUsage)
	redisURL := fs.String("redis", envOr(e, "TRUSTD_REDIS_URL", defaultRedisURL), "Redis URL (env TRUSTD_REDIS_URL)")
	by := fs.String("by", "cli:"+cmp.Or(e.Getenv("USER"), "unknown"), "who acts, for the history")
	var note, digest *string
	var jsonOut *bool
	nargs := 0
	switch sub {
	case "set":
		note, nargs = fs.String("note", "", "free text for the history"), 1
	case "status":
		jsonOut = fs.Bool("json", false, "print the status as JSON")
	case "promote":
		digest = fs.String("digest", "", "promote only if the shadow bundle is this one (from status)")
	case "demote", "reset":
	default:
		return fmt.Errorf("%w: unknown shadow command %q", errUsage, sub)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != nargs {
		return fmt.Errorf("%w: rules shadow %s takes %d argument(s)", errUsage, sub, nargs)
	}
	rdb, err := openRedis(ctx, *redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	bundles := rules.NewBundles(rdb, rules.BundlesConfig{})
	var info *rules.BundleInfo
	switch sub {
	case "set":
		b, err := rules.BundleFromFS(os.DirFS(fs.Arg(0)))
		if err != nil {
			return fmt.Errorf("read %s: %w", fs.Arg(0), err)
		}
		info, err = bundles.SetShadow(ctx, b, *by, *note)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "shadow: %s\n", describeBundle(info))
		return nil
	case "status":
		st, err := bundles.Status(ctx, 10)
		if err != nil {
			return err
		}
		if *jsonOut {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		}
		printShadowStatus(e.Stdout, st)
		return nil
	case "promote":
		info, err = bundles.Promote(ctx, *by, *digest)
	case "demote":
		info, err = bundles.Demote(ctx, *by)
	case "reset":
		info, err = bundles.Reset(ctx, *by)
	}
	if err != nil {
		return err
	}
	what := map[string]string{
		"promote": "promoted to live",
		"demote":  "shadow dropped",
		"reset":   "live bundle dropped, processes are back on their --rules; was",
	}[sub]
	fmt.Fprintf(e.Stdout, "%s: %s (rules %s) by %s\n", what, info.Digest, info.Version, info.By)
	return nil
}

func describeBundle(b *rules.BundleInfo) string {
	if b == nil {
		return "none"
	}
	s := fmt.Sprintf("%s (rules %s, %d files, %d bytes) set by %s at %s", b.Digest, b.Version, b.Files, b.Bytes, b.By, b.At.Format(time.RFC3339))
	if b.PromotedBy != "" {
		s += fmt.Sprintf(", promoted by %s at %s", b.PromotedBy, b.PromotedAt.Format(time.RFC3339))
	}
	if b.Note != "" {
		s += fmt.Sprintf(" (%q)", b.Note)
	}
	return s
}

func printShadowStatus(w io.Writer, st *rules.BundleStatus) {
	live := describeBundle(st.Live)
	if st.Live == nil {
		live = "none: every process runs its --rules (or the embedded rules)"
	}
	fmt.Fprintf(w, "live:   %s\nshadow: %s\nhistory:\n", live, describeBundle(st.Shadow))
	for _, h := range st.History {
		fmt.Fprintf(w, "  %s  %-8s %s (rules %s) by %s\n", h.At.Format(time.RFC3339), h.Action, h.Digest, h.Version, h.By)
	}
}
