-- 0003_flow_table: the columns every flow listing filters and counts on, for
-- all flows, encoded in one blob that store.Open reads into memory. Listings,
-- facet counts and port lookups are answered from it in one pass over compact
-- arrays (milliseconds at a million flows, where SQL GROUP BYs over the
-- matching rows took tens); SQLite still returns the rows themselves. It is
-- written in the same transaction as the flows it describes, so the two never
-- disagree. format is the encoding's version (store.flowTableFormat).
CREATE TABLE flow_table (
	format INTEGER NOT NULL,
	data   BLOB NOT NULL
);

-- Port containment is answered from the flow table; the R*Tree of 0001 is no
-- longer read.
DROP TABLE flow_ports_rtree;
