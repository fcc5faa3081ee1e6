package data

import (
	"net"
	"regexp"
	"strings"
)

// tlds are the top-level domains a bare name must end in to count as a host name,
// so that "HdxVideo.js" or "Lmadmin.exe" are not taken for one.
var tlds = map[string]bool{
	"com": true, "net": true, "org": true, "io": true, "cn": true, "jp": true, "de": true,
	"uk": true, "us": true, "eu": true, "info": true, "biz": true, "dev": true, "app": true,
	"cloud": true, "gov": true, "edu": true, "co": true, "me": true, "tv": true, "ms": true,
	"azure": true, "microsoft": true, "google": true, "apple": true, "live": true,
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
	m := hostNameRe.FindStringSubmatch(host)
	if !tlds[m[1]] {
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
