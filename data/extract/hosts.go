package extract

import (
	"net"

	"golang.org/x/net/publicsuffix"
	"regexp"
	"strings"
)

// fileExtensions are top-level domains that are also common file extensions:
// a two-label name ending in one ("readme.md", "install.sh") is a file, not a
// host, unless it is written as a URL.
var fileExtensions = map[string]bool{
	"md": true, "sh": true, "py": true, "zip": true, "mov": true, "pl": true, "rs": true, "ps": true,
	"so": true, "cc": true, "in": true, "sc": true, "ai": true, "gz": true, "im": true, "to": true,
}

var (
	hostNameRe = regexp.MustCompile(`^(?:\*\.?)?(?:[a-z0-9*\[\]](?:[a-z0-9\-\[\].]*[a-z0-9\]])?\.)+([a-z]{2,})\.?$`)
	urlRe      = regexp.MustCompile(`^(https?)://([^/\s]+)(/\S*)?$`)
	urlInText  = regexp.MustCompile(`https?://[^\s,;)"'<>]+|(?:^|\s)\*\.[a-z0-9][a-z0-9.\-]*[a-z]`)
)

// hostKind returns the kind of a host token ("fqdn", "wildcard", "url", "ip") or ""
// if the token is not a host name, URL, wildcard or address.
func hostKind(tok string) string {
	t := strings.ToLower(strings.TrimRight(tok, ".;,"))
	if t == "" {
		return ""
	}
	host := t
	isURL := false
	if m := urlRe.FindStringSubmatch(t); m != nil {
		host, isURL = m[2], true
	} else if strings.Contains(t, "://") || strings.Contains(t, "/") {
		return ""
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	switch {
	case net.ParseIP(host) != nil:
		if isURL {
			return "url"
		}
		return "ip"
	case !hostNameRe.MatchString(host):
		return ""
	}
	if !knownSuffix(host, isURL) {
		return ""
	}
	switch {
	case strings.ContainsAny(host, "*["):
		return "wildcard"
	case isURL:
		return "url"
	}
	return "fqdn"
}

// HostKind returns the kind of a whole cell that is one host name, URL, wildcard
// or address ("fqdn", "url", "wildcard", "ip"), or "" for anything else (a role
// name, a sentence). data/rules uses it to list rows that name a host to allow.
func HostKind(cell string) string {
	if !looksLikeHost(cell) {
		return ""
	}
	return hostKind(strings.TrimSpace(cell))
}

// looksLikeHost reports whether a whole cell is one host name, URL, wildcard or
// address.
func looksLikeHost(cell string) bool {
	return !strings.ContainsAny(strings.TrimSpace(cell), " \t") && hostKind(cell) != ""
}

// hostsInList returns the hosts of a list item ("- play.google.com",
// "- 北米: gslb.secb2b.com; us-elm.secb2b.com;") and the label before a colon,
// if every token of the item is a host; otherwise nothing.
func hostsInList(item string) (hosts []string, label string) {
	s := item
	if i := strings.IndexAny(s, ":："); i >= 0 && !strings.Contains(s[:i], "/") && !strings.Contains(s[:i], ".") {
		label, s = strings.TrimSpace(s[:i]), s[i+len(string([]rune(s[i:])[0])):]
	}
	toks := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' || r == '、' })
	for _, t := range toks {
		if hostKind(t) == "" {
			return nil, ""
		}
		hosts = append(hosts, strings.TrimRight(t, "."))
	}
	return hosts, label
}

// hostsInProse returns the URLs and wildcards written in a sentence ("must have
// access to https://*.nssvc.net"). Bare names in prose are not taken: prose names
// many things that are not hosts to allow.
func hostsInProse(line string) []string {
	var out []string
	for _, m := range urlInText.FindAllString(line, -1) {
		m = strings.TrimSpace(strings.TrimRight(m, ".,;"))
		if hostKind(m) != "" {
			out = append(out, m)
		}
	}
	return out
}

// knownSuffix reports whether a name ends in a public suffix ICANN manages
// (com, co.jp, azure, ...) or one a private registry lists, per the public
// suffix list: "HdxVideo.js" and "Lmadmin.exe" are not host names.
func knownSuffix(host string, isURL bool) bool {
	name := strings.TrimPrefix(strings.TrimSuffix(host, "."), "*.")
	name = strings.TrimPrefix(name, "*")
	ps, icann := publicsuffix.PublicSuffix(name)
	if !icann && !strings.Contains(ps, ".") {
		return false
	}
	if !isURL && strings.Count(name, ".") == 1 && fileExtensions[ps] {
		return false
	}
	return true
}
