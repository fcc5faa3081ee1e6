package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/a-h/templ"
	"golang.org/x/text/message"

	"github.com/portolan/portolan/web/i18n"
)

// langCookie remembers the language chosen with the switcher.
const langCookie = "lang"

// locale is the language a request is answered in, kept in its context so that
// every component can translate its labels.
type locale struct {
	lang i18n.Lang
	// explicit is true when the URL chose the language (?lang=ja): internal
	// links then carry it on, so a deep link keeps its language. A language
	// from the cookie or Accept-Language stays out of links, so a link pasted
	// into a ticket opens in the reader's own language.
	explicit bool
	p        *message.Printer
	uri      string // the request's path and canonical query, for the switcher's next=
}

type localeKey struct{}

// chooseLang decides the language of a request: ?lang= (param, the URL's
// first lang value), else the cookie set by the switcher, else
// Accept-Language, else English.
func (s *Server) chooseLang(cat *i18n.Catalog, r *http.Request, param string) (i18n.Lang, bool) {
	if l, ok := i18n.Parse(param); ok {
		return l, true
	}
	if len(r.Header["Cookie"]) > 0 {
		if c, err := r.Cookie(langCookie); err == nil {
			if l, ok := i18n.Parse(c.Value); ok {
				return l, false
			}
		}
	}
	return s.acceptLangs.match(cat, r.Header.Get("Accept-Language")), false
}

// acceptLangs remembers what Accept-Language values negotiated to: browsers
// send a handful of distinct values, and parsing one costs more than the
// rest of a cached response.
type acceptLangs struct {
	m sync.Map     // header value -> i18n.Lang
	n atomic.Int64 // values kept, at most maxAcceptLangs
}

const (
	maxAcceptLangs   = 1024
	maxAcceptLangLen = 256 // longer values are negotiated every time
)

func (a *acceptLangs) match(cat *i18n.Catalog, header string) i18n.Lang {
	if header == "" {
		return i18n.Default()
	}
	if l, ok := a.m.Load(header); ok {
		return l.(i18n.Lang)
	}
	l := cat.Match(header)
	if len(header) <= maxAcceptLangLen && a.n.Add(1) <= maxAcceptLangs {
		a.m.Store(header, l)
	}
	return l
}

// localize puts the request's locale in its context and says, with Vary, what
// the response depends on.
func (s *Server) localize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			w.Header().Add("Vary", "Accept-Language, Cookie")
		}
		cat := catalogue()
		q, param, ok := s.canonicalQuery(r.URL.Path, r.URL.RawQuery)
		if !ok {
			param = r.URL.Query().Get("lang")
		}
		l, explicit := s.chooseLang(cat, r, param)
		loc := &locale{lang: l, explicit: explicit, p: cat.Printer(l), uri: requestURI(r, q, ok)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), localeKey{}, loc)))
	})
}

// localeOf returns the context's locale; outside a request (a component rendered
// on its own) it is English.
func localeOf(ctx context.Context) *locale {
	if l, ok := ctx.Value(localeKey{}).(*locale); ok {
		return l
	}
	return &locale{lang: i18n.Default(), p: catalogue().Printer(i18n.Default())}
}

// catalogue is the UI strings of web/i18n, loaded once from embedded files
// and never changed.
func catalogue() *i18n.Catalog {
	cat, err := i18n.Shared()
	if err != nil {
		panic(err) // the embedded catalogue is malformed: caught by the tests
	}
	return cat
}

// t translates a message key (see web/i18n/en.json) into the request's
// language, formatting args in it. The key-check test finds every t call.
func t(ctx context.Context, key string, args ...any) string {
	loc := localeOf(ctx)
	switch len(args) {
	case 0:
		if s, ok := catalogue().Plain(loc.lang.Code, key); ok {
			return s
		}
	case 1:
		if arg, ok := args[0].(string); ok {
			if pre, suf, ok := catalogue().Around(loc.lang.Code, key); ok {
				return pre + arg + suf
			}
		}
	}
	return loc.p.Sprintf(key, args...)
}

// uiLang is the request's language code: "en", "ja" or "zh".
func uiLang(ctx context.Context) string { return localeOf(ctx).lang.Code }

// htmlLang is the value of <html lang>: "en", "ja" or "zh-Hans".
func htmlLang(ctx context.Context) string { return localeOf(ctx).lang.HTML }

