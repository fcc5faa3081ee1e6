// Package filter is Portolan's one filter vocabulary: what doc=, proto=,
// port=, src= ... mean, wherever a user writes them. A Filter is parsed from
// URL parameters (Parse) or from the search syntax (Add, as search.ParseQuery
// reads proto:udp), validated once, and encoded back to one canonical query
// string (Encode), which the response cache, the facet links and the
// canonical link all use. The web pages, exports and API, the search syntax
// and the store share it, so a filter selects the same flows everywhere.
//
// Fields is the one table of filters: it drives parsing, validation, the
// help text and the messages of a refused value. Adding a filter is adding
// an entry to it (and teaching the store the column it selects on).
package filter

import (
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/roles"
)

// Kind says how a field's values are read and matched.
type Kind int

// Kinds of field.
const (
	// KindSlug values are lower-cased names of things: documents, sections.
	KindSlug Kind = iota
	// KindEnum values are one of Field.Values, in any case.
	KindEnum
	// KindPort values are a port or range with an optional protocol: 443,
	// 80-90, tcp/443, 443/udp.
	KindPort
	// KindWords values are words of a name, matched as whole words (MatchWords).
	KindWords
)

// None is the value of an Enum field with AllowNone that selects flows whose
// document states no value.
const None = "none"

// Field is one filter: its URL parameter (and search-syntax name) and how
// its values are read.
type Field struct {
	Key     string   // URL parameter and search-syntax name: "doc"
	Aliases []string // other names the search syntax accepts: "document"
	Kind    Kind
	// Values are what an Enum accepts, in their canonical spelling; Upper
	// says it is upper case (the URL still carries it lower-cased).
	Values []string
	Upper  bool
	Noun   string // what one value is, for messages: "document", "protocol"
	// Example is a search-syntax example, for the help text and messages.
	Example string
	// Facet says the flow listing shows counts of its values, each a link
	// that toggles it.
	Facet bool
}

// Protocols are the values proto= accepts: the transports the extractor
// maps every row to, and the other IP protocols a port table may name.
var Protocols = []string{"TCP", "UDP", "ICMP", "ICMPV6", "SCTP", "GRE", "ESP", "AH"}

// Fields are every filter, in the order pages list them.
var Fields = []Field{
	{Key: "doc", Aliases: []string{"document"}, Kind: KindSlug, Noun: "document", Example: "doc:citrix", Facet: true},
	{Key: "section", Kind: KindSlug, Noun: "section", Example: "section:citrix-adc", Facet: true},
	{Key: "proto", Aliases: []string{"protocol"}, Kind: KindEnum, Values: Protocols, Upper: true, Noun: "protocol", Example: "proto:udp", Facet: true},
	{Key: "port", Aliases: []string{"ports"}, Kind: KindPort, Noun: "port", Example: "port:443"},
	{Key: "req", Aliases: []string{"requirement"}, Kind: KindEnum, Noun: "requirement", Example: "req:required", Facet: true,
		Values: []string{data.Required, data.Recommended, data.Conditional, data.Optional, None}},
	{Key: "dir", Aliases: []string{"direction"}, Kind: KindEnum, Noun: "direction", Example: "dir:inbound", Facet: true,
		Values: []string{data.Inbound, data.Outbound, data.Bidirectional, None}},
	{Key: "src", Aliases: []string{"source"}, Kind: KindWords, Noun: "source", Example: `src:"AMS server"`, Facet: true},
	{Key: "dst", Aliases: []string{"destination"}, Kind: KindWords, Noun: "destination", Example: "dst:dc", Facet: true},
	// Roles of an endpoint (data/roles): role= either end, src_role= the
	// source, dst_role= the destination; guesses from the purpose included.
	{Key: "role", Kind: KindEnum, Values: roleIDs(), Noun: "role", Example: "role:domain-controller"},
	{Key: "src_role", Aliases: []string{"source_role"}, Kind: KindEnum, Values: roleIDs(), Noun: "role", Example: "src_role:admin-workstation"},
	{Key: "dst_role", Aliases: []string{"destination_role"}, Kind: KindEnum, Values: roleIDs(), Noun: "role", Example: "dst_role:dns-server"},
}

// roleIDs are the role filters' values: the vocabulary's role IDs.
func roleIDs() []string {
	var out []string
	for _, r := range roles.Default().Roles() {
		out = append(out, r.ID)
	}
	return out
}

// IsCanonical reports whether value is as the field key keeps it
// (Canonical(key, value) returns it unchanged). For a slug that is being a
// slug, told without building a Filter: a listing checks every section
// name of a dataset once (65,000 at a million flows).
func IsCanonical(key, value string) bool {
	if fd, ok := Lookup(key); ok && fd.Kind == KindSlug {
		return IsSlug(value)
	}
	c, err := Canonical(key, value)
	return err == nil && c == value
}

// Canonical returns value as the field key keeps it: what a facet's link
// carries for a value the store counted.
func Canonical(key, value string) (string, error) {
	f, err := Filter{}.With(key, value)
	if err != nil {
		return "", err
	}
	if vals := f.In(key); len(vals) == 1 {
		return vals[0], nil
	}
	return "", errorf(key, "%q is not one value", value)
}

// IsParam reports whether the URL parameter k is a filter's: a field's key,
// or "-" and the key.
func IsParam(k string) bool {
	k = strings.TrimPrefix(k, "-")
	for i := range Fields {
		if Fields[i].Key == k {
			return true
		}
	}
	return false
}

// Lookup finds a field by its key or, in the search syntax, an alias, in
// any case.
func Lookup(name string) (*Field, bool) {
	name = strings.ToLower(name)
	for i := range Fields {
		f := &Fields[i]
		if f.Key == name {
			return f, true
		}
		for _, a := range f.Aliases {
			if a == name {
				return f, true
			}
		}
	}
	return nil, false
}

// Help is the filters in the search syntax in a few lines, from Fields.
func Help() string {
	ex := make([]string, len(Fields))
	for i, f := range Fields {
		ex[i] = f.Example
	}
	return "Filters, the same as the filters beside the listing: " + strings.Join(ex, "  ") + ".\n" +
		"Ports: port:443,80  port:80-90  port:tcp/443  port:443/udp.\n" +
		"Values of one filter are ORed (proto:tcp,udp); different filters all apply; -doc:citrix leaves a value out.\n" +
		"src: and dst: match whole words of the name: dst:dc finds DC and DCs, not Citrix ADC."
}
