package csvout

import (
	"io"
	"strings"

	"github.com/portolan/portolan/data"
)

// HostHeader is the header row of the host CSV, in English whatever the UI
// language, as the flow CSV's.
func HostHeader() []string {
	return []string{"document", "section", "group", "host", "kind", "protocol", "ports", "purpose", "link"}
}

// hostPorts is the index of "ports" in HostHeader.
const hostPorts = 6

// Hosts writes hosts as CSV under HostHeader, their ports as text a
// spreadsheet keeps (see Ports); link(h) is the link column.
func Hosts(w io.Writer, hosts []data.Host, link func(data.Host) string) error {
	cw, err := NewWriter(w)
	if err != nil {
		return err
	}
	if err := cw.Write(HostHeader()); err != nil {
		return err
	}
	row := make([]string, 0, len(HostHeader()))
	for _, h := range hosts {
		row = append(row[:0], h.Doc, h.Section, h.Group, h.Name, h.Kind, strings.Join(h.Protocols, "/"),
			Ports(h.Ports, ""), h.Purpose, link(h))
		if err := cw.WriteKeeping(row, hostPorts); err != nil {
			return err
		}
	}
	return cw.Flush()
}