// href is an internal link with the language carried on when the URL chose it
// (?lang=), and the version of a document the page shows when the link is
// about that document (withVersion): every page's links go through it. A
// fragment stays last.
func href(ctx context.Context, u string) templ.SafeURL {
	return templ.SafeURL(withLang(ctx, u))
}

func withLang(ctx context.Context, u string) string {
	return langOnly(ctx, withVersion(ctx, u))
}

// langOnly is withLang without the version a page shows: for the links that
// leave it (to the latest).
func langOnly(ctx context.Context, u string) string {
	loc := localeOf(ctx)
	if !loc.explicit {
		return u
	}
	return setLang(u, loc.lang.Code)
}

// setLang sets the lang parameter of a local URL, keeping its other
// parameters in their order and its fragment last.
func setLang(u, code string) string {
	path, frag, hasFrag := strings.Cut(u, "#")
	path, query, _ := strings.Cut(path, "?")
	if !strings.Contains(query, "lang") && !strings.Contains(query, "&&") &&
		!strings.HasPrefix(query, "&") && !strings.HasSuffix(query, "&") {
		// No lang to drop and no empty parameter: lang goes last.
		var b strings.Builder
		b.Grow(len(u) + len(code) + 7)
		b.WriteString(path)
		b.WriteByte('?')
		if query != "" {
			b.WriteString(query)
			b.WriteByte('&')
		}
		b.WriteString("lang=")
		b.WriteString(url.QueryEscape(code))
		if hasFrag {
			b.WriteByte('#')
			b.WriteString(frag)
		}
		return b.String()
	}
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if p != "" && !strings.HasPrefix(p, "lang=") && p != "lang" {
			kept = append(kept, p)
		}
	}
	kept = append(kept, "lang="+url.QueryEscape(code))
	out := path + "?" + strings.Join(kept, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// langSwitch is one entry of the header's language switcher.
type langSwitch struct {
	Lang    i18n.Lang
	URL     string // /lang?set=ja&next=...
	Current bool
}

// langSwitches are the switcher's links: each sets the cookie through /lang
// and comes back to the page, so it works without JavaScript.
func langSwitches(ctx context.Context) []langSwitch {
	loc := localeOf(ctx)
	next := loc.uri
	if next == "" {
		next = "/"
	}
	var out []langSwitch
	for _, l := range i18n.Languages() {
		v := url.Values{"set": {l.Code}, "next": {next}}
		out = append(out, langSwitch{Lang: l, URL: "/lang?" + v.Encode(), Current: l.Code == loc.lang.Code})
	}
	return out
}

// handleLang serves /lang?set=ja&next=/docs/citrix: it remembers the language in
// a cookie and goes back to next, a local path. If next chose a language with
// ?lang=, that is switched too, or it would win over the cookie.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkValues(v); err != nil {
		return err
	}
	code, err := single(v, "set")
	if err != nil {
		return err
	}
	l, ok := i18n.Parse(code)
	if !ok {
		return badRequest("set: %q is not a language (use en, ja or zh)", code)
	}
	next, err := single(v, "next")
	if err != nil {
		return err
	}
	next = localPath(next)
	if u, err := url.Parse(next); err == nil && u.Query().Has("lang") {
		next = setLang(next, l.Code)
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/",
		MaxAge: 365 * 24 * 60 * 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// localPath returns next when it is a path on this site, "/" otherwise: the
// switcher must not become an open redirect (//evil.example, /\evil.example,
// https://evil.example).
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// reqLabel and dirLabel name a requirement or direction value in the UI
// language; "" and "none" are "not stated".
func reqLabel(ctx context.Context, v string) string { return valueLabel(ctx, "req", v) }

func dirLabel(ctx context.Context, v string) string { return valueLabel(ctx, "dir", v) }

// valueLabel names a value of a requirement (kind "req") or direction ("dir").
func valueLabel(ctx context.Context, kind, v string) string {
	if v == "" || v == "none" {
		return t(ctx, "value.not_stated")
	}
	key := "value." + kind + "." + v
	if s := t(ctx, key); s != key {
		return s
	}
	return v
}

// hostKind names a host's kind ("fqdn", "wildcard", "url", "ip") in the UI
// language.
func hostKind(ctx context.Context, kind string) string { return valueLabel(ctx, "kind", kind) }
