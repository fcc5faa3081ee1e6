package filter

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
)

// MaxValues is how many values one filter may have, included and excluded
// each: more is refused.
const MaxValues = 32

// Filter selects flows: values of one field are ORed, fields ANDed, and an
// excluded value (-doc=citrix, -doc:citrix) leaves out what it would select.
// Values are kept valid and in canonical form, each field's sorted, so two
// filters that mean the same are equal and encode the same. The zero Filter
// selects everything. Methods that change a filter return a copy.
type Filter struct {
	// vals maps a field's key to its included values and "-"+key to its
	// excluded ones; never an empty slice.
	vals map[string][]string
}

// Error is a value a filter refuses. Its message names the parameter and is
// safe to show; Format and Args let a page show it in the
// user's language.
type Error struct {
	Key    string // the field's key
	Format string // "proto: unknown protocol %q (use one of %s)"
	Args   []any  // strings only
}

func (e *Error) Error() string { return fmt.Sprintf(e.Format, e.Args...) }

func errorf(key, format string, args ...any) *Error {
	return &Error{Key: key, Format: key + ": " + format, Args: args}
}

// Parse reads the filters of URL parameters: each field's key for values to
// include and "-"+key for values to exclude, each value a comma-separated
// list. Empty values are ignored (a form with an empty field sends them), as
// are parameters that are no filter. The error is an *Error.
func Parse(v url.Values) (Filter, error) {
	var f Filter
	for i := range Fields {
		fd := &Fields[i]
		for _, neg := range []bool{false, true} {
			k := fd.Key
			if neg {
				k = "-" + k
			}
			for _, raw := range v[k] {
				if err := f.add(fd, neg, raw); err != nil {
					return Filter{}, err
				}
			}
		}
	}
	return f, nil
}

// MustParse is Parse of a query string that must be valid ("doc=citrix&
// -proto=udp"): for filters written as literals, in tests most of all. It
// panics on an error.
func MustParse(query string) Filter {
	v, err := url.ParseQuery(query)
	if err == nil {
		var f Filter
		if f, err = Parse(v); err == nil {
			return f
		}
	}
	panic("filter: MustParse(" + query + "): " + err.Error())
}

// Add adds a comma-separated list of values to the field named name (its key
// or an alias), to exclude if neg: the search syntax's name:value and
// -name:value. The error is an *Error.
func (f *Filter) Add(name string, neg bool, values string) error {
	fd, ok := Lookup(name)
	if !ok {
		return &Error{Key: name, Format: "%s: there is no such filter", Args: []any{name}}
	}
	return f.add(fd, neg, values)
}

func (f *Filter) add(fd *Field, neg bool, raw string) error {
	return f.addLimited(fd, neg, raw, MaxValues)
}

// addLimited is add with at most max values a field.
func (f *Filter) addLimited(fd *Field, neg bool, raw string, max int) error {
	k := fd.Key
	if neg {
		k = "-" + k
	}
	for _, part := range strings.Split(data.Fold(raw), ",") {
		part = strings.Join(strings.Fields(part), " ")
		if part == "" {
			continue
		}
		v, err := canonical(fd, part)
		if err != nil {
			return err
		}
		list := f.vals[k]
		if slices.Contains(list, v) {
			continue
		}
		if len(list) >= max {
			return &Error{Key: fd.Key, Format: "%s: more than %d values", Args: []any{fd.Key, MaxValues}}
		}
		if f.vals == nil {
			f.vals = map[string][]string{}
		} else {
			f.vals = maps(f.vals)
		}
		list = append(slices.Clone(list), v)
		sortValues(fd, list)
		f.vals[k] = list
	}
	return nil
}

// canonical validates one value of fd and returns its canonical form.
func canonical(fd *Field, s string) (string, error) {
	switch fd.Kind {
	case KindSlug:
		s = strings.ToLower(s)
		if !IsSlug(s) {
			return "", errorf(fd.Key, "%q is not a "+fd.Noun+" name", s)
		}
	case KindEnum:
		for _, v := range fd.Values {
			if strings.EqualFold(v, s) {
				return v, nil
			}
		}
		if fd.Upper {
			s = strings.ToUpper(s)
		} else {
			s = strings.ToLower(s)
		}
		return "", errorf(fd.Key, "unknown "+fd.Noun+" %q (use one of %s)", s, strings.Join(fd.Values, ", "))
	case KindPort:
		p, err := ParsePort(s)
		if err != nil {
			return "", err
		}
		s = p.String()
	}
	return s, nil
}

// sortValues puts a field's values in their canonical order: ports by
// number, the others as strings.
func sortValues(fd *Field, list []string) {
	if fd.Kind != KindPort {
		slices.Sort(list)
		return
	}
	slices.SortFunc(list, func(a, b string) int { return comparePorts(mustPort(a), mustPort(b)) })
}

// maps returns a copy of m whose slices are its own, so that a change to
// the copy leaves m as it was.
func maps(m map[string][]string) map[string][]string {
	c := make(map[string][]string, len(m))
	for k, v := range m {
		c[k] = slices.Clip(v)
	}
	return c
}

