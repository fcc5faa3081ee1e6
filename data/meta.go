package data

// Meta is the per-document metadata kept as JSON beside each document. Everything
// that differs between documents lives here, so the extractor has no per-vendor code.
type Meta struct {
	Slug           string `json:"slug"`
	File           string `json:"file"`
	Vendor         string `json:"vendor"`
	Product        string `json:"product"`
	Language       string `json:"language"`
	SourceLanguage string `json:"source_language,omitempty"`
	URL            string `json:"url"`
	// Title overrides the title the document gives (front matter, <title>, its
	// first heading or line).
	Title   string `json:"title,omitempty"`
	Created string `json:"created,omitempty"`
	Updated string `json:"updated,omitempty"`
	// Subject is the host direction-only rows are relative to, unless a section
	// names its own.
	Subject string `json:"subject,omitempty"`
	// TitleLine is the line holding the title as written (default: the first
	// line not skipped).
	TitleLine int `json:"title_line,omitempty"`
	// Skip lists line ranges ("1", "347-349") that are page chrome, not content.
	Skip []string `json:"skip,omitempty"`
	// RequirementMarks maps marks or words of a requirement column (●, 〇, △) to
	// requirement values.
	RequirementMarks map[string]string `json:"requirement_marks,omitempty"`
	// EndpointsPattern is a regular expression with groups "source" and
	// "destination", matched against the prose above a table that has no source or
	// destination columns ("... between the Azure AD Connect server and on-premises AD.").
	EndpointsPattern string `json:"endpoints_pattern,omitempty"`
	// Glosses maps Japanese or Chinese text as written (a purpose, a direction, a
	// line of a footnote) to an English gloss written by the Portolan team. They are
	// translations, kept apart from the text as written, which stays primary.
	Glosses map[string]string `json:"glosses,omitempty"`
	// GlossesNote says who wrote the glosses.
	GlossesNote string `json:"glosses_note,omitempty"`
	// Sections gives per-section metadata, matched by heading.
	Sections []SectionMeta `json:"sections,omitempty"`
}

// SectionMeta is metadata for one section, matched by its heading as written.
type SectionMeta struct {
	Heading     string `json:"heading"`
	Slug        string `json:"slug,omitempty"`
	TitleEn     string `json:"title_en,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Source      string `json:"source,omitempty"`      // source of every row, as the prose names it
	Destination string `json:"destination,omitempty"` // destination of every row, as the prose names it
	Direction   string `json:"direction,omitempty"`   // default direction of rows that state none
	// DirectionRaw quotes the prose that states the default direction.
	DirectionRaw string `json:"direction_raw,omitempty"`
}
