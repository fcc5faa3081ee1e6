// Package roles gives the endpoints of flows the infrastructure roles they name
// (domain controller, DNS server, RADIUS server, ...), from a vocabulary kept as
// data in roles.json: each role with its names in English, Japanese and Chinese.
//
// A name matches an endpoint as whole words, never as a substring (package
// data/phrase): "DC" matches "Domain Controller (DC)" but not "Citrix ADC" or
// "DCE/RPC", and at each word the longest name wins, so "Azure AD Connect"
// (listed as not a role) hides the "Azure AD" inside it.
//
// Roles are advice Portolan adds beside the document, never a change to it: an
// endpoint keeps its name as written, and a role read from a flow's purpose
// (because the document left that side empty) is marked as a guess.
package roles

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/phrase"
	"golang.org/x/net/publicsuffix"
)

//go:embed roles.json
var vocabularyJSON []byte

// Languages are the languages every role has a title in.
var Languages = []string{"en", "ja", "zh"}

// Role is one infrastructure role of the vocabulary.
type Role struct {
	ID    string            `json:"id"`    // URL slug: "domain-controller"
	Title map[string]string `json:"title"` // display name by language: en, ja, zh
	About string            `json:"about,omitempty"`
	// Names lists, by language, the words and phrases documents use for the role.
	Names map[string][]string `json:"names"`
	// InPurpose lists names that, in the purpose of a row whose other side is
	// empty, name that side: "メールサーバーとの通信" names the destination.
	InPurpose []string `json:"in_purpose,omitempty"`
	// Hosts gives the role to endpoints written as a public host name, URL or
	// address (graph.microsoft.com, https://*.digicert.com).
	Hosts bool `json:"hosts,omitempty"`
}

// TitleIn is the role's title in lang, or its English title.
func (r Role) TitleIn(lang string) string {
	if t := r.Title[lang]; t != "" {
		return t
	}
	return r.Title["en"]
}

// Vocabulary is a parsed roles.json, ready to match.
type Vocabulary struct {
	roles   []Role
	byID    map[string]int
	names   phrase.Set // endpoint names and the phrases that are not roles
	purpose phrase.Set // InPurpose names
	glosses map[string]string
}

