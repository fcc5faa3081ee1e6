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

CREATE TABLE flows (
	id              TEXT PRIMARY KEY,
	-- seq is the flow's position in the whole dataset (document order, then the
	-- flow's ordinal): the default sort, one index instead of a join.
	seq             INTEGER NOT NULL UNIQUE,
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
	-- port_min is the lowest port of the flow's ranges, NULL when it has none:
	-- the "port" sort key.
	port_min        INTEGER,
	FOREIGN KEY (doc, section_id) REFERENCES sections (doc, slug)
);
CREATE INDEX flows_doc_section ON flows (doc, section_id, seq);
CREATE INDEX flows_requirement ON flows (requirement, seq);
CREATE INDEX flows_direction ON flows (direction, seq);
CREATE INDEX flows_port_min ON flows (port_min, seq);

-- Protocols compare case-insensitively so proto=udp finds UDP through the index.
CREATE TABLE flow_protocols (
	flow_id  TEXT NOT NULL REFERENCES flows (id),
	ordinal  INTEGER NOT NULL, -- position in Flow.Protocols
	protocol TEXT NOT NULL COLLATE NOCASE,
	PRIMARY KEY (flow_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX flow_protocols_protocol ON flow_protocols (protocol, flow_id);

-- flow_ports keeps each flow's ranges in order; flow_ports_rtree indexes the same
-- ranges (same id) for "which ranges overlap [a, b]". The R*Tree module is
-- compiled into github.com/mattn/go-sqlite3 by default (no build tag), and it
-- answers containment in microseconds where a (port_from, port_to) B-tree index
-- can only bound one side of the interval and scans.
CREATE TABLE flow_ports (
	id        INTEGER PRIMARY KEY,
	flow_id   TEXT NOT NULL REFERENCES flows (id),
	ordinal   INTEGER NOT NULL, -- position in Flow.Ports
	port_from INTEGER NOT NULL,
	port_to   INTEGER NOT NULL,
	UNIQUE (flow_id, ordinal),
	CHECK (port_from <= port_to)
);
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
