package data

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// transports are the protocol words that name a transport themselves.
var transports = map[string]string{
	"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "sctp": "SCTP", "gre": "GRE", "esp": "ESP",
}

// appTransports maps application words, as vendors write them in a Type or Port
// column, to the transports they run over. Keys are lower case.
var appTransports = map[string][]string{
	"http": {"TCP"}, "https": {"TCP"}, "ssh": {"TCP"}, "scp": {"TCP"}, "sftp": {"TCP"}, "ftp": {"TCP"},
	"smtp": {"TCP"}, "smtps": {"TCP"}, "imap": {"TCP"}, "pop3": {"TCP"},
	"ldap": {"TCP"}, "ldaps": {"TCP"}, "cldap": {"UDP"}, "tacacs": {"TCP"}, "tacacs+": {"TCP"},
	"rpc": {"TCP"}, "ms-rpc": {"TCP"}, "msrpc": {"TCP"}, "smb": {"TCP"}, "cifs": {"TCP"},
	"tsql": {"TCP"}, "winrm": {"TCP"}, "rdp": {"TCP"}, "vnc": {"TCP"}, "iscsi": {"TCP"},
	"kerberos": {"TCP", "UDP"}, "dns": {"TCP", "UDP"}, "nfs": {"TCP", "UDP"},
	"ntp": {"UDP"}, "snmp": {"UDP"}, "radius": {"UDP"}, "syslog": {"UDP"}, "tftp": {"UDP"},
	"dhcp": {"UDP"}, "ipfix": {"UDP"}, "netflow": {"UDP"},
}

// appPhrases are multi-word application names with a known transport.
var appPhrases = map[string][]string{
	"global catalog": {"TCP"},
}

// PortSpec is what one ports cell says, parsed.
type PortSpec struct {
	Ranges []PortRange
	// Protocols are the transports the cell implies: stated ones ("TCP 443",
	// "53 (TCP/UDP)"), or those of an application label with no stated transport
	// ("RPC over SMB 445").
	Protocols []string
	// Stated is true when the cell names a transport itself; then its transports
	// win over the application defaults of the protocol column.
	Stated bool
	// Apps are application labels written before port numbers ("LDAP", "CLDAP").
	Apps []string
	// Direction is set when the cell says so ("80 (Bidirectional)").
	Direction, DirectionRaw string
	// Marks are footnote marks after a number ("8020*" gives "*").
	Marks []string
}

var (
	portToken  = regexp.MustCompile(`(\b\d+)\s*(?:-|–|—|\.\.|~)\s*(\d+\b)|(\b\d+\b)(\*+)?|([A-Za-z][A-Za-z0-9+\-]*)`)
	parenGroup = regexp.MustCompile(`\(([^()]*)\)`)
)

