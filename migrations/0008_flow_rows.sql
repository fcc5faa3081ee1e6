-- 0008_flow_rows: each flow as a listing reads it, whole, in one blob
-- (store/rowblob.go): its fields, its section's title, its protocols and
-- its endpoints' roles. A listing's page is then one lookup by rowid per
-- row, reading one column, where joining the flows' columns with their
-- sections and reading protocols and roles with a query each cost several
-- times more (issue 18). The tables of 0001 stay the source every other
-- query reads; the blobs are written beside them, by the same ingest.
CREATE TABLE flow_rows (
	seq  INTEGER PRIMARY KEY REFERENCES flows (seq),
	data BLOB NOT NULL
);
