#!/usr/bin/env bash
# bench-ingest.sh measures Portolan's ingest beside plain SQLite doing the same
# job: storing the same flows and making their text searchable.
#
#   scripts/bench-ingest.sh [-flows 100000] [-bin PATH] [-base PATH] [-dir DIR] [-keep]
#
# It builds the binary (unless -bin names one), writes a synthetic corpus with
# `portolan gen -flows N -docs N/200 -seed 1`, and then, one after the other,
# under GNU time (wall clock, user+system CPU, peak RSS):
#   portolan  `portolan ingest -db DB corpus/*.txt` (extract, SQLite, bleve);
#             with -base BIN, the same with BIN first (e.g. an older commit),
#             so before and after are measured in the same run;
#   sqlite-utils  `sqlite-utils insert --csv` of the same flows (every column
#             of `portolan export -format csv`) plus `sqlite-utils enable-fts`
#             on eight text columns (Debian package sqlite-utils);
#   fts5      the sqlite3 shell importing the same CSV and filling two FTS5
#             tables of the same eight columns, one with the porter tokenizer
#             and one with trigram (what English stemming and Japanese
#             substring search need).
# It prints a markdown table: flows/s, CPU seconds, flows per CPU second, peak
# RSS, the size on disk (database, and index for Portolan) and, for each row,
# the ratio of Portolan's (-bin's) flows/s, and flows per CPU second, to its:
# 0.5 means Portolan ingests at half that row's speed. On a shared machine the
# CPU ratio is the steadier one. The peers start from
# the CSV, already extracted: Portolan's row includes reading the documents.
# The CSV itself is written by the first binary and is not timed. Needs go,
# sqlite3, sqlite-utils, python3 and GNU time (/usr/bin/time).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
flows=100000
bin=""
base=""
dir=""
keep=""

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	-flows) flows=$2; shift 2 ;;
	-bin) bin=$2; shift 2 ;;
	-base) base=$2; shift 2 ;;
	-dir) dir=$2; shift 2 ;;
	-keep) keep=1; shift ;;
	-h | -help | --help) usage ;;
	*) echo "bench-ingest.sh: unknown argument $1" >&2; usage ;;
	esac
done
for tool in sqlite3 sqlite-utils python3 /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-ingest.sh: $tool not found (apt-get install sqlite3 sqlite-utils python3 time)" >&2; exit 1; }
done

