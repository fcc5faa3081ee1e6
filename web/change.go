package web

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/rules"
	"github.com/portolan/portolan/data/rules/encode"
)

// Limits on /change's own parameters (the flow filters keep theirs).
const (
	maxChangeQueryBytes = 32 << 10 // the whole raw query: a mapping of many endpoints
	maxMapValueBytes    = 2000     // one endpoint's values
	maxExcluded         = 2000     // x: flows left out
)

// mapPrefix starts the parameter that maps one endpoint: m.<endpoint name>=values.
const mapPrefix = "m."

// changeQuery is a change request as its URL says: the flow filters of
// /flows, the flows left out, and the endpoint mapping as typed.
type changeQuery struct {
	Flows   FlowQuery
	flowRaw url.Values // the flow parameters as given, for flowListing
	Exclude []string   // x: flow IDs, sorted
	Map     []mapField // m.<name>: in name order
	Lang    string     // lang, carried on
}

// mapField is one endpoint's mapping as typed, and what it reads as.
type mapField struct {
	Name   string
	Text   string
	Values []rules.Value
	Err    string // why Text could not be read; "" if it could
}

// parseChangeQuery reads /change's parameters. Flow filters are validated as
// /flows validates them; a mapping value that is not an address is not an
// error here: it is kept, with its reason, to show beside its input.
func parseChangeQuery(v url.Values) (changeQuery, error) {
	var c changeQuery
	// Every parameter but /change's own is the listing's, read as /flows reads it.
	c.flowRaw = url.Values{}
	for k, vals := range v {
		if k != "x" && k != "lang" && !strings.HasPrefix(k, mapPrefix) {
			c.flowRaw[k] = vals
		}
	}
	var err error
	if c.Flows, err = ParseFlowQuery(c.flowRaw); err != nil {
		return c, err
	}
	if len(v["lang"]) > 0 {
		c.Lang = v.Get("lang")
	}
	ids := values(v, "x")
	if len(ids) > maxExcluded {
		return c, badRequest("x: more than %d flows left out", maxExcluded)
	}
	for _, id := range ids {
		if !isFlowID(id) {
			return c, badRequest("x: %q is not a flow ID", id)
		}
		if !slices.Contains(c.Exclude, id) {
			c.Exclude = append(c.Exclude, id)
		}
	}
	sort.Strings(c.Exclude)
	seen := map[string]string{}
	for k, vals := range v {
		name, ok := strings.CutPrefix(k, mapPrefix)
		if !ok {
			continue
		}
		name = strings.Join(strings.Fields(name), " ")
		switch {
		case name == "":
			return c, badRequest("m.: a mapping parameter needs an endpoint name after m.")
		case len(name) > rules.MaxNameBytes || !utf8.ValidString(name):
			return c, badRequest("m.: an endpoint name is longer than %d bytes or not UTF-8", rules.MaxNameBytes)
		case len(vals) > 1:
			return c, badRequest("%s: given %d times, give it once", k, len(vals))
		}
		text := strings.TrimSpace(vals[0])
		if text == "" {
			continue // an empty input: not mapped
		}
		if len(text) > maxMapValueBytes || !utf8.ValidString(text) {
			return c, badRequest("%s: longer than %d bytes or not UTF-8", k, maxMapValueBytes)
		}
		key := rules.Key(name)
		if other, dup := seen[key]; dup {
			return c, badRequest("m.%s and m.%s map the same endpoint: give it once", other, name)
		}
		seen[key] = name
		f := mapField{Name: name, Text: text}
		if f.Values, err = rules.ParseValues(text); err != nil {
			f.Err = err.Error()
		}
		c.Map = append(c.Map, f)
	}
	if len(c.Map) > rules.MaxEntries {
		return c, badRequest("m.: more than %d endpoints mapped", rules.MaxEntries)
	}
	sort.Slice(c.Map, func(i, j int) bool { return c.Map[i].Name < c.Map[j].Name })
	return c, nil
}