// With returns f with values added to the field key, each validated as
// one value of a URL parameter is, but with no limit on their number: a
// filter built from data (a flow's ports
// and protocols, a document's slug) rather than typed.
func (f Filter) With(key string, values ...string) (Filter, error) {
	fd, ok := Lookup(key)
	if !ok {
		return f, &Error{Key: key, Format: "%s: there is no such filter", Args: []any{key}}
	}
	c := Filter{vals: f.vals}
	for _, v := range values {
		if err := c.addLimited(fd, false, strings.ReplaceAll(v, ",", " "), math.MaxInt); err != nil {
			return f, err
		}
	}
	return c, nil
}

// In returns the values of the field key to include, canonical and sorted.
func (f Filter) In(key string) []string { return f.vals[key] }

// Out returns the values of the field key to exclude.
func (f Filter) Out(key string) []string { return f.vals["-"+key] }

// Has reports whether value (canonical) is among the field's included values.
func (f Filter) Has(key, value string) bool { return slices.Contains(f.vals[key], value) }

// Excludes reports whether value (canonical) is among the field's excluded
// values.
func (f Filter) Excludes(key, value string) bool { return slices.Contains(f.vals["-"+key], value) }

// IsZero reports whether f selects everything.
func (f Filter) IsZero() bool { return len(f.vals) == 0 }

// Toggle returns f with value (canonical) of the field key included if it
// was not, and not if it was; no longer excluded either way. It is the link
// behind a facet value.
func (f Filter) Toggle(key, value string) Filter { return f.toggle(key, value, key, "-"+key) }

// ToggleOut returns f with value excluded if it was not and not if it was;
// no longer included either way: the link that leaves a facet value out.
func (f Filter) ToggleOut(key, value string) Filter { return f.toggle(key, value, "-"+key, key) }

func (f Filter) toggle(key, value, on, other string) Filter {
	fd, ok := Lookup(key)
	if !ok {
		return f
	}
	c := Filter{vals: maps(f.vals)}
	c.remove(other, value)
	if slices.Contains(c.vals[on], value) {
		c.remove(on, value)
		return c
	}
	list := append(slices.Clone(c.vals[on]), value)
	sortValues(fd, list)
	c.vals[on] = list
	return c
}

func (f *Filter) remove(k, value string) {
	i := slices.Index(f.vals[k], value)
	if i < 0 {
		return
	}
	list := slices.Delete(slices.Clone(f.vals[k]), i, i+1)
	if len(list) == 0 {
		delete(f.vals, k)
	} else {
		f.vals[k] = list
	}
}

// Without returns f with the field key (included and excluded values)
// removed.
func (f Filter) Without(keys ...string) Filter {
	c := Filter{vals: maps(f.vals)}
	for _, k := range keys {
		delete(c.vals, k)
		delete(c.vals, "-"+k)
	}
	if len(c.vals) == 0 {
		c.vals = nil
	}
	return c
}

// Merge returns the filter of f and g together: each field's values, and
// each field's excluded values, those of both (ORed, as a repeated URL
// parameter is).
func (f Filter) Merge(g Filter) Filter {
	if g.IsZero() {
		return f
	}
	c := Filter{vals: maps(f.vals)}
	if c.vals == nil {
		c.vals = map[string][]string{}
	}
	for i := range Fields {
		fd := &Fields[i]
		for _, k := range []string{fd.Key, "-" + fd.Key} {
			for _, v := range g.vals[k] {
				if !slices.Contains(c.vals[k], v) {
					list := append(slices.Clone(c.vals[k]), v)
					sortValues(fd, list)
					c.vals[k] = list
				}
			}
		}
	}
	return c
}

// Values returns f as URL parameters, in canonical form: Parse gives f back.
func (f Filter) Values() url.Values {
	v := url.Values{}
	for i := range Fields {
		fd := &Fields[i]
		for _, k := range []string{fd.Key, "-" + fd.Key} {
			for _, s := range f.vals[k] {
				if fd.Upper {
					s = strings.ToLower(s)
				}
				v.Add(k, s)
			}
		}
	}
	return v
}

// Encode returns f's canonical query string, without "?".
func (f Filter) Encode() string { return f.Values().Encode() }

// Each calls fn with every value of f, field by field in Fields' order,
// included values before excluded ones.
func (f Filter) Each(fn func(key string, excluded bool, value string)) {
	for _, fd := range Fields {
		for _, v := range f.vals[fd.Key] {
			fn(fd.Key, false, v)
		}
		for _, v := range f.vals["-"+fd.Key] {
			fn(fd.Key, true, v)
		}
	}
}

// FieldsNotIn returns the keys of f's fields (included or excluded) that are not
// among keys: what a page that applies only those fields must refuse.
func (f Filter) FieldsNotIn(keys ...string) []string {
	var out []string
	for _, fd := range Fields {
		if slices.Contains(keys, fd.Key) {
			continue
		}
		if len(f.vals[fd.Key]) > 0 || len(f.vals["-"+fd.Key]) > 0 {
			out = append(out, fd.Key)
		}
	}
	return out
}

// IsSlug reports whether s could name a document or section: lower-case
// letters, digits, '-', '_' and '.'.
func IsSlug(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
