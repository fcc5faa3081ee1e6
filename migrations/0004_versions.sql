-- 0004_versions: a document's history. A database is still built whole by
-- store.Ingest; what it holds of the past is carried from the database it
-- replaces (see cmd/portolan), so every version ever ingested survives.

-- versions keeps every text of every document, oldest first, with the
-- metadata it is read with; the last one is the text documents.raw holds.
-- The rest of a document's history (IDs carried, changes, removed flows) is
-- derived from its versions, so a database can be rebuilt from this table.
CREATE TABLE versions (
	doc           TEXT NOT NULL REFERENCES documents (slug),
	number        INTEGER NOT NULL CHECK (number >= 1),
	raw           TEXT NOT NULL,
	checksum      TEXT NOT NULL,
	captured      TEXT NOT NULL, -- RFC 3339, UTC; '' for a text shipped with the binary
	source_url    TEXT NOT NULL, -- where it was fetched from, '' for a file
	etag          TEXT NOT NULL,
	last_modified TEXT NOT NULL,
	content_type  TEXT NOT NULL,
	meta          TEXT NOT NULL, -- JSON of the data.Meta the text is read with
	PRIMARY KEY (doc, number)
) WITHOUT ROWID;

-- changes holds what changed from version number-1 to number, as the JSON of
-- versions.Diff, with its counts for listings and feeds.
CREATE TABLE changes (
	doc      TEXT NOT NULL REFERENCES documents (slug),
	number   INTEGER NOT NULL CHECK (number >= 2),
	captured TEXT NOT NULL,
	added    INTEGER NOT NULL,
	removed  INTEGER NOT NULL,
	changed  INTEGER NOT NULL,
	summary  TEXT NOT NULL,
	diff     TEXT NOT NULL,
	PRIMARY KEY (doc, number),
	FOREIGN KEY (doc, number) REFERENCES versions (doc, number)
) WITHOUT ROWID;
CREATE INDEX changes_captured ON changes (captured);

-- removed_flows keeps every flow ID once given that the latest version of its
-- document no longer has: what the flow was (JSON of data.Flow), the version
-- that removed it, and the nearest flow of the latest version, if any.
CREATE TABLE removed_flows (
	id         TEXT PRIMARY KEY,
	doc        TEXT NOT NULL REFERENCES documents (slug),
	removed_in INTEGER NOT NULL,
	successor  TEXT NOT NULL,
	flow       TEXT NOT NULL
) WITHOUT ROWID;
