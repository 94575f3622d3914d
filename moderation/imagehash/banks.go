package imagehash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the default Redis key prefix of the banks.
const DefaultPrefix = "trustd:imagebank:"

// DefaultSeenRetention is how long a moderated image stays in the seen bank by default.
// Reposts of a popular photo by other accounts come within days of the first post, so a month
// catches them with margin, while memory stays proportional to a month of uploads (see the
// package documentation for the sizing).
const DefaultSeenRetention = 30 * 24 * time.Hour

// expireEvery is how often the tailer evicts expired seen entries from memory. Lookups skip
// expired entries anyway, so this only bounds how long their memory is held.
const expireEvery = time.Minute

// BanksConfig configures a set of banks.
type BanksConfig struct {
	// Redis is the source of truth. Nil means in-memory banks (trustd check): nothing is
	// persisted and nothing is shared.
	Redis redis.UniversalClient
	// Prefix of every Redis key. Empty means DefaultPrefix. Keys: <prefix>defs (a hash of bank
	// name → JSON BankDef) and <prefix>log:<bank> (a stream of adds and removes).
	Prefix string
	// Defs are banks to define at start when they are not defined yet. The seen bank always
	// exists with default thresholds unless defined otherwise.
	Defs []BankDef
	// Load restricts which banks Start rebuilds and tails (trustd bank list). Nil means all.
	Load []string
	// Block is how long one tail read waits for new entries; it bounds how stale the bank
	// definitions can get. Zero means 1s.
	Block time.Duration
	// Logger receives operational logs. Nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the trustd_image_index_hashes gauge. Nil means no metrics.
	Registerer prometheus.Registerer
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// SeenRetention is how long an image stays in the seen bank after its Added time: older
	// entries are not matched, not rebuilt, evicted from memory within a minute (by the
	// tailer) and trimmed from the Redis stream (XADD MINID ~ on every append to it). Deny and
	// allow banks keep everything. Zero means DefaultSeenRetention; negative means forever.
	// Every process appending to the seen bank should use the same value: the shortest one
	// trims the shared stream.
	SeenRetention time.Duration
}

// Banks is the set of image banks of a process. With Redis, every add and remove is appended
// to the bank's stream first and every process applies the stream in order (a process applies
// its own adds at once), so an image added anywhere is matchable everywhere within about one
// Block interval. Start rebuilds the indexes from the streams. It is safe for concurrent use.
type Banks struct {
	cfg BanksConfig
	log *slog.Logger

	mu     sync.RWMutex
	banks  map[string]*Bank
	lastID map[string]string // stream position applied per bank

	// ownMu is held across an append and the recording of its id, so the tailer, which
	// takes it too, always knows whether an entry is this process's own (already applied).
	ownMu sync.Mutex
	own   map[string]map[string]struct{} // stream ids of this process's appends not yet tailed

	cancel context.CancelFunc
	done   chan struct{}
	closed bool
}