if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/portolan-ingest.XXXXXX")
	[ -n "$keep" ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
if [ -z "$bin" ]; then
	bin=$dir/portolan
	(cd "$root" && go build -o "$bin" ./cmd/portolan)
fi

docs=$(((flows + 199) / 200))
if [ ! -s "$dir/corpus/.flows-$flows" ]; then
	rm -rf "$dir/corpus"
	"$bin" gen -flows "$flows" -docs "$docs" -out "$dir/corpus" -seed 1 >/dev/null
	echo "$flows" >"$dir/corpus/.flows-$flows"
fi

# measure NAME CMD... runs CMD under GNU time and appends
# "NAME wall cpu maxrss_kb" to $dir/times.
measure() {
	local name=$1
	shift
	/usr/bin/time -o "$dir/time.out" -f '%e %U %S %M' "$@" >"$dir/$name.log" 2>&1 || {
		echo "bench-ingest.sh: $name failed:" >&2
		tail -n 20 "$dir/$name.log" >&2
		exit 1
	}
	awk -v n="$name" '{printf "%s %s %.2f %s\n", n, $1, $2 + $3, $4}' "$dir/time.out" >>"$dir/times"
}
# size_mb prints the size of the paths, in MB.
size_mb() { du -skL "$@" | awk '{s += $1} END {printf "%.1f", s / 1024}'; }

: >"$dir/times"
: >"$dir/sizes"
portolan_row() {
	local name=$1 b=$2 db=$dir/$1.db
	rm -rf "$db" "$db.d"
	measure "$name" "$b" ingest -db "$db" "$dir"/corpus/*.txt
	local ds
	ds=$(dirname "$(readlink -f "$db")")
	# The dataset directory holds the database and the index beside it.
	echo "$name $(size_mb "$ds"/portolan.db) $(size_mb "$ds"/index.bleve)" >>"$dir/sizes"
}
[ -z "$base" ] || portolan_row portolan-base "$base"
portolan_row portolan "$bin"

# The flows as CSV, for the peers: the header Portolan exports, without the
# byte-order mark and with ports as plain text (the export guards them
# against spreadsheet formulas as ="443").
first=$dir/portolan.db
[ -z "$base" ] || first=$dir/portolan-base.db
"$bin" export -format csv -db "$first" | python3 -c '
import csv, sys
r = csv.reader(sys.stdin.buffer.read().decode("utf-8-sig").splitlines(True))
w = csv.writer(sys.stdout, lineterminator="\n")
for row in r:
    w.writerow([c[2:-1] if c.startswith("=\"") and c.endswith("\"") else c for c in row])
' >"$dir/flows.csv"
total=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding="utf-8"))))' "$dir/flows.csv") - 1))

cols="section source destination ports app_protocol purpose purpose_en notes"
rm -f "$dir/sqlite-utils.db"
measure sqlite-utils sh -c "sqlite-utils insert '$dir/sqlite-utils.db' flows '$dir/flows.csv' --csv --pk id &&
	sqlite-utils enable-fts '$dir/sqlite-utils.db' flows $cols"
echo "sqlite-utils $(size_mb "$dir/sqlite-utils.db") 0" >>"$dir/sizes"

collist=$(echo "$cols" | tr ' ' ',')
rm -f "$dir/fts5.db"
cat >"$dir/fts5.sql" <<EOF
.import --csv --schema temp $dir/flows.csv staged
CREATE VIRTUAL TABLE flows_en USING fts5($collist, tokenize='porter unicode61');
CREATE VIRTUAL TABLE flows_tri USING fts5($collist, tokenize='trigram');
BEGIN;
INSERT INTO flows_en SELECT $collist FROM temp.staged;
INSERT INTO flows_tri SELECT $collist FROM temp.staged;
COMMIT;
INSERT INTO flows_en(flows_en) VALUES('optimize');
INSERT INTO flows_tri(flows_tri) VALUES('optimize');
EOF
measure fts5 sh -c "sqlite3 '$dir/fts5.db' <'$dir/fts5.sql'"
echo "fts5 0 $(size_mb "$dir/fts5.db")" >>"$dir/sizes"

echo "| ingest of $total flows | wall | flows/s | CPU | flows per CPU s | peak RSS | database | search index | Portolan ÷ this, flows/s | Portolan ÷ this, flows per CPU s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -v total="$total" '
NR == FNR { db[$1] = $2; ix[$1] = $3; next }
$1 == "portolan" { ref = total / $2; refc = total / $3 }
{ rows[++n] = $0 }
END {
	for (i = 1; i <= n; i++) {
	$0 = rows[i]
	name = $1; wall = $2; cpu = $3; rss = $4
	rate = total / wall
	label = name
	if (name == "portolan-base") label = "portolan (-base)"
	if (name == "sqlite-utils") label = "sqlite-utils insert + enable-fts"
	if (name == "fts5") label = "sqlite3 shell: FTS5 porter + trigram"
	d = (db[name] > 0 ? db[name] " MB" : "-")
	x = (ix[name] > 0 ? ix[name] " MB" : "-")
	if (name == "sqlite-utils") { d = db[name] " MB (with FTS)"; x = "in the database" }
	printf "| %s | %.1f s | %.0f | %.1f s | %.0f | %.0f MB | %s | %s | %.2f | %.2f |\n", label, wall, rate, cpu, total / cpu, rss / 1024, d, x, ref / rate, refc / (total / cpu)
	}
}' "$dir/sizes" "$dir/times"
echo
echo "(corpus: portolan gen -flows $flows -docs $docs -seed 1 plus the embedded documents; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; files in $dir)"
