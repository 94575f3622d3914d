package review

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trustd/trustd/moderation"
)

//go:embed web
var webFS embed.FS

type page struct {
	tmpl   *template.Template
	assets http.Handler
}

func newPage() (*page, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"age":     fmtAge,
		"inc":     func(i int) int { return i + 1 },
		"hasHits": func(hs []moderation.Hit) bool { return len(hs) > 0 },
	}).ParseFS(webFS, "web/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse review templates: %w", err)
	}
	sub, err := fs.Sub(webFS, "web/assets")
	if err != nil {
		return nil, fmt.Errorf("review assets: %w", err)
	}
	return &page{tmpl: t, assets: http.StripPrefix("/review/assets/", http.FileServerFS(sub))}, nil
}

func fmtAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func (a *API) registerPage(mux *http.ServeMux) {
	mux.HandleFunc("GET /review/login", a.loginPage)
	mux.HandleFunc("POST /review/login", a.loginSubmit)
	mux.Handle("POST /review/logout", a.pageGuard(a.logout))
	mux.Handle("GET /review/{$}", a.pageGuard(a.queuesPage))
	mux.Handle("GET /review/items/{key}", a.pageGuard(a.itemPage))
	mux.Handle("GET /review/assets/", a.page.assets)
	mux.Handle("GET /review", http.RedirectHandler("/review/", http.StatusMovedPermanently))
}

func (a *API) securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src "+a.cfg.ImageSources+
		"; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func (a *API) setSessionCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: int(a.cfg.SessionTTL.Seconds()),
		HttpOnly: true, Secure: !a.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode})
}

type pageCtx struct {
	P    Principal
	CSRF string
}

// pageGuard is guard for HTML pages: it redirects to the login page instead of answering
// 401, turns a trusted SSO header into a session (so later requests carry a CSRF token), and
// checks CSRF on POST.
func (a *API) pageGuard(h func(http.ResponseWriter, *http.Request, pageCtx)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.securityHeaders(w)
		ar, err := a.authenticate(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if ar == nil {
			http.Redirect(w, r, "/review/login", http.StatusSeeOther)
			return
		}
		if !allowed(ar.p.Role, RoleModerator) {
			a.render(w, http.StatusForbidden, "login.html", map[string]any{"Error": "Your role (" + ar.p.Role + ") cannot use the review page."})
			return
		}
		if r.Method == http.MethodPost && !ar.checkCSRF(r) {
			writeError(w, http.StatusForbidden, "csrf", "missing or wrong CSRF token", nil)
			return
		}
		if ar.p.Via == "sso" {
			id, sess, err := a.store.createSession(r.Context(), ar.p, a.cfg.SessionTTL)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			a.setSessionCookie(w, id)
			ar.csrf, ar.sessionID = sess.CSRF, id
		}
		h(w, r, pageCtx{P: ar.p, CSRF: ar.csrf})
	})
}