// NewBanks validates cfg and returns banks with the configured definitions (in memory until
// Start loads the Redis state).
func NewBanks(cfg BanksConfig) (*Banks, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Block <= 0 {
		cfg.Block = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SeenRetention == 0 {
		cfg.SeenRetention = DefaultSeenRetention
	}
	b := &Banks{cfg: cfg, log: cfg.Logger, banks: map[string]*Bank{}, lastID: map[string]string{},
		own: map[string]map[string]struct{}{}}
	seen, _ := BankDef{Name: SeenBank, Kind: KindSeen}.withDefaults()
	b.banks[SeenBank] = b.newBank(seen)
	for _, d := range cfg.Defs {
		d, err := d.withDefaults()
		if err != nil {
			return nil, err
		}
		b.banks[d.Name] = b.newBank(d)
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(banksCollector{b}); err != nil {
			return nil, fmt.Errorf("register bank metrics: %w", err)
		}
	}
	return b, nil
}

// newBank makes an empty bank: the seen bank with the retention window, others without.
func (b *Banks) newBank(d BankDef) *Bank {
	var retention time.Duration
	if d.Kind == KindSeen {
		retention = b.cfg.SeenRetention // negative: forever, as newBank takes it
	}
	return newBank(d, retention, b.cfg.Now)
}

// seenCutoffID returns the stream id before which seen entries have expired ("<ms>", which
// Redis reads as <ms>-0), or "" when the seen bank keeps everything. Stream ids are the
// millisecond times of the appends.
func (b *Banks) seenCutoffID() string {
	if b.cfg.SeenRetention < 0 {
		return ""
	}
	return strconv.FormatInt(b.cfg.Now().Add(-b.cfg.SeenRetention).UnixMilli(), 10)
}

func (b *Banks) defsKey() string           { return b.cfg.Prefix + "defs" }
func (b *Banks) logKey(bank string) string { return b.cfg.Prefix + "log:" + bank }

// Bank returns the named bank, or nil.
func (b *Banks) Bank(name string) *Bank {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.banks[name]
}

// Defs returns the definitions of every bank, sorted by name.
func (b *Banks) Defs() []BankDef {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []BankDef
	for _, n := range slices.Sorted(maps.Keys(b.banks)) {
		out = append(out, b.banks[n].def)
	}
	return out
}

// all returns every bank, sorted by name.
func (b *Banks) all() []*Bank {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []*Bank
	for _, n := range slices.Sorted(maps.Keys(b.banks)) {
		out = append(out, b.banks[n])
	}
	return out
}

// Start loads the bank definitions and rebuilds every index from Redis, then tails the
// streams in a goroutine until Close. Without Redis it does nothing. It returns when the
// indexes are built, or with ctx's error.
func (b *Banks) Start(ctx context.Context) error {
	if b.cfg.Redis == nil {
		return nil
	}
	for _, d := range b.cfg.Defs {
		if err := b.storeDef(ctx, d, false); err != nil {
			return err
		}
	}
	if err := b.refreshDefs(ctx); err != nil {
		return err
	}
	for _, bk := range b.all() {
		if b.cfg.Load != nil && !slices.Contains(b.cfg.Load, bk.def.Name) {
			continue
		}
		if err := b.rebuild(ctx, bk); err != nil {
			return err
		}
	}
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		cancel()
		return ErrBanksClosed
	}
	b.cancel, b.done = cancel, make(chan struct{})
	b.mu.Unlock()
	go b.tail(tctx)
	return nil
}

// Close stops tailing. It is idempotent.
func (b *Banks) Close() error {
	b.mu.Lock()
	b.closed = true
	cancel, done := b.cancel, b.done
	b.cancel = nil
	b.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

// Define creates or updates a bank definition (thresholds, authorised authors).
func (b *Banks) Define(ctx context.Context, d BankDef) error {
	d, err := d.withDefaults()
	if err != nil {
		return err
	}
	if b.cfg.Redis != nil {
		if err := b.storeDef(ctx, d, true); err != nil {
			return err
		}
	}
	b.applyDef(d)
	return nil
}

func (b *Banks) storeDef(ctx context.Context, d BankDef, overwrite bool) error {
	d, err := d.withDefaults()
	if err != nil {
		return err
	}
	js, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode bank %s: %w", d.Name, err)
	}
	if overwrite {
		err = b.cfg.Redis.HSet(ctx, b.defsKey(), d.Name, js).Err()
	} else {
		err = b.cfg.Redis.HSetNX(ctx, b.defsKey(), d.Name, js).Err()
	}
	if err != nil {
		return fmt.Errorf("store bank %s: %w", d.Name, err)
	}
	return nil
}

// applyDef installs a definition; a new bank starts empty, an existing one keeps its images.
func (b *Banks) applyDef(d BankDef) (created *Bank) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.banks[d.Name]; ok {
		if old.def.Kind == d.Kind {
			old.mu.Lock()
			old.def = d
			old.mu.Unlock()
		}
		return nil
	}
	nb := b.newBank(d)
	b.banks[d.Name] = nb
	return nb
}

// LoadDefs reads the bank definitions from Redis without loading any image: enough to add to
// or remove from a bank (trustd bank add). Without Redis it does nothing.
func (b *Banks) LoadDefs(ctx context.Context) error {
	if b.cfg.Redis == nil {
		return nil
	}
	return b.refreshDefs(ctx)
}

// refreshDefs reads the definitions from Redis; new banks are created empty (their streams
// are read by the tailer from the start).
func (b *Banks) refreshDefs(ctx context.Context) error {
	m, err := b.cfg.Redis.HGetAll(ctx, b.defsKey()).Result()
	if err != nil {
		return fmt.Errorf("load bank definitions: %w", err)
	}
	for name, js := range m {
		var d BankDef
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			b.log.Warn("bank_definition_invalid", slog.String("bank", name), slog.Any("error", err))
			continue
		}
		d, err := d.withDefaults()
		if err != nil || d.Name != name {
			b.log.Warn("bank_definition_invalid", slog.String("bank", name), slog.Any("error", err))
			continue
		}
		b.applyDef(d)
	}
	return nil
}

