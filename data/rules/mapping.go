package rules

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"go4.org/netipx"

	"github.com/portolan/portolan/data"
)

// Kind says what a mapped value is.
type Kind int

// The kinds of value an endpoint can be mapped to.
const (
	Any    Kind = iota + 1 // "any", only when typed
	Prefix                 // an address ("10.0.0.5", "2001:db8::5") or a CIDR ("10.0.0.0/24")
	Range                  // an address range ("10.0.0.5-10.0.0.9")
	Host                   // a DNS host name ("adm.example.com")
	Object                 // the name of an object the firewall already has ("ADM_SERVERS")
)

// Value is one thing an endpoint is mapped to, validated.
type Value struct {
	Kind   Kind
	Text   string         // canonical text: "10.0.0.5", "10.0.0.0/24", "10.0.0.5-10.0.0.9", "adm.example.com"
	Prefix netip.Prefix   // Kind Prefix: a single address is a /32 or /128
	Range  netipx.IPRange // Kind Range
}

// Prefixes returns the CIDR blocks the value covers, for Prefix and Range
// values (a range as the fewest prefixes that cover it exactly); nil otherwise.
func (v Value) Prefixes() []netip.Prefix {
	switch v.Kind {
	case Prefix:
		return []netip.Prefix{v.Prefix}
	case Range:
		return v.Range.Prefixes()
	}
	return nil
}

// Is6 reports whether an address value is IPv6.
func (v Value) Is6() bool {
	switch v.Kind {
	case Prefix:
		return v.Prefix.Addr().Is6()
	case Range:
		return v.Range.From().Is6()
	}
	return false
}

// Limits on a mapping: a larger one is refused with a message, never truncated.
const (
	MaxMappingBytes = 256 << 10 // a mapping file
	MaxEntries      = 2000      // endpoints in a mapping
	MaxValues       = 64        // values of one endpoint
	MaxNameBytes    = 300       // an endpoint name
)

