package filter

import (
	"errors"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// Port is one value of the port filter: a port or range, and the protocol it
// must be open on if one was given (443/tcp). A flow matches when one of its
// ranges overlaps Range and, with a Proto, it names that protocol.
type Port struct {
	data.PortRange
	Proto string // upper case, one of Protocols; "" for any
}

// portMessages are what ParsePort says of a port it refuses, after "port: ".
var portMessages = []string{
	"unknown protocol %q in %q (use one of %s)",
	"range %s-%s is reversed (write %s-%s)",
	"%s is out of range 0-65535",
	"%q is not a port number",
}

// ParsePort reads a port as a user writes it: 443, 80-90, tcp/443, 443/udp,
// TCP 443, full-width digits folded. The error is an *Error naming port.
func ParsePort(s string) (Port, error) {
	s = strings.TrimSpace(data.Fold(s))
	var p Port
	num := s
	if a, b, ok := strings.Cut(s, "/"); ok {
		// tcp/443 or 443/tcp: the protocol is the side with a letter.
		num, p.Proto = a, b
		if strings.ContainsAny(strings.ToLower(a), "abcdefghijklmnopqrstuvwxyz") {
			num, p.Proto = b, a
		}
	} else if w := strings.Fields(s); len(w) == 2 && strings.Trim(w[0], "0123456789-") != "" {
		num, p.Proto = w[1], w[0] // TCP 443
	} else if len(w) == 2 && strings.Trim(w[1], "0123456789-") != "" {
		num, p.Proto = w[0], w[1] // 443 tcp
	}
	if p.Proto != "" {
		proto := strings.ToUpper(strings.TrimSpace(p.Proto))
		p.Proto = ""
		for _, v := range Protocols {
			if v == proto {
				p.Proto = v
			}
		}
		if p.Proto == "" {
			return Port{}, errorf("port", portMessages[0], proto, s, strings.Join(Protocols, ", "))
		}
	}
	r, err := data.ParsePortRange(num)
	var pe *data.PortRangeError
	if errors.As(err, &pe) {
		switch pe.Problem {
		case data.Reversed:
			from, to := strconv.Itoa(pe.From), strconv.Itoa(pe.To)
			return Port{}, errorf("port", portMessages[1], from, to, to, from)
		case data.OutOfRange:
			return Port{}, errorf("port", portMessages[2], pe.Input)
		}
		return Port{}, errorf("port", portMessages[3], pe.Input)
	}
	if err != nil {
		return Port{}, errorf("port", portMessages[3], s)
	}
	p.PortRange = r
	return p, nil
}

// String is the port's canonical form: 443, 80-90, 443/tcp.
func (p Port) String() string {
	if p.Proto == "" {
		return p.PortRange.String()
	}
	return p.PortRange.String() + "/" + strings.ToLower(p.Proto)
}

// Ports reads canonical port values (a Filter's In("port") or Out("port")).
func Ports(vals []string) []Port {
	out := make([]Port, len(vals))
	for i, v := range vals {
		out[i] = mustPort(v)
	}
	return out
}

// Ranges are the port ranges of ps, protocols left out.
func Ranges(ps []Port) []data.PortRange {
	out := make([]data.PortRange, len(ps))
	for i, p := range ps {
		out[i] = p.PortRange
	}
	return out
}

// mustPort parses a value this package wrote.
func mustPort(s string) Port {
	p, err := ParsePort(s)
	if err != nil {
		panic("filter: canonical port " + s + ": " + err.Error())
	}
	return p
}

// comparePorts orders ports by range, then protocol (none first).
func comparePorts(a, b Port) int {
	switch {
	case a.From != b.From:
		return a.From - b.From
	case a.To != b.To:
		return a.To - b.To
	}
	return strings.Compare(a.Proto, b.Proto)
}
