-- 0007_doc_text: a document's text is kept once, as its latest version
-- (versions.raw), no longer also in documents.raw. A listing reads every
-- document's row for its facets and headings, and a row's columns after a
-- text of tens of kilobytes are reached through its overflow pages: at a
-- million flows (5,000 documents) the documents took a second to read at
-- start, most of it walking texts nobody asked for (issue 18).
ALTER TABLE documents DROP COLUMN raw;

-- Each document's count of hosts, from this index rather than from the
-- hosts' rows.
CREATE INDEX hosts_doc ON hosts (doc);