var (
	objectRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]{0,62}$`)
	labelRe  = regexp.MustCompile(`^[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?$`)
)

// ParseValue reads one value as an engineer types it: an IPv4 or IPv6 address,
// a CIDR prefix (host bits clear), a range "first-last" of one family, a DNS
// host name (with a dot), a firewall object name (letters, digits, _ and -, no
// dot) or the word any. Addresses are read with net/netip; the error says what
// is wrong with the value in words a user can act on.
func ParseValue(s string) (Value, error) {
	s = strings.TrimSpace(data.Fold(s))
	switch {
	case s == "":
		return Value{}, errors.New("empty value")
	case strings.EqualFold(s, "any"):
		return Value{Kind: Any, Text: "any"}, nil
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return Value{}, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/24 or 2001:db8::/64", s)
		}
		if p.Addr().Zone() != "" {
			return Value{}, fmt.Errorf("%q: an address with a zone (%%%s) cannot go in a firewall rule", s, p.Addr().Zone())
		}
		if p.Masked() != p {
			return Value{}, fmt.Errorf("%q has bits set after the prefix length: did you mean %s?", s, p.Masked())
		}
		return Value{Kind: Prefix, Text: p.String(), Prefix: p}, nil
	case strings.Contains(s, "-") && strings.ContainsAny(s, ".:") && isAddrish(s):
		a, b, _ := strings.Cut(s, "-")
		from, err1 := netip.ParseAddr(strings.TrimSpace(a))
		to, err2 := netip.ParseAddr(strings.TrimSpace(b))
		switch {
		case err1 != nil:
			return Value{}, fmt.Errorf("%q: the range's first address %q is not an address", s, strings.TrimSpace(a))
		case err2 != nil:
			return Value{}, fmt.Errorf("%q: the range's last address %q is not an address", s, strings.TrimSpace(b))
		case from.Is4() != to.Is4():
			return Value{}, fmt.Errorf("%q: a range's ends must both be IPv4 or both IPv6", s)
		case from.Zone() != "" || to.Zone() != "":
			return Value{}, fmt.Errorf("%q: an address with a zone cannot go in a firewall rule", s)
		case to.Less(from):
			return Value{}, fmt.Errorf("%q: the range ends before it starts", s)
		}
		r := netipx.IPRangeFrom(from, to)
		if from == to {
			p := netip.PrefixFrom(from, from.BitLen())
			return Value{Kind: Prefix, Text: from.String(), Prefix: p}, nil
		}
		return Value{Kind: Range, Text: from.String() + "-" + to.String(), Range: r}, nil
	case strings.Contains(s, "%") && strings.Contains(s, ":"):
		return Value{}, fmt.Errorf("%q: an address with a zone (after %%) cannot go in a firewall rule", s)
	case isAddrish(s):
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Value{}, fmt.Errorf("%q is not an IP address (%s)", s, addrProblem(err))
		}
		if a.Zone() != "" {
			return Value{}, fmt.Errorf("%q: an address with a zone (%%%s) cannot go in a firewall rule", s, a.Zone())
		}
		a = a.Unmap()
		return Value{Kind: Prefix, Text: a.String(), Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	case strings.Contains(strings.TrimSuffix(s, "."), "."):
		h := strings.ToLower(strings.TrimSuffix(s, "."))
		if len(h) > 253 {
			return Value{}, fmt.Errorf("%q is longer than a host name can be (253 characters)", s)
		}
		labels := strings.Split(h, ".")
		if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
			return Value{}, fmt.Errorf("%q is not an IPv4 address (it needs four numbers 0-255) nor a host name", s)
		}
		for _, l := range labels {
			if !labelRe.MatchString(l) {
				return Value{}, fmt.Errorf("%q is not an address or a host name: %q is not a DNS label (letters, digits and -, up to 63)", s, l)
			}
		}
		return Value{Kind: Host, Text: h}, nil
	case objectRe.MatchString(s):
		return Value{Kind: Object, Text: s}, nil
	}
	return Value{}, fmt.Errorf("%q is not an address, CIDR, range, host name, object name (letters, digits, _ and -) or any", s)
}

// isAddrish reports whether s is made of the characters of addresses and
// ranges only (digits, hex letters, dots, colons, a dash), so that a typo in
// an address ("10.0.0.300") is reported as a bad address, not taken for a
// host name.
func isAddrish(s string) bool {
	digits := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r == '.' || r == ':' || r == '-' || r == ' ' || r == '%':
		case (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F'):
			if !strings.Contains(s, ":") {
				return false
			}
		default:
			return false
		}
	}
	return digits && strings.Count(s, ".") >= 3 || strings.Contains(s, ":")
}

// addrProblem turns a net/netip parse error into its reason, without the
// function name it starts with.
func addrProblem(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}

// ParseValues reads a comma- or space-separated list of values. "any" cannot be
// combined with other values; repeated values are kept once. An empty list is
// not an error: it leaves the endpoint unmapped.
func ParseValues(s string) ([]Value, error) {
	var out []Value
	fields := strings.FieldsFunc(data.Fold(s), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' })
	// A range may be typed with spaces around its dash: "10.0.0.1 - 10.0.0.9".
	for i := 0; i < len(fields); i++ {
		if fields[i] == "-" && i > 0 && i+1 < len(fields) {
			fields[i-1] += "-" + fields[i+1]
			fields = slices.Delete(fields, i, i+2)
			i--
		}
	}
	for _, f := range fields {
		v, err := ParseValue(f)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(o Value) bool { return o.Text == v.Text }) {
			out = append(out, v)
		}
	}
	if len(out) > MaxValues {
		return nil, fmt.Errorf("more than %d values", MaxValues)
	}
	if len(out) > 1 && slices.ContainsFunc(out, func(v Value) bool { return v.Kind == Any }) {
		return nil, errors.New("any cannot be combined with other values: it already means every address")
	}
	return out, nil
}

// FormatValues writes values back as ParseValues reads them: "10.0.0.5, 10.0.0.0/24".
func FormatValues(vs []Value) string {
	texts := make([]string, len(vs))
	for i, v := range vs {
		texts[i] = v.Text
	}
	return strings.Join(texts, ", ")
}

// Key is the identity of an endpoint name: the same words in any case, spacing
// or width name the same endpoint ("AMS server", "AMS  Server"), as the
// diagrams group them. A mapping is keyed by it, so it can hold keys that are
// not endpoint names as written (a role, "role:dns-server", later).
func Key(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(data.Fold(name)), " "))
}

// Mapping says which addresses each endpoint name stands for. The zero value is
// an empty mapping.
type Mapping struct {
	entries map[string]Entry
	order   []string // keys in the order they were set
}

// Entry is one endpoint's line of a mapping: the name as the user (or the
// document) wrote it, and its values; no values means not mapped.
type Entry struct {
	Name   string
	Values []Value
}

// Set maps the endpoint name to values (none: listed but not mapped), replacing
// what the name was mapped to before.
func (m *Mapping) Set(name string, values []Value) {
	if m.entries == nil {
		m.entries = map[string]Entry{}
	}
	k := Key(name)
	if _, ok := m.entries[k]; !ok {
		m.order = append(m.order, k)
	}
	m.entries[k] = Entry{Name: strings.Join(strings.Fields(name), " "), Values: values}
}

// Lookup returns the values an endpoint name is mapped to; ok is false when the
// name is not mapped (absent, or listed with no value).
func (m Mapping) Lookup(name string) (values []Value, ok bool) {
	e, found := m.entries[Key(name)]
	return e.Values, found && len(e.Values) > 0
}

// Entries returns the mapping's lines in the order they were set.
func (m Mapping) Entries() []Entry {
	out := make([]Entry, 0, len(m.order))
	for _, k := range m.order {
		out = append(out, m.entries[k])
	}
	return out
}

// Len is the number of endpoints the mapping lists (mapped or not).
func (m Mapping) Len() int { return len(m.order) }

// LineError is a mapping file line that could not be read.
type LineError struct {
	Line int
	Name string // the endpoint, when the line got that far
	Err  error
}

func (e *LineError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("line %d: %s: %v", e.Line, e.Name, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ParseMapping reads a mapping file:
//
//	# comment lines start with #; blank lines are ignored
//	Citrix ADM = 10.0.0.5, 2001:db8::5
//	Citrix ADC NSIP = 10.1.0.10-10.1.0.12
//	NTP Server = any
//	LDAP external authentication server =
//
// one endpoint per line: its name, "=", and its values as ParseValues reads
// them (nothing after "=" lists the endpoint unmapped). The name is everything
// before the last "=", matched as Key says. Every bad line is reported (with
// its number), up to ten, joined; a mapping with an error is not returned.
func ParseMapping(r io.Reader) (Mapping, error) {
	var m Mapping
	lr := &io.LimitedReader{R: r, N: MaxMappingBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, 4096), MaxMappingBytes+1)
	var errs []error
	seen := map[string]int{}
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndex(line, "=")
		if i < 0 {
			errs = append(errs, &LineError{Line: n, Err: errors.New(`want "endpoint name = value, value"`)})
			continue
		}
		name := strings.TrimSpace(line[:i])
		switch {
		case name == "":
			errs = append(errs, &LineError{Line: n, Err: errors.New("no endpoint name before =")})
			continue
		case len(name) > MaxNameBytes:
			errs = append(errs, &LineError{Line: n, Err: fmt.Errorf("endpoint name longer than %d bytes", MaxNameBytes)})
			continue
		}
		if first, dup := seen[Key(name)]; dup {
			errs = append(errs, &LineError{Line: n, Name: name, Err: fmt.Errorf("already mapped on line %d", first)})
			continue
		}
		seen[Key(name)] = n
		vs, err := ParseValues(line[i+1:])
		if err != nil {
			errs = append(errs, &LineError{Line: n, Name: name, Err: err})
			continue
		}
		if m.Len() >= MaxEntries {
			return Mapping{}, fmt.Errorf("more than %d endpoints", MaxEntries)
		}
		m.Set(name, vs)
		if len(errs) >= 10 {
			break
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Mapping{}, fmt.Errorf("mapping larger than %d bytes", MaxMappingBytes)
		}
		return Mapping{}, err
	}
	if lr.N <= 0 {
		return Mapping{}, fmt.Errorf("mapping larger than %d bytes", MaxMappingBytes)
	}
	if len(errs) > 0 {
		return Mapping{}, errors.Join(errs...)
	}
	return m, nil
}

// WriteMapping writes m in the format ParseMapping reads, with a comment header
// saying how to fill it in. Names and values are written as they are; a line
// with no value lists an endpoint still to be mapped.
func WriteMapping(w io.Writer, m Mapping) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("# Portolan endpoint mapping: one endpoint per line, \"name = value, value\".\n")
	bw.WriteString("# Values: IPv4/IPv6 addresses, CIDRs (10.0.0.0/24), ranges (10.0.0.5-10.0.0.9),\n")
	bw.WriteString("# host names (adm.example.com), firewall object names (ADM_SERVERS), or any.\n")
	bw.WriteString("# An endpoint with nothing after = is not mapped: its rules stay placeholders.\n")
	for _, e := range m.Entries() {
		bw.WriteString(e.Name)
		bw.WriteString(" =")
		if len(e.Values) > 0 {
			bw.WriteString(" ")
			bw.WriteString(FormatValues(e.Values))
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}
