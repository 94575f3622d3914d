package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trustd/trustd/moderation/imagehash"
	"github.com/trustd/trustd/moderation/imagetext"
)

const bankUsage = `bank COMMAND [flags]

Manage image banks in Redis (the source of truth every worker tails).

  bank define --bank NAME --kind deny|allow [--near N] [--close N] [--dhash N] [--authorised ID,ID]
  bank add    --bank NAME [--author ID] [--content-id ID] FILE...   (content id: file name without extension)
  bank remove --bank NAME CONTENT_ID...
  bank list   [--bank NAME] [--limit N]                             (without --bank: the banks)
  bank import --bank NAME FILE.jsonl
      lines {"file": "relative/or/abs.jpg", "content_id": "…", "author_id": "…"}
      or {"content_id": "…", "phash": "…", "dhash": "…", "crop_phash": "…", "crop_dhash": "…"}`

// runBank implements "trustd bank".
func runBank(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.Stderr, "Usage: trustd %s\n", bankUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: want a bank command", errUsage)
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet(e, "bank "+sub, bankUsage)
	var p procFlags
	fs.StringVar(&p.redisURL, "redis", envOr(e, "TRUSTD_REDIS_URL", defaultRedisURL), "Redis URL (env TRUSTD_REDIS_URL)")
	bank := fs.String("bank", "", "bank name")
	var (
		kind, authorised, author, contentID *string
		near, closeD, dhash, limit          *int
	)
	switch sub {
	case "define":
		kind = fs.String("kind", imagehash.KindDeny, "bank kind: deny or allow")
		near = fs.Int("near", 0, "largest pHash distance of a match (0: default)")
		closeD = fs.Int("close", 0, "largest pHash distance of a very close match: deny banks block (0: default)")
		dhash = fs.Int("dhash", 0, "largest dHash distance confirming a match (0: default)")
		authorised = fs.String("authorised", "", "comma-separated author ids allowed to use an allow bank's photos")
	case "add":
		author = fs.String("author", "", "author id recorded with the images")
		contentID = fs.String("content-id", "", "content id (only with one FILE; default: the file name without extension)")
	case "list":
		limit = fs.Int("limit", 100, "entries to list")
	case "remove", "import":
	default:
		return fmt.Errorf("%w: unknown bank command %q", errUsage, sub)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *bank == "" && sub != "list" {
		return fmt.Errorf("%w: --bank is required", errUsage)
	}
	switch sub {
	case "add", "remove", "import":
		if fs.NArg() == 0 {
			return fmt.Errorf("%w: want arguments", errUsage)
		}
	default:
		if fs.NArg() > 0 {
			return fmt.Errorf("%w: unexpected arguments", errUsage)
		}
	}
	if contentID != nil && *contentID != "" && fs.NArg() != 1 {
		return fmt.Errorf("%w: --content-id needs exactly one FILE", errUsage)
	}

	rdb, err := openRedis(ctx, p.redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	cfg := imagehash.BanksConfig{Redis: rdb}
	if sub == "list" {
		cfg.Load = []string{}
		if *bank != "" {
			cfg.Load = []string{*bank}
		}
	}
	banks, err := imagehash.NewBanks(cfg)
	if err != nil {
		return err
	}
	defer banks.Close()
	if sub == "list" {
		if err := banks.Start(ctx); err != nil {
			return err
		}
	} else if err := banks.LoadDefs(ctx); err != nil {
		return err
	}

	switch sub {
	case "define":
		d := imagehash.BankDef{Name: *bank, Kind: *kind,
			Thresholds: imagehash.Thresholds{Near: *near, Close: *closeD, DHash: *dhash}}
		for _, a := range strings.Split(*authorised, ",") {
			if a = strings.TrimSpace(a); a != "" {
				d.Authorised = append(d.Authorised, a)
			}
		}
		if err := banks.Define(ctx, d); err != nil {
			if errors.Is(err, imagehash.ErrBadBank) {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			return err
		}
		def := banks.Bank(*bank).Def()
		fmt.Fprintf(e.Stdout, "bank %s: kind %s, near %d, close %d, dhash %d, authorised %d\n",
			def.Name, def.Kind, def.Near, def.Close, def.DHash, len(def.Authorised))
		return nil
	case "add":
		for _, f := range fs.Args() {
			id := *contentID
			if id == "" {
				id = strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			}
			if err := addFile(ctx, banks, *bank, f, id, *author); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "added %s to %s\n", id, *bank)
		}
		return nil
	case "remove":
		for _, id := range fs.Args() {
			if _, err := banks.Remove(ctx, *bank, id); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "removed %s from %s\n", id, *bank)
		}
		return nil
	case "import":
		return importBank(ctx, e, banks, *bank, fs.Arg(0))
	}
	// list
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	if *bank == "" {
		fmt.Fprintln(tw, "BANK\tKIND\tNEAR\tCLOSE\tDHASH\tAUTHORISED")
		for _, d := range banks.Defs() {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", d.Name, d.Kind, d.Near, d.Close, d.DHash, strings.Join(d.Authorised, ","))
		}
		return tw.Flush()
	}
	es, err := banks.List(*bank, 0, *limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "bank %s: %d images\n", *bank, banks.Bank(*bank).Len())
	fmt.Fprintln(tw, "CONTENT_ID\tAUTHOR\tADDED\tPHASH\tDHASH")
	for _, en := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.ContentID, en.AuthorID, en.Added.UTC().Format("2006-01-02T15:04:05Z"),
			imagehash.Hex(en.PHash), imagehash.Hex(en.DHash))
	}
	return tw.Flush()
}

