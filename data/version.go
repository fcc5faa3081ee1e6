package data

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Version is one text of a document as captured: Portolan keeps every version
// it ingested, so what a vendor changed can be shown and a deep link into an
// older text keeps answering. Versions of a document are numbered from 1 in the
// order they were ingested.
type Version struct {
	Doc      string    `json:"doc"`
	Number   int       `json:"version"`
	Raw      string    `json:"-"`        // the text, byte for byte
	Checksum string    `json:"checksum"` // hex SHA-256 of Raw
	Captured time.Time `json:"captured"` // when the text was read or fetched
	// SourceURL is where the text was fetched from, empty for a file.
	SourceURL string `json:"source_url,omitempty"`
	// ETag and LastModified are the validators the server sent with the text,
	// for the next conditional request.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// ContentType is the media type the text was served or read as.
	ContentType string `json:"content_type,omitempty"`
}

// Checksum is the hex SHA-256 of a document's text, as Document.Checksum and
// Version.Checksum hold it.
func Checksum(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}
