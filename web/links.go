package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

// sourceLink points at the lines of the document a flow was read from,
// highlighted: /docs/citrix/source?hl=12-14#L12.
func sourceLink(f data.Flow) string {
	if f.Line <= 0 {
		return "/docs/" + f.Doc + "/source"
	}
	end := max(f.LineEnd, f.Line)
	return "/docs/" + f.Doc + "/source?hl=" + strconv.Itoa(f.Line) + "-" + strconv.Itoa(end) + "#L" + strconv.Itoa(f.Line)
}

// hostSourceLink points at the line a host is named on.
func hostSourceLink(h data.Host) string {
	if h.Line <= 0 {
		return "/docs/" + h.Doc + "/source"
	}
	n := strconv.Itoa(h.Line)
	return "/docs/" + h.Doc + "/source?hl=" + n + "#L" + n
}

func lower(s string) string { return strings.ToLower(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// languageName names a document's content language in the UI language.
func languageName(ctx context.Context, code string) string {
	if code == "en" || code == "ja" || code == "zh" {
		return t(ctx, "doclang."+code)
	}
	return code
}

// formatName is how a document's format (data.Document.Format) is shown in
// the page's language; a format this binary has no name for is shown as stored.
func formatName(ctx context.Context, format string) string {
	switch format {
	case read.FormatText:
		return t(ctx, "doc.format.text")
	case read.FormatMarkdown:
		return t(ctx, "doc.format.markdown")
	case read.FormatHTML:
		return t(ctx, "doc.format.html")
	case read.FormatCSV:
		return t(ctx, "doc.format.csv")
	}
	return format
}
