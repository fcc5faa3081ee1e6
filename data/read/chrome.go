package read

import (
	"regexp"
	"strings"
)

// Page chrome: what a docs site, a help centre or a mirror prints around a
// page's content and a browser's "save as text" keeps. A text capture's line
// that is nothing but chrome is not content (neither heading, prose nor the
// title), and an edit link written after a heading is not part of it. The
// wordings are the sites' own (GitBook's "Last updated", Microsoft Learn's
// "Feedback", Zendesk's comment footer, a Chinese mirror's 编辑 "edit" link).

// chromeLine matches a whole line of chrome.
var chromeLine = regexp.MustCompile(`(?i)^(?:last updated|feedback|submit and view feedback for|was this (?:page|article) helpful\??|edit this page|edit on github|in this article|table of contents|comments|\d+ comments?|article is closed for comments\.?|编辑|编辑此页|本页目录|目录)$`)

// chromeSuffix matches an edit link written after a heading: "Title 编辑",
// "Title [edit]".
var chromeSuffix = regexp.MustCompile(`\s+(?:编辑|\[edit\])$`)

// isChrome reports whether the line s (trimmed) is page chrome.
func isChrome(s string) bool { return len(s) < 64 && chromeLine.MatchString(s) }

// trimChrome is the line s (trimmed) without an edit link after it.
func trimChrome(s string) string {
	if len(s) > 300 || !strings.HasSuffix(s, "编辑") && !strings.HasSuffix(s, "]") {
		return s
	}
	return chromeSuffix.ReplaceAllString(s, "")
}
