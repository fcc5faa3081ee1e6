-- 0002_host_group_en: the English gloss of a host's list heading ("Androidデバイスの場合"
-- → "For Android devices"), kept beside the heading as written.
ALTER TABLE hosts ADD COLUMN grp_en TEXT NOT NULL DEFAULT '';