// isFlowID reports whether s can be a flow ID (what the extractor makes:
// letters, digits, - and _).
func isFlowID(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// mapping is the mapping the query's readable values make.
func (c changeQuery) mapping() rules.Mapping {
	var m rules.Mapping
	for _, f := range c.Map {
		if f.Err == "" {
			m.Set(f.Name, f.Values)
		}
	}
	return m
}

// field returns the mapping typed for an endpoint name.
func (c changeQuery) field(name string) (mapField, bool) {
	k := rules.Key(name)
	for _, f := range c.Map {
		if rules.Key(f.Name) == k {
			return f, true
		}
	}
	return mapField{}, false
}

// Values is the canonical query: the flow filters as /flows writes them,
// excluded IDs sorted, mappings by name, empty ones left out.
func (c changeQuery) Values() url.Values {
	v := exportQuery(c.Flows).Values()
	delete(v, "sort")
	if len(c.Exclude) > 0 {
		v["x"] = slices.Clone(c.Exclude)
	}
	for _, f := range c.Map {
		v.Set(mapPrefix+f.Name, f.Text)
	}
	if c.Lang != "" {
		v.Set("lang", c.Lang)
	}
	return v
}

// URL is path with the canonical query.
func (c changeQuery) URL(path string) string {
	if e := c.Values().Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// changePageData is what the /change page shows.
type changePageData struct {
	Query     changeQuery
	Req       *rules.Request
	Flows     []data.Flow // the selection, excluded flows included
	Excluded  map[string]bool
	Endpoints []endpointField
	Extra     []mapField // mappings of endpoints not in this request, carried on
	BadValues int
	Langs     map[string]string
}

// endpointField is one endpoint's input on the page.
type endpointField struct {
	E     *rules.Endpoint
	Field mapField // as typed (Text "" when nothing is)
	Input string   // the input's name: m.<name>
	ID    string   // the input's id
	Rules int      // how many rules name it
}

// changeRequest reads a /change request's selection and builds its request.
func (s *Server) changeRequest(r *http.Request) (changeQuery, []data.Flow, *rules.Request, error) {
	if len(r.URL.RawQuery) > maxChangeQueryBytes {
		return changeQuery{}, nil, nil, badRequest("query string longer than %d bytes", maxChangeQueryBytes)
	}
	raw, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return changeQuery{}, nil, nil, badRequest("the query string cannot be read: %v", err)
	}
	c, err := parseChangeQuery(raw)
	if err != nil {
		return c, nil, nil, err
	}
	// The flow filters go through what /flows uses, search included.
	fr := r.Clone(r.Context())
	fr.URL.RawQuery = c.flowRaw.Encode()
	_, _, _, ff, err := s.flowListing(fr, true)
	if err != nil {
		return c, nil, nil, err
	}
	flows, opt, err := changeFlows(r.Context(), s.db, ff, baseURL(r))
	if err != nil {
		return c, nil, nil, err
	}
	return c, flows, rules.Build(without(flows, c.Exclude), c.mapping(), opt), nil
}

// handleChange serves /change: the change request of a listing.
func (s *Server) handleChange(w http.ResponseWriter, r *http.Request) error {
	c, flows, req, err := s.changeRequest(r)
	if err != nil {
		return err
	}
	// A submitted form sends every input, empty ones too: answer with the
	// canonical deep link, which reproduces the same request.
	if canon := c.Values().Encode(); canon != r.URL.RawQuery {
		http.Redirect(w, r, c.URL("/change"), http.StatusSeeOther)
		return nil
	}
	langs, err := s.storeOf(r.Context()).DocLanguages(r.Context())
	if err != nil {
		return err
	}
	d := changePageData{Query: c, Req: req, Flows: flows, Excluded: map[string]bool{}, Langs: langs}
	for _, id := range c.Exclude {
		d.Excluded[id] = true
	}
	counts := map[*rules.Endpoint]int{}
	for _, ru := range req.Rules {
		counts[ru.Source]++
		if ru.Destination != ru.Source {
			counts[ru.Destination]++
		}
	}
	shown := map[string]bool{}
	for i, e := range req.Endpoints {
		f, _ := c.field(e.Name)
		if f.Err != "" {
			d.BadValues++
		}
		shown[e.Key] = true
		d.Endpoints = append(d.Endpoints, endpointField{E: e, Field: f, Input: mapPrefix + fieldName(e.Name, f), ID: "ep-" + strconv.Itoa(i+1), Rules: counts[e]})
	}
	for _, f := range c.Map {
		if !shown[rules.Key(f.Name)] {
			d.Extra = append(d.Extra, f)
		}
	}
	return s.render(w, r, changePage(d))
}

// fieldName is the name an endpoint's input sends: as the URL already wrote
// it, if it did, so that the canonical link does not change on a submit.
func fieldName(name string, f mapField) string {
	if f.Name != "" {
		return f.Name
	}
	return name
}

// handleChangeDownload serves /change.<ext>: the change request in one format.
func (s *Server) handleChangeDownload(f encode.Format) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, _, req, err := s.changeRequest(r)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, req); err != nil {
			return err
		}
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "portolan-change" + f.Ext}))
		return s.send(w, r, f.ContentType, buf.Bytes())
	}
}