func (a *API) render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := a.page.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		a.log.Error("review_render_error", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (a *API) loginPage(w http.ResponseWriter, r *http.Request) {
	a.securityHeaders(w)
	if code := r.URL.Query().Get("code"); code != "" {
		p, err := a.store.useLoginCode(r.Context(), code)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if p == nil {
			a.render(w, http.StatusUnauthorized, "login.html", map[string]any{"Error": "This login link is invalid or was already used."})
			return
		}
		a.startSession(w, r, *p)
		return
	}
	a.render(w, http.StatusOK, "login.html", nil)
}

func (a *API) loginSubmit(w http.ResponseWriter, r *http.Request) {
	a.securityHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	p, ok := a.auth.byToken(strings.TrimSpace(r.PostFormValue("token")))
	if !ok {
		a.render(w, http.StatusUnauthorized, "login.html", map[string]any{"Error": "Unknown token."})
		return
	}
	if !allowed(p.Role, RoleModerator) {
		a.render(w, http.StatusForbidden, "login.html", map[string]any{"Error": "Service tokens cannot use the review page."})
		return
	}
	a.startSession(w, r, p)
}

func (a *API) startSession(w http.ResponseWriter, r *http.Request, p Principal) {
	id, _, err := a.store.createSession(r.Context(), p, a.cfg.SessionTTL)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.setSessionCookie(w, id)
	a.log.InfoContext(r.Context(), "review_login", "actor", p.Name, "role", string(p.Role))
	http.Redirect(w, r, "/review/", http.StatusSeeOther)
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, _ pageCtx) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = a.store.deleteSession(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: !a.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/review/login", http.StatusSeeOther)
}

func (a *API) queuesPage(w http.ResponseWriter, r *http.Request, pc pageCtx) {
	st, err := a.store.QueueStats(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, http.StatusOK, "queues.html", map[string]any{"Ctx": pc, "Queues": st})
}

type fieldView struct {
	Name string
	Segs []Segment
}

type matchView struct {
	moderation.ImageMatch
	URL string // the matched content's first image, when the store knows it
}

type imageView struct {
	Index   int
	URL     string
	Result  *moderation.ImageResult
	Matches []matchView
}

type recentView struct {
	Key      string
	Queue    string
	State    string
	Decision moderation.Decision
	Labels   []moderation.Label
	At       time.Time
}

func (a *API) itemPage(w http.ResponseWriter, r *http.Request, pc pageCtx) {
	ctx := r.Context()
	key := r.PathValue("key")
	e, err := a.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
		a.render(w, http.StatusNotFound, "queues.html", map[string]any{"Ctx": pc, "Error": "No such review item."})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var fields []fieldView
	bad := 0
	for _, f := range []struct{ name, text string }{{"title", e.Item.Title}, {"body", e.Item.Body}} {
		if f.text == "" {
			continue
		}
		segs, n := Segments(f.name, f.text, e.Verdict.Hits, e.Verdict.Contacts)
		bad += n
		fields = append(fields, fieldView{Name: f.name, Segs: segs})
	}
	var images []imageView
	for i, im := range e.Item.Images {
		iv := imageView{Index: i, URL: im.URL}
		for j := range e.Verdict.Images {
			if e.Verdict.Images[j].Index == i {
				iv.Result = &e.Verdict.Images[j]
			}
		}
		if iv.Result != nil {
			for _, m := range iv.Result.Matches {
				mv := matchView{ImageMatch: m}
				if m.ContentID != "" {
					if other, err := a.store.ContentEntry(ctx, m.ContentID); err == nil && len(other.Item.Images) > 0 {
						mv.URL = other.Item.Images[0].URL
					}
				}
				iv.Matches = append(iv.Matches, mv)
			}
		}
		images = append(images, iv)
	}
	var recent []recentView
	if e.Verdict.AuthorID != "" {
		rs, err := a.store.AuthorRecent(ctx, e.Verdict.AuthorID, key, 10)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, o := range rs {
			rv := recentView{Key: o.Key, Queue: o.Queue, State: o.State, Decision: o.Verdict.Decision, Labels: o.Verdict.Labels, At: o.CreatedAt}
			if o.Decision != nil && o.Decision.Decision != "" {
				rv.Decision = o.Decision.Decision
			}
			recent = append(recent, rv)
		}
	}
	allowable := slices.DeleteFunc(slices.Clone(e.Verdict.Hits), func(h moderation.Hit) bool { return h.Term == "" })
	a.render(w, http.StatusOK, "item.html", map[string]any{
		"Ctx": pc, "E": e, "Fields": fields, "Bad": bad, "Images": images, "Recent": recent,
		"Allowable": allowable, "Queues": Queues, "LeaseSeconds": int(a.store.LeaseTTL().Seconds()),
		"AllowOn": a.store.cfg.Allow != nil, "BankOn": a.store.cfg.Banks != nil && len(e.Item.Images) > 0,
	})
}
