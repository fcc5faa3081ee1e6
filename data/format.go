package data

import (
	"strconv"
	"strings"
)

// FormatPorts writes ranges the way engineers write them in a change request:
// "80, 443, 49152-65535". No ranges gives "".
func FormatPorts(ports []PortRange) string {
	var b strings.Builder
	for i, r := range ports {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.String())
	}
	return b.String()
}

// String formats the range as "443" or "49152-65535".
func (r PortRange) String() string {
	if r.From == r.To {
		return strconv.Itoa(r.From)
	}
	return strconv.Itoa(r.From) + "-" + strconv.Itoa(r.To)
}
