-- 0005_roles_lint: what Portolan adds beside each flow, computed at ingest and
-- kept apart from the flow as the document wrote it: the infrastructure roles
-- of its endpoints (data/roles), English glosses of endpoint names written in
-- Japanese or Chinese, and the lint checks' findings (data/lint).

-- A role of one end of a flow. guess is 1 when the document leaves that side
-- empty and the role was read from the row's purpose.
CREATE TABLE flow_roles (
	flow    INTEGER NOT NULL REFERENCES flows (seq),
	ordinal INTEGER NOT NULL, -- position in Flow.Roles
	side    TEXT NOT NULL CHECK (side IN ('source', 'destination')),
	role    TEXT NOT NULL,
	name    TEXT NOT NULL, -- the vocabulary's name that matched
	guess   INTEGER NOT NULL CHECK (guess IN (0, 1)),
	PRIMARY KEY (flow, ordinal)
) WITHOUT ROWID;
CREATE INDEX flow_roles_role ON flow_roles (role, flow);

CREATE TABLE findings (
	flow     INTEGER NOT NULL REFERENCES flows (seq),
	ordinal  INTEGER NOT NULL, -- position in Flow.Findings
	check_id TEXT NOT NULL,
	severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
	detail   TEXT NOT NULL,
	PRIMARY KEY (flow, ordinal)
) WITHOUT ROWID;
CREATE INDEX findings_check ON findings (check_id, flow);

-- English glosses of the endpoint names, from the role vocabulary ('' when it
-- has none or the name is English).
ALTER TABLE flows ADD COLUMN source_en TEXT NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN destination_en TEXT NOT NULL DEFAULT '';
