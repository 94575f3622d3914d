package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/trustd/trustd/moderation"
	"github.com/trustd/trustd/rules"
)

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "check", "check [--rules DIR] [--banks DIR] [--allow-file-urls] [--explain] < items.jsonl\n\n"+
		"Moderate items (JSON lines on stdin) in process, with no Redis, and write one verdict line per\n"+
		"item to stdout in input order. A bad line produces {\"line\":N,\"error\":\"…\"} and the run goes on.\n"+
		"Images seen by earlier items of the run are in the seen index for later items.")
	var p procFlags
	p.registerRules(fs, e)
	banks := fs.String("banks", "", "image bank directory (deny/allow banks) to load")
	allowFiles := fs.Bool("allow-file-urls", false, "permit file:///abs/path image URLs (never on in the worker)")
	explain := fs.Bool("explain", false, "write the normalised text and why each hit or contact fired to stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: check reads stdin and takes no arguments", errUsage)
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := buildStack(ctx, stackOptions{rulesDir: p.rulesDir, log: log, allowFileURLs: *allowFiles, banksDir: *banks})
	if err != nil {
		return err
	}
	defer st.close()
	var explainer func(it *moderation.Item) string
	if *explain {
		explainer = func(it *moderation.Item) string { return explainItem(st.rules.Set(), it) }
	}
	return checkLines(ctx, st.pipeline, e.Stdin, e.Stdout, e.Stderr, explainer)
}

// checkLines moderates each JSON line of in and writes one line per input line to out.
func checkLines(ctx context.Context, p *moderation.Pipeline, in io.Reader, out, diag io.Writer, explain func(*moderation.Item) string) error {
	bw := bufio.NewWriterSize(out, 64<<10)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	lr := newLineReader(in)
	line := 0
	writeErr := func(err error) error {
		return enc.Encode(struct {
			Line  int    `json:"line"`
			Error string `json:"error"`
		}{line, err.Error()})
	}
	for lr.next() {
		line = lr.n
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := lr.line()
		var it *moderation.Item
		if err == nil {
			it, err = moderation.DecodeItem(b)
		}
		if err != nil {
			if err := writeErr(err); err != nil {
				return err
			}
			continue
		}
		v, err := p.Moderate(ctx, it)
		if err != nil {
			if err := writeErr(err); err != nil {
				return err
			}
			continue
		}
		if explain != nil {
			fmt.Fprintf(diag, "# line %d (%s)\n%s\n", line, it.Key(), explain(it))
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if err := lr.Err(); err != nil {
		return fmt.Errorf("read input after line %d: %w", line, err)
	}
	return nil
}

func explainItem(set *rules.Set, it *moderation.Item) string {
	var b strings.Builder
	for _, f := range []struct{ name, text string }{{"title", it.Title}, {"body", it.Body}} {
		if f.text != "" {
			fmt.Fprintf(&b, "%s:\n%s\n", f.name, set.Explain(it.Scene, f.name, f.text))
		}
	}
	return b.String()
}