// Add appends an entry to a bank. With Redis the entry is stored first, then applied here;
// other processes apply it when they read the stream.
func (b *Banks) Add(ctx context.Context, bank string, e Entry) error {
	bk := b.Bank(bank)
	if bk == nil {
		return fmt.Errorf("%w: %s", ErrNoBank, bank)
	}
	if e.ContentID == "" {
		return fmt.Errorf("%w: empty content id", ErrBadEntry)
	}
	if e.Added.IsZero() {
		e.Added = b.cfg.Now()
	}
	if err := b.appendLog(ctx, bank, encodeAdd(e)); err != nil {
		return err
	}
	bk.add(e)
	return nil
}

// Remove deletes every entry of a content id from a bank and reports how many this process
// held.
func (b *Banks) Remove(ctx context.Context, bank, contentID string) (int, error) {
	bk := b.Bank(bank)
	if bk == nil {
		return 0, fmt.Errorf("%w: %s", ErrNoBank, bank)
	}
	if err := b.appendLog(ctx, bank, map[string]any{"op": "remove", "c": contentID}); err != nil {
		return 0, err
	}
	return bk.remove(contentID), nil
}

// List returns up to limit entries of a bank after skipping offset.
func (b *Banks) List(bank string, offset, limit int) ([]Entry, error) {
	bk := b.Bank(bank)
	if bk == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoBank, bank)
	}
	return bk.list(offset, limit), nil
}

// appendLog appends an operation to a bank's stream (with Redis) and remembers its id so the
// tailer does not apply it a second time. An append to the seen bank also trims the stream
// to the retention window: MINID ~ drops only whole stream nodes (about 100 entries), so the
// trim costs no extra round trip and next to nothing in Redis, and at most one node of
// expired entries outlives the window (rebuilds skip them).
func (b *Banks) appendLog(ctx context.Context, bank string, values map[string]any) error {
	if b.cfg.Redis == nil {
		return nil
	}
	args := &redis.XAddArgs{Stream: b.logKey(bank), Values: values}
	if bank == SeenBank {
		args.MinID, args.Approx = b.seenCutoffID(), true
	}
	b.ownMu.Lock()
	defer b.ownMu.Unlock()
	id, err := b.cfg.Redis.XAdd(ctx, args).Result()
	if err != nil {
		return fmt.Errorf("append to bank %s: %w", bank, err)
	}
	if b.own[bank] == nil {
		b.own[bank] = map[string]struct{}{}
	}
	b.own[bank][id] = struct{}{}
	return nil
}

func encodeAdd(e Entry) map[string]any {
	return map[string]any{"op": "add", "c": e.ContentID, "a": e.AuthorID,
		"t": strconv.FormatInt(e.Added.UnixMilli(), 10),
		"h": Hex(e.PHash), "d": Hex(e.DHash), "ch": Hex(e.Crop), "cd": Hex(e.CropD)}
}

func decodeEntry(v map[string]any) (op string, e Entry, err error) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	hex := func(k string) uint64 {
		if err != nil {
			return 0
		}
		var h uint64
		h, err = strconv.ParseUint(str(k), 16, 64)
		return h
	}
	op, e.ContentID = str("op"), str("c")
	switch op {
	case "remove":
		return op, e, nil
	case "add":
	default:
		return op, e, fmt.Errorf("%w: op %q", ErrBadEntry, op)
	}
	e.AuthorID = str("a")
	ms, perr := strconv.ParseInt(str("t"), 10, 64)
	if perr != nil {
		return op, e, fmt.Errorf("%w: time: %v", ErrBadEntry, perr)
	}
	e.Added = time.UnixMilli(ms).UTC()
	e.PHash, e.DHash, e.Crop, e.CropD = hex("h"), hex("d"), hex("ch"), hex("cd")
	if err != nil {
		return op, e, fmt.Errorf("%w: hash: %v", ErrBadEntry, err)
	}
	return op, e, nil
}

