package review

import (
	"context"

	"github.com/trustd/trustd/moderation"
)

// AllowListerFunc adapts a function to AllowLister.
type AllowListerFunc func(ctx context.Context, term, category string, scene moderation.Scene, actor string) error

// AddAllow calls f.
func (f AllowListerFunc) AddAllow(ctx context.Context, term, category string, scene moderation.Scene, actor string) error {
	return f(ctx, term, category, scene, actor)
}

// ImageBankerFunc adapts a function to ImageBanker.
type ImageBankerFunc func(ctx context.Context, bank string, it *moderation.Item, v *moderation.Verdict, actor string) error

// AddToBank calls f.
func (f ImageBankerFunc) AddToBank(ctx context.Context, bank string, it *moderation.Item, v *moderation.Verdict, actor string) error {
	return f(ctx, bank, it, v, actor)
}

// VerdictLookupFunc adapts a function to VerdictLookup. Return a nil verdict (and nil error)
// when the content is unknown.
type VerdictLookupFunc func(ctx context.Context, k moderation.Key) (*moderation.Verdict, *moderation.Item, error)

// LookupVerdict calls f.
func (f VerdictLookupFunc) LookupVerdict(ctx context.Context, k moderation.Key) (*moderation.Verdict, *moderation.Item, error) {
	return f(ctx, k)
}
