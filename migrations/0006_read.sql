-- 0006_read: what the format readers and the normaliser say about a document
-- (issue 11). format is how it was read ("text", "markdown", "html", "csv");
-- skipped is the JSON list of the tables and rows not read, with line and
-- reason, so a reader knows what may be missing; a flow's extra holds the
-- JSON list of its cells under columns Portolan has no field for.
ALTER TABLE documents ADD COLUMN format TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN skipped TEXT NOT NULL DEFAULT '[]';
ALTER TABLE flows ADD COLUMN extra TEXT NOT NULL DEFAULT '';
