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
// within 20 bytes of a word of the internal "target" dictionary — 你, you … — is abuse and blocks;
// each statement sets its own categories' decision and window). Dictionary entries of category
// "insult" (ugly, 丑 …) are hits only when so aimed ("target insult block window=9").
// Policy examples are end-to-end: "example comment block 你这个傻逼". Errors name file and line.
//
// # Matching
//
// Text and terms go through the same normaliser (package moderation/text); a matcher finds the
// normalised terms in the normalised text, and every match maps back to the original bytes.
// Latin terms match whole words: the match must start and end on a word boundary; a boundary the
// term does not have is only allowed inside the match when the pieces are at most two letters
// ("f u c k", "sh it") or for one split of a longer word at white space ("bit ch") unless one
// piece is an English function word ("the pen is" is no "penis"); filler (emoji, invisible
// controls) between letters is no split at all ("f🤬uck"); a term of three letters or fewer
// must not touch a digit except across white space ("SB-100" is a model number); plurals
// (dicks, bitches) and repeated tokens (sbsb) extend a match; runs of one letter must agree with
// the term unless elongated (fuuuck) or the term is long (ashole for asshole); a vowel replaced by
// a symbol is accepted in terms of four letters or more (f*ck, bullsh*t). CJK terms match as
// substrings across any noise; a repeated last character belongs to the text after the term
// (傻逼逼), a repeated first one does not (狗狗 and 妈妈 are words of their own).
//
// A policy line "contact TYPE:disguised LABELS" gives contacts written to slip past filters
// (numbers in Chinese, circled, keycap or financial digits; e-mail with "@" spelled out) their
// own labels; the default makes them traffic diversion (contact,ad), which blocks.
//
// # Engines
//
// Matcher has three engines that pass the same tests and are fuzzed against a naive reference
// (FuzzMatchers, FuzzScanText): EngineCloudflare (github.com/cloudflare/ahocorasick,
// MatchThreadSafe; it reports which patterns occur, positions are found with strings.Index),
// EnginePositional (github.com/petar-dambovaliev/aho-corasick, overlapping matches with
// positions; DFA up to 20k patterns, NFA above) and EngineRunes (runeac.go: trustd's own
// automaton over runes, with positions). The default is EngineRunes, chosen by the targets of
// issue 3 (heap, 100k-term scan speed and reload time):
//
//	                              cloudflare    positional    runes
//	heap, shipped rules           15.8 MiB      2.3 MiB       0.9 MiB
//	heap, +100k terms             8601 MiB      209.5 MiB     82.0 MiB
//	compile, +100k terms          72 s          3.6 s         1.35 s
//	ScanText, shipped rules       54 MB/s       50 MB/s       56 MB/s
//	ScanText, +100k terms         —             27 MB/s       44 MB/s
//
// Measured on the 2-core, shared development machine (load average 3–4) with
//
//	go test ./rules/ -run XXX -bench 'Heap|Compile100k' -benchtime 1x
//	go test ./rules/ -run XXX -bench 'ScanText|Stages' -benchtime 5000x -count 3
//	go test ./rules/ -run XXX -bench 'Heap/100k|Compile100k' -benchtime 1x -cloudflare100k   (the cloudflare 100k row; needs ~9 GiB)
//
// ScanText is the whole text stage of one field (normalise, match, allowlists, contacts,
// Advertising-Law); the benchmarks run it over every note of the corpus in package
// moderation/text/texttest (22 realistic mixed Chinese/English notes, 11,949 bytes) and report
// CPU time per corpus pass (cpu-ns/op) and MB per CPU-second besides wall-clock MB/s.
// BenchmarkStages splits it into normalise, match, contacts and ad-law (CPU time per pass,
// shipped rules, runes engine); README "Text moderation" keeps the measured figures, which
// depend on the machine (the same commit ran 2.2–2.6× slower on one development machine than on
// another), and callgrind's instruction counts, which do not. ScanText steps the runes
// automaton on the normalised units themselves (no key decoding, unit positions). The figures in
// the table above were taken on a single 544-byte note before the corpus existed.
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
