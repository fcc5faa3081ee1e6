package data

import "unicode/utf8"

// Clip shortens s to at most n bytes for a message, a log line or a note,
// cutting at a character boundary so a UTF-8 character (Japanese, say) is
// never split, and appends mark where it cut.
func Clip(s string, n int, mark string) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + mark
}
