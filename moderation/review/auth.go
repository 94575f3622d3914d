package review

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Role is what a principal may do.
type Role string

// The roles. Admins can do everything moderators can, plus bulk decisions and the audit
// export. Service tokens are for platform services (appeals) and cannot use the review UI.
const (
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
	RoleService   Role = "service"
)

func (r Role) valid() bool { return r == RoleModerator || r == RoleAdmin || r == RoleService }

// Principal is an authenticated caller.
type Principal struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Via is how the caller authenticated: "token", "session" or "sso".
	Via string `json:"via"`
}

// AuthConfig is the auth section of the review configuration file (JSON):
//
//	{
//	  "tokens": [
//	    {"name": "alice", "role": "moderator", "sha256": "<hex sha256 of the token>"},
//	    {"name": "app",   "role": "service",   "sha256": "…"}
//	  ],
//	  "sso": {"user_header": "X-Forwarded-User", "role_header": "X-Forwarded-Role",
//	          "trusted_proxies": ["10.0.0.0/8"], "default_role": "moderator"}
//	}
//
// Tokens are stored only as SHA-256 hashes (tokens must be high-entropy, e.g. 32 random bytes;
// `HashToken` computes the hash).
type AuthConfig struct {
	Tokens []TokenEntry `json:"tokens"`
	// SSO trusts a user header set by an authenticating proxy. Nil means no SSO.
	SSO *SSOConfig `json:"sso,omitempty"`
}

// TokenEntry is one configured token.
type TokenEntry struct {
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	SHA256 string `json:"sha256"`
}

// SSOConfig configures the trusted proxy header.
type SSOConfig struct {
	// UserHeader carries the user name. Required.
	UserHeader string `json:"user_header"`
	// RoleHeader carries the role ("moderator" or "admin"). Empty means DefaultRole for all.
	RoleHeader string `json:"role_header,omitempty"`
	// TrustedProxies are the CIDRs whose requests may carry the headers; requests from
	// anywhere else have them ignored. Required (no CIDR means SSO is never accepted).
	TrustedProxies []string `json:"trusted_proxies"`
	// DefaultRole is the role when RoleHeader is empty or absent. Empty means moderator.
	DefaultRole Role `json:"default_role,omitempty"`
}

// HashToken returns the hex SHA-256 of a token, the form stored in AuthConfig.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// LoadAuthConfig decodes and validates an AuthConfig from JSON.
func LoadAuthConfig(r io.Reader) (*AuthConfig, error) {
	var c AuthConfig
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode auth config: %w", err)
	}
	if _, err := c.compile(); err != nil {
		return nil, err
	}
	return &c, nil
}

type authState struct {
	tokens      map[string]TokenEntry // by hash
	ssoUser     string
	ssoRole     string
	ssoDefault  Role
	ssoPrefixes []netip.Prefix
}

func (c *AuthConfig) compile() (*authState, error) {
	st := &authState{tokens: map[string]TokenEntry{}}
	for i, t := range c.Tokens {
		if t.Name == "" || !t.Role.valid() {
			return nil, fmt.Errorf("%w: auth token %d needs a name and a role (moderator, admin or service)", ErrInvalid, i)
		}
		h := strings.ToLower(t.SHA256)
		if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("%w: auth token %q: sha256 must be 64 hex digits", ErrInvalid, t.Name)
		}
		if _, dup := st.tokens[h]; dup {
			return nil, fmt.Errorf("%w: auth token %q: duplicate hash", ErrInvalid, t.Name)
		}
		st.tokens[h] = t
	}
	if s := c.SSO; s != nil {
		if s.UserHeader == "" || len(s.TrustedProxies) == 0 {
			return nil, fmt.Errorf("%w: sso needs user_header and trusted_proxies", ErrInvalid)
		}
		st.ssoUser, st.ssoRole, st.ssoDefault = s.UserHeader, s.RoleHeader, s.DefaultRole
		if st.ssoDefault == "" {
			st.ssoDefault = RoleModerator
		}
		if st.ssoDefault == RoleService {
			return nil, fmt.Errorf("%w: sso default_role cannot be service", ErrInvalid)
		}
		for _, p := range s.TrustedProxies {
			pre, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, fmt.Errorf("%w: sso trusted proxy %q: %v", ErrInvalid, p, err)
			}
			st.ssoPrefixes = append(st.ssoPrefixes, pre.Masked())
		}
	}
	return st, nil
}

func (st *authState) byToken(tok string) (Principal, bool) {
	e, ok := st.tokens[HashToken(tok)]
	if !ok {
		return Principal{}, false
	}
	return Principal{Name: e.Name, Role: e.Role, Via: "token"}, true
}

