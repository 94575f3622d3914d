package review

import (
	"errors"
	"net/http"
)

// errorCode maps a store error to the API's error code and HTTP status.
func errorCode(err error) (string, int) {
	switch {
	case errors.Is(err, ErrConflict):
		return "already_decided", http.StatusConflict
	case errors.Is(err, ErrNotFound):
		return "not_found", http.StatusNotFound
	case errors.Is(err, ErrQueueEmpty):
		return "queue_empty", http.StatusNotFound
	case errors.Is(err, ErrLeaseExpired):
		return "lease_expired", http.StatusConflict
	case errors.Is(err, ErrLeaseLost):
		return "lease_lost", http.StatusConflict
	case errors.Is(err, ErrClaimed):
		return "claimed", http.StatusConflict
	case errors.Is(err, ErrAppealOpen):
		return "appeal_open", http.StatusConflict
	case errors.Is(err, ErrInvalid):
		return "invalid", http.StatusBadRequest
	}
	return "internal", http.StatusInternalServerError
}
