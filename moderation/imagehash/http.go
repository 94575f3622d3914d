package imagehash

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Bank management API, mounted on the API server's mux by Register:
//
//	GET    /v1/banks                             bank definitions and sizes
//	PUT    /v1/banks/{bank}                      define or update a bank (BankDef JSON)
//	GET    /v1/banks/{bank}/images?offset=&limit= entries
//	POST   /v1/banks/{bank}/images               add an image (AddImageRequest JSON)
//	DELETE /v1/banks/{bank}/images/{content_id}  remove every entry of a content id
//
// Errors are {"error": "..."} with a 4xx/5xx status.

// AddImageRequest adds one image to a bank: either the encoded image (base64; it is decoded
// and hashed with the usual guard) or the hashes computed elsewhere (trustd bank).
type AddImageRequest struct {
	ContentID string `json:"content_id"`
	AuthorID  string `json:"author_id,omitempty"`
	Image     string `json:"image_base64,omitempty"`
	PHash     string `json:"phash,omitempty"`
	DHash     string `json:"dhash,omitempty"`
	Crop      string `json:"crop_phash,omitempty"`
	CropD     string `json:"crop_dhash,omitempty"`
}

// BankInfo is one bank in GET /v1/banks.
type BankInfo struct {
	BankDef
	Images int `json:"images"`
}

// EntryJSON is an entry as the API shows it.
type EntryJSON struct {
	ContentID string    `json:"content_id"`
	AuthorID  string    `json:"author_id,omitempty"`
	Added     time.Time `json:"added"`
	PHash     string    `json:"phash"`
	DHash     string    `json:"dhash"`
	Crop      string    `json:"crop_phash"`
	CropD     string    `json:"crop_dhash"`
}

// JSON returns the API form of an entry.
func (e Entry) JSON() EntryJSON {
	return EntryJSON{ContentID: e.ContentID, AuthorID: e.AuthorID, Added: e.Added,
		PHash: Hex(e.PHash), DHash: Hex(e.DHash), Crop: Hex(e.Crop), CropD: Hex(e.CropD)}
}

const maxRequestBytes = 32 << 20

// Register mounts the bank management handlers on mux.
func (b *Banks) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/banks", b.handleList)
	mux.HandleFunc("PUT /v1/banks/{bank}", b.handleDefine)
	mux.HandleFunc("GET /v1/banks/{bank}/images", b.handleEntries)
	mux.HandleFunc("POST /v1/banks/{bank}/images", b.handleAdd)
	mux.HandleFunc("DELETE /v1/banks/{bank}/images/{content_id}", b.handleRemove)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNoBank):
		status = http.StatusNotFound
	case errors.Is(err, ErrBadBank), errors.Is(err, ErrBadEntry), errors.Is(err, ErrLowQuality),
		errors.Is(err, ErrNotImage), errors.Is(err, ErrDecode), errors.Is(err, ErrTooManyPixels):
		status = http.StatusBadRequest
	case errors.Is(err, ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func (b *Banks) handleList(w http.ResponseWriter, r *http.Request) {
	var out []BankInfo
	for _, bk := range b.all() {
		out = append(out, BankInfo{BankDef: bk.Def(), Images: bk.Len()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"banks": out})
}

func (b *Banks) handleDefine(w http.ResponseWriter, r *http.Request) {
	var d BankDef
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&d); err != nil {
		writeError(w, fmt.Errorf("%w: %v", ErrBadBank, err))
		return
	}
	d.Name = r.PathValue("bank")
	if err := b.Define(r.Context(), d); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b.Bank(d.Name).Def())
}

func (b *Banks) handleEntries(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	es, err := b.List(r.PathValue("bank"), max(offset, 0), limit)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]EntryJSON, 0, len(es))
	for _, e := range es {
		out = append(out, e.JSON())
	}
	writeJSON(w, http.StatusOK, map[string]any{"images": out})
}

func (b *Banks) handleAdd(w http.ResponseWriter, r *http.Request) {
	var req AddImageRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes)).Decode(&req); err != nil {
		writeError(w, fmt.Errorf("%w: %v", ErrBadEntry, err))
		return
	}
	e, err := req.Entry()
	if err != nil {
		writeError(w, err)
		return
	}
	if err := b.Add(r.Context(), r.PathValue("bank"), e); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, e.JSON())
}

// Entry turns a request into a bank entry, hashing the image when one is given.
func (req AddImageRequest) Entry() (Entry, error) {
	if req.ContentID == "" || len(req.ContentID) > 256 {
		return Entry{}, fmt.Errorf("%w: content_id: want 1–256 bytes", ErrBadEntry)
	}
	e := Entry{ContentID: req.ContentID, AuthorID: req.AuthorID}
	if req.Image != "" {
		raw, err := base64.StdEncoding.DecodeString(req.Image)
		if err != nil {
			return e, fmt.Errorf("%w: image_base64: %v", ErrBadEntry, err)
		}
		fp, err := FingerprintBytes(raw)
		if err != nil {
			return e, err
		}
		if fp.LowQuality {
			return e, ErrLowQuality
		}
		return EntryOf(fp, req.ContentID, req.AuthorID, time.Time{}), nil
	}
	var err error
	parse := func(name, s string) uint64 {
		if err != nil {
			return 0
		}
		var h uint64
		if len(s) != 16 {
			err = fmt.Errorf("%w: %s: want 16 hex digits", ErrBadEntry, name)
			return 0
		}
		if h, err = strconv.ParseUint(s, 16, 64); err != nil {
			err = fmt.Errorf("%w: %s: %v", ErrBadEntry, name, err)
		}
		return h
	}
	e.PHash, e.DHash = parse("phash", req.PHash), parse("dhash", req.DHash)
	e.Crop, e.CropD = parse("crop_phash", req.Crop), parse("crop_dhash", req.CropD)
	return e, err
}

func (b *Banks) handleRemove(w http.ResponseWriter, r *http.Request) {
	n, err := b.Remove(r.Context(), r.PathValue("bank"), r.PathValue("content_id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"removed": n})
}