func addFile(ctx context.Context, banks *imagehash.Banks, bank, file, id, author string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	fp, err := imagehash.FingerprintBytes(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if fp.LowQuality {
		return fmt.Errorf("%s: %w", file, imagehash.ErrLowQuality)
	}
	return banks.Add(ctx, bank, imagehash.EntryOf(fp, id, author, time.Now()))
}

// importLine is one line of "trustd bank import".
type importLine struct {
	imagehash.AddImageRequest
	File string `json:"file"`
}

func importBank(ctx context.Context, e *env, banks *imagehash.Banks, bank, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l importLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if l.File != "" {
			file := l.File
			if !filepath.IsAbs(file) {
				file = filepath.Join(filepath.Dir(path), file)
			}
			id := l.ContentID
			if id == "" {
				id = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
			}
			if err := addFile(ctx, banks, bank, file, id, l.AuthorID); err != nil {
				return fmt.Errorf("%s:%d: %w", path, line, err)
			}
		} else {
			en, err := l.AddImageRequest.Entry()
			if err != nil {
				return fmt.Errorf("%s:%d: %w", path, line, err)
			}
			en.Added = time.Now()
			if err := banks.Add(ctx, bank, en); err != nil {
				return fmt.Errorf("%s:%d: %w", path, line, err)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "imported %d images into %s\n", n, bank)
	return nil
}

// openImages builds the image checker of a stack and returns it with its banks and a close
// function. With o.rdb the banks are the shared ones in Redis (rebuilt, then tailed: worker,
// api, demo); without, they live in memory for the run and o.banksDir fills them (trustd
// check --banks DIR). Wiring, in buildStack:
//
//	chk, banks, closeImages, err := openImages(ctx, o)
//	if err != nil { return nil, err }
//	s.images = chk
//	s.closers = append(s.closers, closeImages)
//	s.routes = append(s.routes, banks.Register) // API: /v1/banks...
//	s.banker = chk                              // review: bank a removed item's photos
func openImages(ctx context.Context, o stackOptions) (*imagehash.Checker, *imagehash.Banks, func(), error) {
	if o.rdb != nil && o.banksDir != "" {
		return nil, nil, nil, fmt.Errorf("%w: --banks DIR is for in-memory runs; with Redis use trustd bank import", errUsage)
	}
	var retention time.Duration // zero: the default
	if o.seenRetention != "" {
		d, err := time.ParseDuration(o.seenRetention)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: --seen-retention (env TRUSTD_SEEN_RETENTION) %q: want a duration such as 720h, negative for forever", errUsage, o.seenRetention)
		}
		if d == 0 { // zero is the library's "default": say forever or a window explicitly
			return nil, nil, nil, fmt.Errorf("%w: --seen-retention 0: want a positive duration, or negative for forever", errUsage)
		}
		retention = d
	}
	banks, err := imagehash.NewBanks(imagehash.BanksConfig{Redis: o.rdb, Logger: o.log, Registerer: o.reg, SeenRetention: retention})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("image banks: %w", err)
	}
	if err := banks.Start(ctx); err != nil {
		_ = banks.Close()
		return nil, nil, nil, fmt.Errorf("image banks: %w", err)
	}
	if o.banksDir != "" {
		if err := banks.LoadDir(ctx, o.banksDir); err != nil {
			_ = banks.Close()
			return nil, nil, nil, fmt.Errorf("--banks %s: %w", o.banksDir, err)
		}
	}
	chk, err := imagehash.New(imagehash.Config{Banks: banks, Logger: o.log, Registerer: o.reg,
		Fetch: imagehash.FetchConfig{AllowFileURLs: o.allowFileURLs, AllowPrefixes: o.imageAllow},
		Codes: imagetext.NewQRReader(imagetext.QRConfig{})})
	if err != nil {
		_ = banks.Close()
		return nil, nil, nil, fmt.Errorf("image checker: %w", err)
	}
	return chk, banks, func() { _ = chk.Close(); _ = banks.Close() }, nil
}
