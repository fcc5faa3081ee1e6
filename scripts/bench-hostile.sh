#!/bin/sh
# bench-hostile.sh [BEFORE_REV] [AFTER_REV] [SHIPPED_BEFORE_REV]: what reading
# documents costs, as Markdown tables for BENCHMARKS.md.
#  1. Ingest time and peak memory of each hostile document (issue 17) with two
#     builds of portolan: `portolan ingest -db TMP FILE` (the embedded documents
#     plus the hostile one) under a 150 s timeout and a 4 GB address-space
#     limit, timed by /usr/bin/time (wall, user+sys CPU, peak RSS).
#  2. Ingest of the five shipped documents alone (308 flows), per flow, with
#     SHIPPED_BEFORE_REV and AFTER_REV, 5 runs each, interleaved, medians.
# Needs git, go, python3, GNU time.
set -eu
before=${1:-c3c5b33}
after=${2:-HEAD}
shipped_before=${3:-a6b2b78}
work=$(mktemp -d)
trap 'rm -rf "$work"; git worktree prune' EXIT

build() { # rev name
	git worktree add --detach -q "$work/src-$2" "$1"
	(cd "$work/src-$2" && go build -o "$work/portolan-$2" ./cmd/portolan)
	git worktree remove --force "$work/src-$2"
}
build "$before" before
build "$after" after
build "$shipped_before" shipped-before

python3 - "$work" <<'PY'
import io, sys
d = sys.argv[1]
def w(name, s): open(f"{d}/{name}", "w").write(s)
b = io.StringIO(); b.write("Title\nSection\nPort | Description |\n---|---|\n")
for i in range(4000): b.write("%d* | agent %d |\n" % (1000 + i % 60000, i))
b.write("\n")
for i in range(4000): b.write("* footnote number %d\n" % i)
w("footnotes-4000.txt", b.getvalue())
b = io.StringIO(); b.write("Title\nSection\n| Port | Description |\n|---|---|\n")
for i in range(20000): b.write("| %d | never closed\n" % (1 + i % 60000))
w("unclosed-20000.txt", b.getvalue())
b = io.StringIO(); b.write("Title\n")
for i in range(20000): b.write("Section %d\nPort | Description |\n---|---|\n%d | x |\n" % (i, 1 + i % 60000))
w("headings-20000.txt", b.getvalue())
big = "x" * 60000
b = io.StringIO(); b.write("Title\nSection\nSource | Destination | Port | Description |\n---|---|---|---|\n" + big + " | B | 1 | x |\n")
for i in range(2, 50000): b.write("B | %d | y |\n" % (1 + i % 60000))
w("inherit-50000.txt", b.getvalue())
b = io.StringIO(); b.write("<html><head><title>T</title></head><body><h1>T</h1><table>\n<tr><th>Port</th><th>Description</th></tr>\n")
b.write('<tr><td>1</td><td rowspan="50000">' + big + "</td></tr>\n")
for i in range(1, 50000): b.write("<tr><td>%d</td></tr>\n" % (1 + i % 60000))
b.write("</table></body></html>\n")
w("rowspan-50000.html", b.getvalue())
w("columns-6000.txt", "Title\nSection\n" + "Port | " * 6000 + "\n" + "---|" * 6000 + "\n" + "1 | " * 6000 + "\n")
w("cell-50MB.txt", "Title\nSection\nPort | Description |\n---|---|\n443 | " + "x" * (50 << 20) + " |\n")
PY

# run NAME ARGS...: runs portolan-NAME under the limits; sets secs, cpu, mb, rc.
run() {
	b=$1
	shift
	rm -rf "$work/db" && mkdir "$work/db"
	set +e
	# timeout runs under time, and kills with SIGKILL, so no ingest outlives
	# its 150 s and the CPU and peak RSS are the ingest's own.
	(ulimit -v 4194304; /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
		timeout -s KILL 150 "$work/portolan-$b" ingest -db "$work/db/p.db" "$@" >/dev/null 2>"$work/err")
	rc=$?
	set -e
	# GNU time writes "Command exited with non-zero status N" first when it does.
	tail -n 1 "$work/time" >"$work/time1" 2>/dev/null || :
	if read -r secs user sys kb <"$work/time1" 2>/dev/null && [ -n "${kb:-}" ]; then
		cpu=$(python3 -c "print(round($user + $sys, 2))")
		mb=$((kb / 1024))
	else
		secs=150 cpu=? mb=?
	fi
}

echo "| document | size | before: wall, CPU, peak RSS, outcome | after: wall, CPU, peak RSS, outcome |"
echo "|---|---|---|---|"
for doc in footnotes-4000.txt unclosed-20000.txt headings-20000.txt inherit-50000.txt rowspan-50000.html columns-6000.txt cell-50MB.txt; do
	f="$work/$doc"
	row="| ${doc%.*} | $(($(wc -c <"$f") / 1024)) KB |"
	for b in before after; do
		run "$b" "$f"
		case $rc in
		0) outcome="read" ;;
		124 | 137) outcome="killed after 150 s" ;;
		*) outcome="refused: $(grep -v '^\s*$' "$work/err" | grep -v 'Command exited' | head -1 | cut -c1-100)" ;;
		esac
		if grep -q "out of memory\|cannot allocate" "$work/err" 2>/dev/null; then outcome="out of memory (4 GB limit)"; fi
		row="$row ${secs} s, ${cpu} s, ${mb} MB, $outcome |"
	done
	echo "$row"
done

echo
echo "| build | ingest of the shipped documents (308 flows), median of 5: wall, CPU | per flow: wall, CPU | peak RSS |"
echo "|---|---|---|---|"
for b in shipped-before after; do : >"$work/runs-$b"; done
for i in 1 2 3 4 5; do
	for b in shipped-before after; do
		run "$b"
		[ "$rc" = 0 ] || { echo "ingest with $b failed: $(head -3 "$work/err")" >&2; exit 1; }
		echo "$secs $cpu $mb" >>"$work/runs-$b"
	done
done
for b in shipped-before after; do
	rev=$shipped_before
	[ "$b" = after ] && rev=$after
	python3 - "$work/runs-$b" "$b ($(git rev-parse --short "$rev"))" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
wall = statistics.median(float(r[0]) for r in rows)
cpu = statistics.median(float(r[1]) for r in rows)
rss = statistics.median(int(r[2]) for r in rows)
print(f"| {sys.argv[2]} | {wall:.2f} s, {cpu:.2f} s | {wall/308*1e3:.2f} ms, {cpu/308*1e3:.2f} ms | {rss} MB |")
PY
done