// file is the layout of roles.json.
type file struct {
	About    string `json:"about"`
	Roles    []Role `json:"roles"`
	NotRoles struct {
		About string   `json:"about"`
		Names []string `json:"names"`
	} `json:"not_roles"`
	Glosses struct {
		About string            `json:"about"`
		Names map[string]string `json:"names"`
	} `json:"glosses"`
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Parse reads a vocabulary in the layout of roles.json and checks it: every
// role has a slug ID used once, a title in each of Languages, at least one
// name, and every name has a word in it.
func Parse(b []byte) (*Vocabulary, error) {
	var f file
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	v := &Vocabulary{roles: f.Roles, byID: map[string]int{}, glosses: map[string]string{}}
	for i, r := range f.Roles {
		if !idPattern.MatchString(r.ID) {
			return nil, fmt.Errorf("roles: role %d: id %q is not a slug (lower-case words joined by -)", i+1, r.ID)
		}
		if _, dup := v.byID[r.ID]; dup {
			return nil, fmt.Errorf("roles: role %q is listed twice", r.ID)
		}
		v.byID[r.ID] = i
		for _, l := range Languages {
			if strings.TrimSpace(r.Title[l]) == "" {
				return nil, fmt.Errorf("roles: role %q has no %s title", r.ID, l)
			}
		}
		n := 0
		for lang, names := range r.Names {
			if !slices.Contains(Languages, lang) {
				return nil, fmt.Errorf("roles: role %q: names in unknown language %q (use %s)", r.ID, lang, strings.Join(Languages, ", "))
			}
			for _, name := range names {
				if err := v.names.Add(name, r.ID); err != nil {
					return nil, fmt.Errorf("roles: role %q: %w", r.ID, err)
				}
				n++
			}
		}
		if n == 0 && !r.Hosts {
			return nil, fmt.Errorf("roles: role %q has no names", r.ID)
		}
		for _, name := range r.InPurpose {
			if err := v.purpose.Add(name, r.ID); err != nil {
				return nil, fmt.Errorf("roles: role %q: in_purpose: %w", r.ID, err)
			}
		}
	}
	for _, name := range f.NotRoles.Names {
		if err := v.names.Add(name, ""); err != nil {
			return nil, fmt.Errorf("roles: not_roles: %w", err)
		}
	}
	for k, g := range f.Glosses.Names {
		if strings.TrimSpace(g) == "" {
			return nil, fmt.Errorf("roles: gloss of %q is empty", k)
		}
		v.glosses[phrase.Fold(k)] = g
	}
	return v, nil
}

// Default is the vocabulary shipped in roles.json. Its tests check that it
// parses, so a failure here is a broken build.
var Default = sync.OnceValue(func() *Vocabulary {
	v, err := Parse(vocabularyJSON)
	if err != nil {
		panic(err)
	}
	return v
})

// Roles lists the vocabulary's roles in the file's order.
func (v *Vocabulary) Roles() []Role { return v.roles }

// Role returns the role with the ID.
func (v *Vocabulary) Role(id string) (Role, bool) {
	i, ok := v.byID[id]
	if !ok {
		return Role{}, false
	}
	return v.roles[i], true
}

// Match is a role named in a text, with the vocabulary name that matched.
type Match struct {
	Role string // role ID
	Name string // the vocabulary's name, as the vocabulary writes it
}

// Endpoint returns the roles an endpoint name (as a document writes it) refers
// to, in the order the names appear in it, each role once.
func (v *Vocabulary) Endpoint(name string) []Match {
	var out []Match
	for _, m := range v.names.Find(name) {
		out = append(out, Match{Role: m.Value, Name: m.Phrase})
	}
	if isPublicHost(name) {
		for _, r := range v.roles {
			if r.Hosts && !slices.ContainsFunc(out, func(m Match) bool { return m.Role == r.ID }) {
				out = append(out, Match{Role: r.ID, Name: "public host name"})
			}
		}
	}
	return out
}

// Gloss returns the vocabulary's English gloss of an endpoint name written in
// Japanese or Chinese ("" when it has none, or the name has no CJK in it).
func (v *Vocabulary) Gloss(name string) string {
	return v.glosses[phrase.Fold(name)]
}

// Flow returns the roles of both ends of f: the roles its source and
// destination name, and, for a side the document leaves empty, the roles the
// purpose (or service) names for it, as guesses. A guess is never a role the
// named side already has: "エージェントと配信サーバー間の通信" on a row to 配信サーバー
// guesses an agent as the source, not the distribution server again.
func (v *Vocabulary) Flow(f data.Flow) []data.EndpointRole {
	var out []data.EndpointRole
	src := v.Endpoint(f.Source)
	dst := v.Endpoint(f.Destination)
	for _, m := range src {
		out = append(out, data.EndpointRole{Side: data.SideSource, Role: m.Role, Name: m.Name})
	}
	for _, m := range dst {
		out = append(out, data.EndpointRole{Side: data.SideDestination, Role: m.Role, Name: m.Name})
	}
	srcEmpty, dstEmpty := strings.TrimSpace(f.Source) == "", strings.TrimSpace(f.Destination) == ""
	if srcEmpty == dstEmpty {
		// Both named (nothing to guess) or both empty (no side to guess for).
		return out
	}
	side, named := data.SideSource, dst
	if dstEmpty {
		side, named = data.SideDestination, src
	}
	seen := map[string]bool{}
	for _, m := range named {
		seen[m.Role] = true
	}
	for _, text := range []string{f.Purpose, f.Service} {
		for _, m := range v.purpose.Find(text) {
			if seen[m.Value] {
				continue
			}
			seen[m.Value] = true
			out = append(out, data.EndpointRole{Side: side, Role: m.Value, Name: m.Phrase, Guess: true})
		}
	}
	return out
}

// isPublicHost reports whether an endpoint is written as one Internet host: a
// URL, a host name or wildcard under a public (ICANN) suffix, or a public IP
// address. "HdxVideo.js" and "AMS server" are not.
func isPublicHost(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t") {
		return false
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		s = u.Hostname()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.IsGlobalUnicast() && !a.IsPrivate()
	}
	s = strings.TrimPrefix(strings.ToLower(s), "*.")
	if !strings.Contains(s, ".") {
		return false
	}
	// The last label must be a top-level domain ICANN delegates ("js" in
	// HdxVideo.js is not); a suffix run privately (azurewebsites.net) is on the
	// Internet all the same.
	tld := s[strings.LastIndexByte(s, '.')+1:]
	if _, icann := publicsuffix.PublicSuffix(tld); !icann {
		return false
	}
	suffix, _ := publicsuffix.PublicSuffix(s)
	return suffix != s
}
