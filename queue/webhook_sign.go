package queue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (https://www.standardwebhooks.com) header names.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// WebhookTolerance is how far a delivery's timestamp may be from the receiver's clock before
// VerifyWebhook rejects it (replay protection), as the Standard Webhooks libraries do.
const WebhookTolerance = 5 * time.Minute

// Errors of webhook signing and verification.
var (
	// ErrWebhookSecret: a secret is not "whsec_" followed by base64 of 24 to 64 bytes.
	ErrWebhookSecret = errors.New("invalid webhook secret")
	// ErrWebhookSignature: no signature in the header matches any of the secrets.
	ErrWebhookSignature = errors.New("webhook signature mismatch")
	// ErrWebhookTimestamp: the timestamp is missing, malformed or outside WebhookTolerance.
	ErrWebhookTimestamp = errors.New("webhook timestamp out of tolerance")
)

const secretPrefix = "whsec_"

// webhookKey decodes a "whsec_<base64>" secret into its HMAC key.
func webhookKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: want the %q prefix", ErrWebhookSecret, secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebhookSecret, err)
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("%w: key is %d bytes, want 24 to 64", ErrWebhookSecret, len(key))
	}
	return key, nil
}

func webhookKeys(secrets []string) ([][]byte, error) {
	keys := make([][]byte, 0, len(secrets))
	for i, s := range secrets {
		k, err := webhookKey(s)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func signWithKeys(keys [][]byte, id string, ts int64, body []byte) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "v1," + base64.StdEncoding.EncodeToString(mac(k, id, ts, body))
	}
	return strings.Join(parts, " ")
}

func mac(key []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// SignWebhook returns the webhook-signature header value of one delivery: "v1,<base64
// HMAC-SHA256 of id.timestamp.body>" for each secret, separated by spaces. During a rotation
// a subscription has two secrets and every delivery carries both signatures, so receivers
// holding either secret verify it.
func SignWebhook(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	keys, err := webhookKeys(secrets)
	if err != nil {
		return "", err
	}
	return signWithKeys(keys, id, ts.Unix(), body), nil
}

// VerifyWebhook checks a delivery as a receiver should: the timestamp is within
// WebhookTolerance of now, and one of the header's v1 signatures matches one of secrets
// (compared in constant time). body must be the raw request body, before any JSON parsing.
func VerifyWebhook(secrets []string, h http.Header, body []byte, now time.Time) error {
	keys, err := webhookKeys(secrets)
	if err != nil {
		return err
	}
	id := h.Get(HeaderWebhookID)
	ts, err := strconv.ParseInt(h.Get(HeaderWebhookTimestamp), 10, 64)
	if err != nil || id == "" {
		return fmt.Errorf("%w: missing id or timestamp", ErrWebhookTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return fmt.Errorf("%w: off by %v", ErrWebhookTimestamp, d.Round(time.Second))
	}
	for _, sig := range strings.Fields(h.Get(HeaderWebhookSignature)) {
		b64, ok := strings.CutPrefix(sig, "v1,")
		if !ok {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		for _, k := range keys {
			if hmac.Equal(got, mac(k, id, ts, body)) {
				return nil
			}
		}
	}
	return ErrWebhookSignature
}
