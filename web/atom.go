package web

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/portolan/portolan/store"
)

// atomFeed is an Atom 1.0 feed (RFC 4287) of changes.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title   string     `xml:"title"`
	ID      string     `xml:"id"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Summary string     `xml:"summary"`
}

// atom writes the changes cs as an Atom feed whose HTML page is at path; the
// feed is at path + ".atom". Entries link to each diff page and its CSV.
func (s *Server) atom(w http.ResponseWriter, r *http.Request, title, path string, cs []store.ChangeSummary,
	docs map[string]store.DocSummary) error {
	base := baseURL(r)
	f := atomFeed{Title: title, ID: base + path, Author: atomAuthor{Name: "Portolan"},
		Links: []atomLink{{Href: base + path, Rel: "alternate", Type: "text/html"},
			{Href: base + path + ".atom", Rel: "self", Type: "application/atom+xml"}},
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339), Entries: []atomEntry{}}
	for i, c := range cs {
		u := base + "/docs/" + c.Doc + "/changes/" + strconv.Itoa(c.Version)
		when := c.Captured.UTC().Format(time.RFC3339)
		if i == 0 {
			f.Updated = when
		}
		d := docs[c.Doc]
		f.Entries = append(f.Entries, atomEntry{
			Title:   d.Vendor + " · " + docTitle(d.Title, d.Product) + ": version " + strconv.Itoa(c.Version),
			ID:      u,
			Updated: when,
			Links: []atomLink{{Href: u, Rel: "alternate", Type: "text/html"},
				{Href: u + ".csv", Rel: "related", Type: "text/csv"}},
			Summary: c.Summary,
		})
	}
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return s.send(w, r, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), append(b, '\n')...))
}
