// Package imagehash checks the images of moderated items: it fetches them safely, decodes
// them behind a guard, computes robust perceptual hashes, and matches them against banks of
// known images held in a fast Hamming index: the seen bank (every moderated image), deny banks
// (counterfeit product photos) and allow banks (official photos and the authors allowed to
// use them).
//
// # Pipeline of one image
//
//  1. Fetch (Fetcher): http and https only, an optional host allowlist, no loopback, private,
//     link-local or metadata addresses (checked on the address actually dialled, so DNS
//     rebinding cannot bypass it), connect and total timeouts, a byte cap, at most three
//     redirects, each re-checked. file:///abs/path only with FetchConfig.AllowFileURLs.
//  2. Decode guard (DecodeGuarded): the format is sniffed from the bytes; the header's
//     dimensions are checked against a pixel cap (40 MP) before any pixel buffer exists;
//     JPEG, PNG, GIF (first frame), WebP; EXIF orientation; decoder panics are recovered.
//     Errors wrap ErrNotImage, ErrTooLarge, ErrTooManyPixels or ErrDecode; none is retried.
//  3. Fingerprint (FingerprintImage): the image is reduced to at most 256 px on its longest
//     side first (box averaging of the luma plane for JPEG, golang.org/x/image/draw for other
//     types), so the cost hardly grows with the upload size; EXIF orientation is applied;
//     uniform borders are trimmed; then github.com/corona10/goimagehash computes the 64-bit
//     pHash (primary) and dHash (confirmation) of the whole image, of its eight dihedral
//     variants (mirrors, rotations; from one DCT, see phashDihedral), of its central 80% and,
//     for screenshot-like images, of the main content block. Near-uniform images are marked
//     LowQuality and never match nor get indexed.
//  4. Codes (Config.Codes, an imagetext.QRReader in trustd): the decoded image is also read
//     for QR codes; the result carries them and the contacts they are (a WeChat QR).
//  5. Match (Bank.Match): the pHashes are looked up in a multi-index-hashing Index (exact for
//     any radius) and every candidate must also be close in dHash. The variants are queried,
//     not stored: a bank stores two hashes per image (whole and central crop).
//
// # Policy (Checker.CheckImages)
//
// seen bank, another author: duplicate_image (review); Config.SpamRingAuthors distinct authors
// or more, this one included: spam (block); the author's own repost: nothing. Deny bank:
// fake_product, block within the bank's Close distance, review up to Near. Allow bank:
// fake_product review unless the author is in the bank's Authorised list. A bad image is an
// ImageResult with status "error"; the pipeline adds image_error and review. After a check the
// item's images are added to the seen bank.
//
// # Banks and Redis
//
// Redis is the source of truth: <prefix>defs is a hash of bank definitions (JSON BankDef) and
// <prefix>log:<bank> a stream of adds and removes. Banks.Start rebuilds every index from the
// streams and then tails them (XREAD BLOCK), so an image added on one worker is matchable on
// every worker within about one BanksConfig.Block (1 s). Without Redis (trustd check) banks
// live in memory and LoadDir fills them from a directory.
//
// # Retention of the seen bank
//
// Every moderated image goes into the seen bank, so without a bound its stream in Redis and
// the index of every worker would grow forever. The seen bank therefore keeps an image for
// BanksConfig.SeenRetention after its Added time (DefaultSeenRetention, 30 days; negative
// keeps everything). Reposts of a popular photo by other accounts, the case the seen bank is
// for, come within days of the first post; a month catches them with margin while memory
// stays proportional to a month of uploads. Deny and allow banks are curated by moderators
// and keep everything.
//
//   - Lookups skip expired entries, so an image stops matching exactly when it expires.
//   - Memory: the tailer evicts expired entries every minute. Entries arrive in time order,
//     so eviction pops them from the front of the bank (a FIFO) and removes their two hashes
//     from the index, which drops them at its next merge. Start rebuilds only the window.
//   - Redis: every append to the seen stream carries MINID ~ <now − retention> (stream ids are
//     millisecond times). Approximate trimming frees whole stream nodes (about 100 entries), so
//     it costs no extra command and next to no Redis time, unlike a periodic XTRIM that would
//     need its own timer and round trips; at most one node of expired entries outlives the
//     window, and rebuilds start reading at the cutoff id anyway.
//
// Sizing (BenchmarkSeenBankMemory): an image of the seen bank costs ≈ 310 bytes of worker heap
// (its two hashes in the index, 61 bytes, plus its entry, ids and content map) and ≈ 175 bytes
// of Redis stream, so ≈ 0.31 GB per worker and 0.17 GB of Redis per million images in the
// window. At 100k new images a day the default window holds 3M images (≈ 0.9 GB per worker);
// at 1M a day, 30M (≈ 9 GB per worker, 5 GB of Redis): shorten the window to a week there.
//
// # Usage
//
//	banks, _ := imagehash.NewBanks(imagehash.BanksConfig{Redis: rdb, Logger: log, Registerer: reg})
//	if err := banks.Start(ctx); err != nil { ... }   // rebuild, then tail
//	defer banks.Close()
//	banks.Register(apiMux)                           // /v1/banks... management endpoints
//	checker, _ := imagehash.New(imagehash.Config{Banks: banks, Logger: log, Registerer: reg})
//	pipeline, _ := moderation.New(moderation.Config{Rules: rules, Images: checker})
package imagehash