func (st *authState) bySSO(r *http.Request) (Principal, bool) {
	if st.ssoUser == "" {
		return Principal{}, false
	}
	user := r.Header.Get(st.ssoUser)
	if user == "" || len(user) > 128 {
		return Principal{}, false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return Principal{}, false
	}
	addr = addr.Unmap()
	trusted := false
	for _, p := range st.ssoPrefixes {
		if p.Contains(addr) {
			trusted = true
			break
		}
	}
	if !trusted {
		return Principal{}, false
	}
	role := st.ssoDefault
	if st.ssoRole != "" {
		if v := Role(r.Header.Get(st.ssoRole)); v == RoleModerator || v == RoleAdmin {
			role = v
		}
	}
	return Principal{Name: user, Role: role, Via: "sso"}, true
}

// session is a browser session stored in Redis.
type session struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	CSRF string `json:"csrf"`
}

const sessionCookie = "trustd_review"

func (s *Store) createSession(ctx context.Context, p Principal, ttl time.Duration) (id string, sess session, err error) {
	id = newToken() + newToken()
	sess = session{Name: p.Name, Role: p.Role, CSRF: newToken()}
	b, _ := json.Marshal(sess)
	if err := s.rdb.Set(ctx, s.sessionKey(HashToken(id)), b, ttl).Err(); err != nil {
		return "", session{}, fmt.Errorf("create session: %w", err)
	}
	return id, sess, nil
}

func (s *Store) loadSession(ctx context.Context, id string) (*session, error) {
	raw, err := s.rdb.Get(ctx, s.sessionKey(HashToken(id))).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	sess := new(session)
	if err := json.Unmarshal(raw, sess); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	return sess, nil
}

func (s *Store) deleteSession(ctx context.Context, id string) error {
	return s.rdb.Del(ctx, s.sessionKey(HashToken(id))).Err()
}

// createLoginCode stores a one-time login code for p.
func (s *Store) createLoginCode(ctx context.Context, p Principal, ttl time.Duration) (string, error) {
	code := newToken()
	b, _ := json.Marshal(p)
	if err := s.rdb.Set(ctx, s.loginCodeKey(HashToken(code)), b, ttl).Err(); err != nil {
		return "", fmt.Errorf("create login code: %w", err)
	}
	return code, nil
}

// useLoginCode consumes a one-time login code.
func (s *Store) useLoginCode(ctx context.Context, code string) (*Principal, error) {
	raw, err := s.rdb.GetDel(ctx, s.loginCodeKey(HashToken(code))).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("use login code: %w", err)
	}
	p := new(Principal)
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("decode login code: %w", err)
	}
	return p, nil
}

// authResult is the principal of a request and, for browser sessions, the CSRF token.
type authResult struct {
	p         Principal
	csrf      string // expected CSRF token ("" for bearer tokens)
	sessionID string
}

// authenticate resolves the caller: bearer token, then session cookie, then trusted SSO header.
func (a *API) authenticate(r *http.Request) (*authResult, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, nil
		}
		if p, ok := a.auth.byToken(strings.TrimSpace(tok)); ok {
			return &authResult{p: p}, nil
		}
		return nil, nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
		sess, err := a.store.loadSession(r.Context(), c.Value)
		if err != nil {
			return nil, err
		}
		if sess != nil {
			return &authResult{p: Principal{Name: sess.Name, Role: sess.Role, Via: "session"}, csrf: sess.CSRF, sessionID: c.Value}, nil
		}
	}
	if p, ok := a.auth.bySSO(r); ok {
		return &authResult{p: p}, nil
	}
	return nil, nil
}

// checkCSRF reports whether a state-changing request carries the session's CSRF token.
// Bearer-token requests need none (browsers never attach them on their own); requests
// authenticated only by the SSO header must first open a session (GET /review/).
func (ar *authResult) checkCSRF(r *http.Request) bool {
	switch ar.p.Via {
	case "token":
		return true
	case "session":
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.PostFormValue("csrf")
		}
		return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ar.csrf)) == 1
	}
	return false
}

func allowed(have Role, want ...Role) bool {
	for _, w := range want {
		if have == w || (have == RoleAdmin && w == RoleModerator) {
			return true
		}
	}
	return false
}

// Caller authenticates a request by bearer token or trusted SSO header only (no session
// cookie, so no CSRF exposure), for APIs outside the review page such as ingest. It returns
// nil and no error when the request carries no valid credentials.
func (a *API) Caller(r *http.Request) (*Principal, error) {
	ar, err := a.authenticate(r)
	if err != nil || ar == nil || ar.p.Via == "session" {
		return nil, err
	}
	p := ar.p
	return &p, nil
}