// ParsePorts reads a ports cell as vendors write it: "80, 443", "5985/5986",
// "7801 7802 7803", "49152-65535", "49152- 65535", "49152–65535", "16500..16509",
// "80 (Bidirectional)", "53 (TCP/UDP)", "8020*", "LDAP TCP 389, CLDAP UDP 389",
// "RPC Endpoint Mapper TCP 135, RPC dynamic port range 49152-65535". A cell with no
// number ("N/A", "No reserved port", a sentence) gives no ranges and no error. A
// number above 65535 or a reversed range is an error.
func ParsePorts(cell string) (PortSpec, error) {
	var spec PortSpec
	s := Fold(cell)
	// Parenthesised annotations: transports, direction; anything else is a remark.
	for _, m := range parenGroup.FindAllStringSubmatch(s, -1) {
		for _, w := range wordsOf(m[1]) {
			if t, ok := transports[strings.ToLower(w)]; ok {
				spec.Protocols = appendUnique(spec.Protocols, t)
				spec.Stated = true
			}
			if d := directionWord(w); d != "" {
				spec.Direction, spec.DirectionRaw = d, w
			}
		}
	}
	s = parenGroup.ReplaceAllString(s, " ")
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '、' }) {
		var label []string
		var stated []string
		numbers := false
		for _, m := range portToken.FindAllStringSubmatch(seg, -1) {
			switch {
			case m[1] != "":
				from, to, err := portPair(m[1], m[2])
				if err != nil {
					return PortSpec{}, err
				}
				spec.Ranges = appendRange(spec.Ranges, PortRange{from, to})
				numbers = true
			case m[3] != "":
				p, err := portNumber(m[3])
				if err != nil {
					return PortSpec{}, err
				}
				spec.Ranges = appendRange(spec.Ranges, PortRange{p, p})
				if m[4] != "" && !slices.Contains(spec.Marks, m[4]) {
					spec.Marks = append(spec.Marks, m[4])
				}
				numbers = true
			default:
				if t, ok := transports[strings.ToLower(m[5])]; ok {
					stated = appendUnique(stated, t)
				} else if !numbers {
					label = append(label, m[5])
				}
			}
		}
		if !numbers {
			continue
		}
		if len(stated) > 0 {
			spec.Stated = true
			for _, t := range stated {
				spec.Protocols = appendUnique(spec.Protocols, t)
			}
		}
		if len(label) > 0 {
			l := strings.Join(label, " ")
			spec.Apps = appendUnique(spec.Apps, l)
			if len(stated) == 0 {
				for _, t := range appTransportsOf(l) {
					spec.Protocols = appendUnique(spec.Protocols, t)
				}
			}
		}
	}
	spec.Protocols = sortProtocols(spec.Protocols)
	return spec, nil
}

// ParseProtocols reads a Type or Protocol cell ("TCP, UDP", "TCP/UDP", "HTTPS",
// "SMTP(TLS)", "HTTPS UDP(音声通話・ビデオ通話)"). It returns the transports the
// cell states, the transports its application words imply, and the application
// part as written with the transport words taken out ("HTTPS").
func ParseProtocols(cell string) (stated, implied []string, app string) {
	s := Fold(cell)
	// Take out transport words with any remark attached to them: "UDP(音声通話)".
	rest := transportWithRemark.ReplaceAllStringFunc(s, func(m string) string {
		w := transportWithRemark.FindStringSubmatch(m)[1]
		stated = appendUnique(stated, transports[strings.ToLower(w)])
		return " "
	})
	app = strings.Trim(strings.Join(strings.Fields(rest), " "), " ,/;")
	implied = appTransportsOf(app)
	return sortProtocols(stated), sortProtocols(implied), app
}

var transportWithRemark = regexp.MustCompile(`(?i)\b(TCP|UDP|ICMP|SCTP|GRE|ESP)\b(\s*\([^()]*\))?`)

// appTransportsOf returns the transports implied by the application words in s.
func appTransportsOf(s string) []string {
	var out []string
	lower := strings.ToLower(s)
	for phrase, ts := range appPhrases {
		if strings.Contains(lower, phrase) {
			out = append(out, ts...)
		}
	}
	for _, w := range wordsOf(s) {
		out = append(out, appTransports[strings.ToLower(w)]...)
	}
	return sortProtocols(out)
}

// IsProtocolWord reports whether w is a transport or a known application word.
func IsProtocolWord(w string) bool {
	w = strings.ToLower(w)
	_, t := transports[w]
	_, a := appTransports[w]
	return t || a
}

