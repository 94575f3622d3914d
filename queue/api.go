package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/trustd/trustd/moderation"
)

// MaxBatch is the largest number of items one POST /v1/items may carry.
const MaxBatch = 100

// Body limits of the ingest API.
const (
	maxItemBody  = 1 << 20  // one item: fields are capped at 64 KiB each, meta at 16 KiB
	maxBatchBody = 16 << 20 // a batch of MaxBatch items
)

// APIConfig configures the ingest HTTP API.
type APIConfig struct {
	// Client submits items. Required.
	Client *Client
	// Publisher serves verdict lookups. Required.
	Publisher *Publisher
	// Moderator, when set, enables POST /v1/check (synchronous moderation, nothing published).
	Moderator Moderator
	// Authorize, when set, guards every route: a non-nil error answers 401 (or the status of
	// an *HTTPError). Nil means no authentication (trusted network only).
	Authorize func(r *http.Request) error
	// Logger receives request errors. Nil means slog.Default().
	Logger *slog.Logger
}

// API serves the ingest and lookup routes:
//
//	POST /v1/items                         one item or a JSON array of up to 100 → 202
//	GET  /v1/items/{scene}/{id}/verdict    the newest verdict of an item → 200 or 404
//	POST /v1/check                         moderate one item now, publish nothing → 200
type API struct{ cfg APIConfig }

// NewAPI validates cfg and returns the API.
func NewAPI(cfg APIConfig) (*API, error) {
	if cfg.Client == nil || cfg.Publisher == nil {
		return nil, errors.New("queue: API needs a Client and a Publisher")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &API{cfg: cfg}, nil
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle("POST /v1/items", a.guard(a.postItems))
	mux.Handle("GET /v1/items/{scene}/{id}/verdict", a.guard(a.getVerdict))
	if a.cfg.Moderator != nil {
		mux.Handle("POST /v1/check", a.guard(a.postCheck))
	}
}

// HTTPError is an error with an HTTP status and a machine-readable code; it renders as the
// one JSON error envelope {"error":{"code","message","field"}}.
type HTTPError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *HTTPError) Error() string { return e.Message }

// WriteError writes err as the JSON error envelope. A *HTTPError keeps its status and code; a
// *moderation.FieldError is a 400 naming the field; anything else is a 500 whose details are
// logged, not sent.
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	var he *HTTPError
	var fe *moderation.FieldError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &fe):
		he = &HTTPError{Status: http.StatusBadRequest, Code: "invalid_item", Message: fe.Error(), Field: fe.Field}
	default:
		log.Error("http_internal_error", slog.String("error", err.Error()))
		he = &HTTPError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
	}
	WriteJSON(w, he.Status, struct {
		Error *HTTPError `json:"error"`
	}{he})
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *API) guard(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Authorize != nil {
			if err := a.cfg.Authorize(r); err != nil {
				var he *HTTPError
				if !errors.As(err, &he) {
					err = &HTTPError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: err.Error()}
				}
				WriteError(w, a.cfg.Logger, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			WriteError(w, a.cfg.Logger, err)
		}
	})
}

// ItemResult is the outcome of one submitted item in a POST /v1/items response.
type ItemResult struct {
	Index    int              `json:"index"`
	ID       string           `json:"id,omitempty"`
	Scene    moderation.Scene `json:"scene,omitempty"`
	Revision int64            `json:"revision,omitempty"`
	Result   Result           `json:"result"`
	Error    string           `json:"error,omitempty"`
	Field    string           `json:"field,omitempty"`
}

// SubmitResponse is the body of a 202 answer to POST /v1/items.
type SubmitResponse struct {
	Accepted  int          `json:"accepted"`
	Duplicate int          `json:"duplicate"`
	Rejected  int          `json:"rejected"`
	Results   []ItemResult `json:"results"`
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
				Message: fmt.Sprintf("request body larger than %d bytes", limit)}
		}
		return nil, &HTTPError{Status: http.StatusBadRequest, Code: "bad_body", Message: "cannot read request body"}
	}
	return body, nil
}

func (a *API) postItems(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, maxBatchBody)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return &HTTPError{Status: http.StatusBadRequest, Code: "bad_body", Message: "empty body: want one item or an array of items"}
	}
	var raws []json.RawMessage
	single := trimmed[0] != '['
	if single {
		if len(body) > maxItemBody {
			return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
				Message: fmt.Sprintf("item larger than %d bytes", maxItemBody)}
		}
		raws = []json.RawMessage{trimmed}
	} else if err := json.Unmarshal(trimmed, &raws); err != nil {
		return &HTTPError{Status: http.StatusBadRequest, Code: "bad_body", Message: "malformed JSON array: " + err.Error()}
	}
	if len(raws) == 0 || len(raws) > MaxBatch {
		return &HTTPError{Status: http.StatusBadRequest, Code: "bad_batch",
			Message: fmt.Sprintf("a batch holds 1 to %d items, got %d", MaxBatch, len(raws))}
	}
	resp := SubmitResponse{Results: make([]ItemResult, len(raws))}
	for i, raw := range raws {
		res, err := a.submitOne(r.Context(), raw)
		res.Index = i
		if err != nil {
			var fe *moderation.FieldError
			if !errors.As(err, &fe) {
				return err // Redis trouble: nothing is half-acknowledged, the caller retries
			}
			if single {
				return err
			}
			res.Result, res.Error, res.Field = Rejected, fe.Error(), fe.Field
		}
		switch res.Result {
		case Accepted:
			resp.Accepted++
		case Duplicate:
			resp.Duplicate++
		case Rejected:
			resp.Rejected++
		}
		resp.Results[i] = res
	}
	WriteJSON(w, http.StatusAccepted, resp)
	return nil
}

func (a *API) submitOne(ctx context.Context, raw json.RawMessage) (ItemResult, error) {
	it, err := moderation.DecodeItem(raw)
	if err != nil {
		a.cfg.Client.results.WithLabelValues(string(Rejected)).Inc()
		return ItemResult{Result: Rejected}, err
	}
	res := ItemResult{ID: it.ID, Scene: it.Scene, Revision: it.Revision}
	res.Result, err = a.cfg.Client.Submit(ctx, it)
	return res, err
}

func (a *API) getVerdict(w http.ResponseWriter, r *http.Request) error {
	scene := moderation.Scene(r.PathValue("scene"))
	if !scene.Valid() {
		return &HTTPError{Status: http.StatusBadRequest, Code: "invalid_scene", Message: "unknown scene", Field: "scene"}
	}
	v, err := a.cfg.Publisher.Latest(r.Context(), scene, r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		return &HTTPError{Status: http.StatusNotFound, Code: "not_found", Message: "no verdict for this item (not yet moderated, or aged out)"}
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) postCheck(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, maxItemBody)
	if err != nil {
		return err
	}
	it, err := moderation.DecodeItem(body)
	if err != nil {
		return err
	}
	v, err := a.cfg.Moderator.Moderate(r.Context(), it)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}
