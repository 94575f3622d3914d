// Package rules holds trustd's text rules: the file formats, the loader, the compiler that
// builds the matchers, the policy, hot reload, and the default rules shipped in the binary.
//
// # Files
//
// A rules directory holds *.rules files (any depth). Every file starts with a kind:
//
//	kind dictionary          # or: allow, variants, policy
//	name profanity_en        # dictionary name (default: file name without .rules)
//	category profanity       # required for dictionaries
//	action block             # optional default action of the file's entries (else the policy decides)
//	match word               # Latin terms: word (default) or substring
//	example+ what the fuck   # must produce a hit of this dictionary
//	example- Scunthorpe      # must not
//	fuck ; match=substring   # one term per line; options after ";"
//	damn ; action=review
//	bitch ; also=abuse       # extra labels
//
// Allow files list phrases with an optional scope (an allowed phrase that covers a hit suppresses
// that hit only): "其他妈 ; categories=profanity scenes=note,comment". Variant files map a
// canonical trigger to its spellings ("微信 = 薇信, 威信, V信, vx"); they feed the contact detector
// and expand every dictionary term that contains the canonical. Policy files say what each
// category asks for per scene ("category profanity block", "category ad review scene=note"), which
// labels a contact type carries ("contact bait ad"), combinations ("combo contact+ad block") and
// abuse aimed at a person ("target profanity,abuse block window=20": a hit of those categories
// within 20 bytes of a word of the internal "target" dictionary — 你, you … — is abuse and blocks).
// Policy examples are end-to-end: "example comment block 你这个傻逼". Errors name file and line.
//
// # Matching
//
// Text and terms go through the same normaliser (package moderation/text); a matcher finds the
// normalised terms in the normalised text, and every match maps back to the original bytes.
// Latin terms match whole words: the match must start and end on a word boundary; a boundary the
// term does not have is only allowed inside the match when the pieces are at most two letters
// ("f u c k", "sh it") or for one split of a longer word at white space ("bit ch"); plurals
// (dicks, bitches) and repeated tokens (sbsb) extend a match; runs of one letter must agree with
// the term unless elongated (fuuuck) or the term is long (ashole for asshole); a vowel replaced by
// a symbol is accepted in terms of four letters or more (f*ck). CJK terms match as substrings
// across any noise.
//
// # Engines
//
// Matcher has two engines that pass the same tests and are fuzzed against a naive reference:
// EngineCloudflare (github.com/cloudflare/ahocorasick, MatchThreadSafe; it reports which patterns
// occur, positions are found with strings.Index) and EnginePositional
// (github.com/petar-dambovaliev/aho-corasick, overlapping matches with positions). The default
// is EnginePositional, chosen by measurement (go test ./rules/ -run XXX -bench . -benchmem):
// see the RESULTS section of the README / the report that introduced this package for the
// figures; in short, cloudflare is faster on the small shipped dictionaries but its memory grows
// by tens of KiB per pattern (hundreds of MiB at 100k terms, against the 150 MiB heap budget),
// while the positional engine stays within budget at 100k terms.
//
// # Hot reload
//
// Source implements moderation.RulesSource. It loads a directory (or the embedded defaults),
// adds the runtime overlay kept in Redis (Overlay: add or remove a term or an allow entry), and
// swaps in a freshly compiled Set atomically; matching never pauses and a pipeline run uses one
// snapshot. Run polls the directory's mtimes and the overlay's version counter; a change that
// fails to load or compile is rejected, the old rules stay live, and LastError, Ready and the
// metrics trustd_rules_reload_failures_total / trustd_rules_last_reload_success_timestamp_seconds
// show it. Hits are counted in trustd_rule_hits_total{dictionary,category}; dictionary sizes in
// trustd_dictionary_entries{dictionary}.
//
// Usage:
//
//	src, err := rules.NewSource(ctx, rules.SourceConfig{Dir: dir, Redis: rdb, Registerer: reg, Logger: log})
//	if err != nil { return err }
//	go src.Run(ctx)
//	p, err := moderation.New(moderation.Config{Rules: src})
package rules