// handleChangeMapping serves /change/mapping.txt: the request's endpoints as a
// mapping file (their values as typed, empty for those not mapped), and the
// other mappings the URL carries.
func (s *Server) handleChangeMapping(w http.ResponseWriter, r *http.Request) error {
	c, _, req, err := s.changeRequest(r)
	if err != nil {
		return err
	}
	var m rules.Mapping
	for _, e := range req.Endpoints {
		m.Set(e.Name, e.Values)
	}
	for _, f := range c.Map {
		if _, listed := m.Lookup(f.Name); !listed && f.Err == "" {
			m.Set(f.Name, f.Values)
		}
	}
	var buf bytes.Buffer
	if err := rules.WriteMapping(&buf, m); err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "portolan-mapping.txt"}))
	return s.send(w, r, "text/plain; charset=utf-8", buf.Bytes())
}

// maxUploadBytes bounds a mapping upload's request body: the file and the form around it.
const maxUploadBytes = rules.MaxMappingBytes + 16<<10

// handleChangeUpload takes a mapping file (POST /change/mapping, multipart
// field "mapping") and answers with the change request's deep link with the
// file's mappings in it: what the file maps replaces what the URL mapped. A
// file that cannot be read is a 400 naming its lines; nothing is half applied.
func (s *Server) handleChangeUpload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return badRequest("mapping: the file is larger than %d bytes", rules.MaxMappingBytes)
		}
		return badRequest("mapping: send the file as multipart/form-data in the field mapping")
	}
	file, _, err := r.FormFile("mapping")
	if err != nil {
		return badRequest("mapping: no file was sent; choose a mapping file")
	}
	defer file.Close()
	m, err := rules.ParseMapping(file)
	if err != nil {
		return badRequest("mapping: %s", err.Error())
	}
	if len(r.URL.RawQuery) > maxChangeQueryBytes {
		return badRequest("query string longer than %d bytes", maxChangeQueryBytes)
	}
	raw, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("the query string cannot be read: %v", err)
	}
	c, err := parseChangeQuery(raw)
	if err != nil {
		return err
	}
	for _, e := range m.Entries() {
		c.Map = slices.DeleteFunc(c.Map, func(f mapField) bool { return rules.Key(f.Name) == rules.Key(e.Name) })
		if len(e.Values) > 0 {
			c.Map = append(c.Map, mapField{Name: e.Name, Text: rules.FormatValues(e.Values), Values: e.Values})
		}
	}
	sort.Slice(c.Map, func(i, j int) bool { return c.Map[i].Name < c.Map[j].Name })
	http.Redirect(w, r, c.URL("/change"), http.StatusSeeOther)
	return nil
}

// changeLink is the "Build change request" link of a listing: /change with
// the listing's filters.
func changeLink(q FlowQuery) string {
	return changeQuery{Flows: exportQuery(q)}.URL("/change")
}