var wordRe = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+\-]*`)

func wordsOf(s string) []string { return wordRe.FindAllString(s, -1) }

// Words returns the ASCII words of s ("LDAP TCP 389" gives LDAP, TCP), as the
// port parser sees them.
func Words(s string) []string { return wordsOf(s) }

// IsTransport reports whether w names a transport itself (TCP, UDP, ICMP, ...).
func IsTransport(w string) bool {
	_, ok := transports[strings.ToLower(w)]
	return ok
}

// DirectionWord maps inbound, outbound and bidirectional (any case) to a
// direction value, anything else to "".
func DirectionWord(w string) string { return directionWord(w) }

// SortProtocols returns the distinct protocols of ps in the order engineers list
// them: TCP, UDP, ICMP, then the rest alphabetically.
func SortProtocols(ps []string) []string { return sortProtocols(ps) }

func directionWord(w string) string {
	switch strings.ToLower(w) {
	case "bidirectional", "bi-directional":
		return Bidirectional
	case "inbound":
		return Inbound
	case "outbound":
		return Outbound
	}
	return ""
}

func portNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n > 65535 {
		return 0, fmt.Errorf("port %s is out of range 0-65535", s)
	}
	return n, nil
}

func portPair(a, b string) (int, int, error) {
	from, err := portNumber(a)
	if err != nil {
		return 0, 0, err
	}
	to, err := portNumber(b)
	if err != nil {
		return 0, 0, err
	}
	if from > to {
		return 0, 0, fmt.Errorf("port range %s-%s is reversed", a, b)
	}
	return from, to, nil
}

func appendRange(rs []PortRange, r PortRange) []PortRange {
	if slices.Contains(rs, r) {
		return rs
	}
	return append(rs, r)
}

func appendUnique(ss []string, s string) []string {
	if s == "" || slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}

// protocolRank orders protocols the way engineers list them: TCP, UDP, ICMP, then
// the rest alphabetically.
func protocolRank(p string) int {
	switch p {
	case "TCP":
		return 0
	case "UDP":
		return 1
	case "ICMP":
		return 2
	}
	return 3
}

func sortProtocols(ps []string) []string {
	out := []string{}
	for _, p := range ps {
		out = appendUnique(out, p)
	}
	slices.SortFunc(out, func(a, b string) int {
		if ra, rb := protocolRank(a), protocolRank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return out
}

// Fold normalises full-width and compatibility forms to their plain equivalents
// (８０２０ -> 8020, ＴＣＰ -> TCP), so a cell or a query means the same however
// it was typed.
func Fold(s string) string { return norm.NFKC.String(s) }

// PortRangeError says why a port filter as a user typed it ("443",
// "49152-65535") is not a port range. Callers word it for their audience.
type PortRangeError struct {
	Input    string // the number that is wrong, or the whole input
	Problem  string // NotAPort, OutOfRange or Reversed
	From, To int    // the range, when Reversed
}

// Problems a PortRangeError names.
const (
	NotAPort   = "not a port number"
	OutOfRange = "out of range"
	Reversed   = "reversed"
)

func (e *PortRangeError) Error() string {
	if e.Problem == Reversed {
		return fmt.Sprintf("port range %d-%d is reversed", e.From, e.To)
	}
	return fmt.Sprintf("port %q is %s", e.Input, e.Problem)
}

// ParsePortRange parses a port filter as a user types it: "443" or
// "49152-65535", space around the numbers ignored and full-width digits folded.
// It is the one parser of port filters, for the URL and for the search syntax.
func ParsePortRange(s string) (PortRange, error) {
	from, to, isRange := strings.Cut(strings.TrimSpace(Fold(s)), "-")
	a, err := parseTypedPort(from)
	if err != nil {
		return PortRange{}, err
	}
	if !isRange {
		return PortRange{a, a}, nil
	}
	b, err := parseTypedPort(to)
	if err != nil {
		return PortRange{}, err
	}
	if b < a {
		return PortRange{}, &PortRangeError{Input: s, Problem: Reversed, From: a, To: b}
	}
	return PortRange{a, b}, nil
}

func parseTypedPort(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 5 || strings.Trim(s, "0123456789") != "" {
		return 0, &PortRangeError{Input: s, Problem: NotAPort}
	}
	if _, err := portNumber(s); err != nil {
		return 0, &PortRangeError{Input: s, Problem: OutOfRange}
	}
	n, _ := strconv.Atoi(s)
	return n, nil
}
