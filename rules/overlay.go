package rules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Overlay edits the runtime rules overlay in Redis: terms and allow entries added or removed
// without touching the rules directory. Every Source watching the same key applies a change on
// its next poll. Fields of the hash:
//
//	term\x00DICTIONARY\x00TERM   → "category=C [action=A] [match=M]"   (an added term)
//	deny\x00DICTIONARY\x00TERM   → ""                                 (a file term removed)
//	allow\x00PHRASE              → "[categories=…] [scenes=…]"         (an added allow entry)
type Overlay struct {
	rdb redis.UniversalClient
	key string
}

// NewOverlay returns an editor for the overlay at key (empty means DefaultOverlayKey).
func NewOverlay(rdb redis.UniversalClient, key string) *Overlay {
	return &Overlay{rdb: rdb, key: cmp.Or(key, DefaultOverlayKey)}
}

// ErrBadOverlay is wrapped by errors about an overlay edit that would not compile.
var ErrBadOverlay = errors.New("rules: bad overlay entry")

func (o *Overlay) edit(ctx context.Context, set map[string]string, del ...string) error {
	_, err := o.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(set) > 0 {
			p.HSet(ctx, o.key, set)
		}
		if len(del) > 0 {
			p.HDel(ctx, o.key, del...)
		}
		p.Incr(ctx, o.key+":version")
		return nil
	})
	if err != nil {
		return fmt.Errorf("edit rules overlay: %w", err)
	}
	return nil
}

// AddTerm adds term to dictionary with the given category and options ("action=review",
// "match=substring"; empty for none).
func (o *Overlay) AddTerm(ctx context.Context, dictionary, category, term, opts string) error {
	if dictionary == "" || category == "" || strings.TrimSpace(term) == "" {
		return fmt.Errorf("%w: dictionary, category and term are required", ErrBadOverlay)
	}
	line := strings.TrimSpace(term) + " ; category=" + category + " " + opts
	if _, err := ParseFile("overlay", []byte("kind dictionary\ncategory "+category+"\n"+line+"\n")); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOverlay, err)
	}
	return o.edit(ctx, map[string]string{"term\x00" + dictionary + "\x00" + term: "category=" + category + " " + opts},
		"deny\x00"+dictionary+"\x00"+term)
}

// RemoveTerm removes term from dictionary, whether it came from a file or from the overlay.
func (o *Overlay) RemoveTerm(ctx context.Context, dictionary, term string) error {
	return o.edit(ctx, map[string]string{"deny\x00" + dictionary + "\x00" + term: ""}, "term\x00"+dictionary+"\x00"+term)
}

// AddAllow adds an allowed phrase with options ("categories=profanity scenes=note"; empty for
// every category and scene).
func (o *Overlay) AddAllow(ctx context.Context, phrase, opts string) error {
	if strings.TrimSpace(phrase) == "" {
		return fmt.Errorf("%w: empty phrase", ErrBadOverlay)
	}
	if _, err := ParseFile("overlay", []byte("kind allow\n"+phrase+" ; "+opts+"\n")); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOverlay, err)
	}
	return o.edit(ctx, map[string]string{"allow\x00" + phrase: opts})
}

// RemoveAllow removes an allowed phrase added through the overlay.
func (o *Overlay) RemoveAllow(ctx context.Context, phrase string) error {
	return o.edit(ctx, nil, "allow\x00"+phrase)
}

// files reads the overlay and returns its version, applying removals to base (in place) and
// returning the added entries as synthetic files named "overlay/…".
func (o *Overlay) files(ctx context.Context, base []*File) (string, []*File, error) {
	// The version is read before the entries: an edit between the two reads bumps the
	// version again, so the next poll reloads.
	ver, err := o.rdb.Get(ctx, o.key+":version").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", nil, fmt.Errorf("read rules overlay version: %w", err)
	}
	all, err := o.rdb.HGetAll(ctx, o.key).Result()
	if err != nil {
		return "", nil, fmt.Errorf("read rules overlay: %w", err)
	}
	fields := make([]string, 0, len(all))
	for k := range all {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	deny := map[string]bool{}
	dicts := map[string]*strings.Builder{}
	var dictOrder []string
	var allow strings.Builder
	allow.WriteString("kind allow\n")
	for _, k := range fields {
		parts := strings.Split(k, "\x00")
		switch {
		case parts[0] == "deny" && len(parts) == 3:
			deny[parts[1]+"\x00"+parts[2]] = true
		case parts[0] == "term" && len(parts) == 3:
			b, ok := dicts[parts[1]]
			if !ok {
				b = &strings.Builder{}
				fmt.Fprintf(b, "kind dictionary\nname %s\ncategory overlay\n", parts[1])
				dicts[parts[1]] = b
				dictOrder = append(dictOrder, parts[1])
			}
			fmt.Fprintf(b, "%s ; %s\n", parts[2], all[k])
		case parts[0] == "allow" && len(parts) == 2:
			fmt.Fprintf(&allow, "%s ; %s\n", parts[1], all[k])
		}
	}
	for _, f := range base {
		if f.Kind != KindDictionary {
			continue
		}
		f.Entries = slices.DeleteFunc(f.Entries, func(e Entry) bool { return deny[f.ID+"\x00"+e.Term] })
	}
	var out []*File
	for _, d := range dictOrder {
		f, err := ParseFile("overlay/"+d+".rules", []byte(dicts[d].String()))
		if err != nil {
			return "", nil, err
		}
		out = append(out, f)
	}
	f, err := ParseFile("overlay/allow.rules", []byte(allow.String()))
	if err != nil {
		return "", nil, err
	}
	out = append(out, f)
	return ver, out, nil
}
