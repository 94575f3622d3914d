package queue_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/trustd/trustd/queue"
)

// A receiver verifies each delivery against the raw body before trusting it, and deduplicates
// on webhook-id (deliveries are at least once).
func ExampleVerifyWebhook() {
	secrets := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	handler := func(w http.ResponseWriter, r *http.Request, now time.Time) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body", http.StatusBadRequest)
			return
		}
		if err := queue.VerifyWebhook(secrets, r.Header, body, now); err != nil {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent) // then process the verdict in body
	}

	body := `{"test": 2432232314}`
	sent := time.Unix(1614265330, 0)
	for _, tc := range []struct {
		name string
		body string
		now  time.Time
	}{
		{"genuine", body, sent.Add(3 * time.Second)},
		{"tampered", strings.Replace(body, "2", "3", 1), sent},
		{"replayed an hour later", body, sent.Add(time.Hour)},
	} {
		sig, _ := queue.SignWebhook(secrets, "msg_p5jXN8AQM9LWM0D4loKWxJek", sent, []byte(body))
		req := httptest.NewRequest(http.MethodPost, "/hooks/trustd", strings.NewReader(tc.body))
		req.Header.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
		req.Header.Set("webhook-timestamp", fmt.Sprint(sent.Unix()))
		req.Header.Set("webhook-signature", sig)
		rec := httptest.NewRecorder()
		handler(rec, req, tc.now)
		fmt.Println(tc.name, rec.Code)
	}
	// Output:
	// genuine 204
	// tampered 401
	// replayed an hour later 401
}