// rebuild reads a bank's whole stream and builds its index with one merge. The seen bank's
// stream is read from the retention cutoff: the entries before it have expired, and so have
// the adds any remove before it applies to.
func (b *Banks) rebuild(ctx context.Context, bk *Bank) error {
	key := b.logKey(bk.def.Name)
	var adds []Entry
	removedAt := map[string]int{} // content id → number of adds before its last remove
	start, last := "-", "0-0"
	if bk.def.Kind == KindSeen {
		if id := b.seenCutoffID(); id != "" {
			start = id
		}
	}
	for {
		msgs, err := b.cfg.Redis.XRangeN(ctx, key, start, "+", 20000).Result()
		if err != nil {
			return fmt.Errorf("read bank %s: %w", bk.def.Name, err)
		}
		for _, m := range msgs {
			op, e, err := decodeEntry(m.Values)
			if err != nil {
				b.log.Warn("bank_entry_invalid", slog.String("bank", bk.def.Name), slog.String("id", m.ID), slog.Any("error", err))
				continue
			}
			if op == "remove" {
				removedAt[e.ContentID] = len(adds)
				continue
			}
			adds = append(adds, e)
		}
		if len(msgs) < 20000 {
			if len(msgs) > 0 {
				last = msgs[len(msgs)-1].ID
			}
			break
		}
		last = msgs[len(msgs)-1].ID
		start = "(" + last
	}
	keep := adds[:0]
	for i, e := range adds {
		if n, ok := removedAt[e.ContentID]; ok && i < n {
			continue
		}
		keep = append(keep, e)
	}
	bk.addMany(keep)
	b.mu.Lock()
	b.lastID[bk.def.Name] = last
	b.mu.Unlock()
	b.log.Info("bank_rebuilt", slog.String("bank", bk.def.Name), slog.Int("images", len(keep)))
	return nil
}

// tail applies new stream entries of every bank until ctx ends.
func (b *Banks) tail(ctx context.Context) {
	defer close(b.done)
	backoff := 100 * time.Millisecond
	var lastExpire time.Time // the first pass expires at once
	for ctx.Err() == nil {
		if now := b.cfg.Now(); now.Sub(lastExpire) >= expireEvery {
			b.expireSeen()
			lastExpire = now
		}
		err := b.tailOnce(ctx)
		if err == nil || ctx.Err() != nil {
			backoff = 100 * time.Millisecond
			continue
		}
		b.log.Warn("bank_tail_error", slog.Any("error", err))
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// expireSeen evicts the expired entries of the seen bank from memory.
func (b *Banks) expireSeen() {
	bk := b.Bank(SeenBank)
	if bk == nil {
		return
	}
	if n := bk.expire(); n > 0 {
		b.log.Debug("bank_expired", slog.String("bank", SeenBank), slog.Int("images", n))
	}
}

func (b *Banks) tailOnce(ctx context.Context) error {
	if err := b.refreshDefs(ctx); err != nil {
		return err
	}
	b.mu.RLock()
	var streams, ids []string
	for _, n := range slices.Sorted(maps.Keys(b.banks)) {
		if b.cfg.Load != nil && !slices.Contains(b.cfg.Load, n) {
			continue
		}
		id, ok := b.lastID[n]
		if !ok {
			id = "0-0" // a bank defined after start: its whole stream
		}
		streams = append(streams, b.logKey(n))
		ids = append(ids, id)
	}
	b.mu.RUnlock()
	res, err := b.cfg.Redis.XRead(ctx, &redis.XReadArgs{Streams: append(streams, ids...), Count: 10000, Block: b.cfg.Block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tail banks: %w", err)
	}
	for _, s := range res {
		name := s.Stream[len(b.cfg.Prefix+"log:"):]
		bk := b.Bank(name)
		if bk == nil {
			continue
		}
		for _, m := range s.Messages {
			b.ownMu.Lock()
			_, mine := b.own[name][m.ID]
			delete(b.own[name], m.ID)
			b.ownMu.Unlock()
			b.mu.Lock()
			b.lastID[name] = m.ID
			b.mu.Unlock()
			if mine {
				continue
			}
			op, e, err := decodeEntry(m.Values)
			if err != nil {
				b.log.Warn("bank_entry_invalid", slog.String("bank", name), slog.String("id", m.ID), slog.Any("error", err))
				continue
			}
			if op == "remove" {
				bk.remove(e.ContentID)
			} else {
				bk.add(e)
			}
		}
	}
	return nil
}

// banksCollector exports trustd_image_index_hashes{bank} at scrape time.
type banksCollector struct{ b *Banks }

var indexHashesDesc = prometheus.NewDesc("trustd_image_index_hashes",
	"Hashes in the in-memory image index, per bank (two per image: whole and centre crop).",
	[]string{"bank"}, nil)

func (c banksCollector) Describe(ch chan<- *prometheus.Desc) { ch <- indexHashesDesc }

func (c banksCollector) Collect(ch chan<- prometheus.Metric) {
	for _, bk := range c.b.all() {
		ch <- prometheus.MustNewConstMetric(indexHashesDesc, prometheus.GaugeValue, float64(bk.idx.Len()), bk.def.Name)
	}
}
