-- 0001_init: the whole dataset. A database is built once by store.Ingest and
-- then only read, so the schema favours reads: every filter of /flows has an
-- index, and ports are integer ranges with an R*Tree for containment queries.

-- meta holds dataset_version and extractor_version, so a server can tell
-- whether the database matches the documents it embeds.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE documents (
	slug            TEXT PRIMARY KEY,
	ordinal         INTEGER NOT NULL UNIQUE, -- position in the ingested order
	file            TEXT NOT NULL,
	vendor          TEXT NOT NULL,
	product         TEXT NOT NULL,
	title           TEXT NOT NULL,
	language        TEXT NOT NULL,
	source_language TEXT NOT NULL,
	url             TEXT NOT NULL,
	created         TEXT NOT NULL,
	updated         TEXT NOT NULL,
	subject         TEXT NOT NULL,
	raw             TEXT NOT NULL,
	checksum        TEXT NOT NULL
);

CREATE TABLE sections (
	doc      TEXT NOT NULL REFERENCES documents (slug),
	slug     TEXT NOT NULL,
	title    TEXT NOT NULL,
	title_en TEXT NOT NULL,
	ordinal  INTEGER NOT NULL,
	line     INTEGER NOT NULL,
	subject  TEXT NOT NULL,
	text     TEXT NOT NULL,
	PRIMARY KEY (doc, slug)
) WITHOUT ROWID;

-- A flow's public key is its stable text id; seq, its position in the whole
-- dataset (document order, then the flow's ordinal), is the rowid. The tables
-- below refer to flows by seq: integer joins are cheaper than text ones, and a
-- page in document order is a walk in rowid order.
CREATE TABLE flows (
	seq             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	doc             TEXT NOT NULL REFERENCES documents (slug),
	section_id      TEXT NOT NULL,
	ordinal         INTEGER NOT NULL,
	service         TEXT NOT NULL,
	source          TEXT NOT NULL,
	destination     TEXT NOT NULL,
	ports_raw       TEXT NOT NULL,
	protocol_raw    TEXT NOT NULL,
	app_protocol    TEXT NOT NULL,
	purpose         TEXT NOT NULL,
	purpose_en      TEXT NOT NULL,
	requirement     TEXT NOT NULL,
	requirement_raw TEXT NOT NULL,
	direction       TEXT NOT NULL,
	direction_raw   TEXT NOT NULL,
	direction_en    TEXT NOT NULL,
	notes           TEXT NOT NULL,
	notes_en        TEXT NOT NULL,
	line            INTEGER NOT NULL,
	line_end        INTEGER NOT NULL,
	-- port_key is the lowest port of the flow's ranges, 65536 when it has none:
	-- the "port" sort key, flows without ports last.
	port_key        INTEGER NOT NULL,
	FOREIGN KEY (doc, section_id) REFERENCES sections (doc, slug)
);
-- Every index ends in the rowid, seq, so each gives its rows in document order.
CREATE INDEX flows_doc ON flows (doc);
CREATE INDEX flows_doc_section ON flows (doc, section_id);
CREATE INDEX flows_requirement ON flows (requirement);
CREATE INDEX flows_direction ON flows (direction);
CREATE INDEX flows_port_key ON flows (port_key);

-- Protocols compare case-insensitively so proto=udp finds UDP through the index.
CREATE TABLE flow_protocols (
	flow     INTEGER NOT NULL REFERENCES flows (seq),
	ordinal  INTEGER NOT NULL, -- position in Flow.Protocols
	protocol TEXT NOT NULL COLLATE NOCASE,
	PRIMARY KEY (flow, ordinal)
) WITHOUT ROWID;
CREATE INDEX flow_protocols_protocol ON flow_protocols (protocol, flow);

-- flow_ports keeps each flow's ranges in order, for reading a flow back;
-- flow_ports_rtree holds the same ranges for searching "which flows have a range
-- overlapping [a, b]". Its id is seq << 16 | ordinal, so a search yields the
-- flow's seq (id >> 16) from the tree itself, without a lookup per range.
-- The R*Tree module is compiled into github.com/mattn/go-sqlite3 by default (no
-- build tag; store's tests check it). It answers containment from a tree of
-- intervals, where a (port_from, port_to) B-tree index can bound only port_from
-- and scans every range starting below the port.
CREATE TABLE flow_ports (
	flow      INTEGER NOT NULL REFERENCES flows (seq),
	ordinal   INTEGER NOT NULL CHECK (ordinal BETWEEN 1 AND 65535), -- position in Flow.Ports
	port_from INTEGER NOT NULL,
	port_to   INTEGER NOT NULL,
	PRIMARY KEY (flow, ordinal),
	CHECK (0 <= port_from AND port_from <= port_to AND port_to <= 65535)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE flow_ports_rtree USING rtree_i32 (id, port_from, port_to);

-- Hosts are few and are filtered by document and text only, so their protocols
-- and ports are JSON arrays rather than tables of their own.
CREATE TABLE hosts (
	doc        TEXT NOT NULL REFERENCES documents (slug),
	ordinal    INTEGER NOT NULL, -- position in Document.Hosts
	section_id TEXT NOT NULL,
	section    TEXT NOT NULL,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	grp        TEXT NOT NULL,
	flow_id    TEXT NOT NULL, -- the row naming the host, or ''; not a foreign key
	purpose    TEXT NOT NULL,
	line       INTEGER NOT NULL,
	protocols  TEXT NOT NULL, -- JSON array of strings
	ports      TEXT NOT NULL, -- JSON array of {"from":n,"to":n}
	PRIMARY KEY (doc, ordinal)
) WITHOUT ROWID;
