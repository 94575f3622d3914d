// Command trustd is the content moderation and trust pipeline worker. One binary, many
// subcommands; run "trustd -h" for the list and "trustd CMD -h" for each command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// env is what a command may touch of the outside world, so that tests can run commands in
// process with their own streams and environment.
type env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands in the order "trustd -h" shows them.
func commands() []command {
	return []command{
		// Each capability adds its line here; the run functions live in <name>.go.
		{"demo", "run worker, API and moderator page on an embedded Redis with sample items", runDemo},
		{"worker", "process moderation tasks from Redis and publish verdicts", runWorker},
		{"api", "serve the HTTP API and the moderator page", runAPI},
		{"submit", "enqueue items from JSON lines and report accepted/duplicate/rejected", runSubmit},
		{"bench", "load-test the pipeline against a real Redis, with the asynq ceiling as baseline", runBench},
		{"check", "moderate JSON lines from stdin in process (no Redis); one verdict per line", runCheck},
		{"rules", "test the rules (rules test); run, promote or demote shadow rules (rules shadow)", runRules},
		{"eval", "score text cases (eval text) or image variants (eval images)", runEval},
		{"bank", "manage image banks in Redis: define, add, remove, list, import", runBank},
	}
}

// errUsage is returned for bad flags or arguments; main exits with status 2.
var errUsage = errors.New("usage error")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(e.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(e.Stderr, "trustd %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(e.Stderr, "trustd %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.Stderr, "trustd: unknown command %q\n\n", args[0])
	usage(e.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "trustd: content moderation and trust pipeline worker\n\nUsage: trustd COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"trustd COMMAND -h\" for the flags of a command.\n")
}

// newFlagSet returns a flag set for a subcommand whose errors are returned (wrapped in
// errUsage by parseFlags), never printed-and-exited, so commands are testable.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("trustd "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "Usage: trustd %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; a bad flag becomes errUsage, -h becomes flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
