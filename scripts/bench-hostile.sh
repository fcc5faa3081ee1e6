#!/bin/sh
# bench-hostile.sh [BEFORE_REV] [AFTER_REV]: ingest time and peak memory of
# each hostile document (issue 17) with two builds of portolan, as a Markdown
# table for BENCHMARKS.md. Each run is `portolan ingest -db TMP FILE` (the
# embedded documents plus the hostile one) under a 150 s timeout and a 4 GB
# address-space limit, timed by /usr/bin/time. Needs git, go, python3.
set -eu
before=${1:-c3c5b33}
after=${2:-HEAD}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/src-before" 2>/dev/null || true; rm -rf "$work"' EXIT

build() { # rev dir
	git worktree add --detach -q "$work/src-$2" "$1"
	(cd "$work/src-$2" && go build -o "$work/portolan-$2" ./cmd/portolan)
	git worktree remove --force "$work/src-$2"
}
build "$before" before
build "$after" after

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
w("columns-6000.txt", "Title\nSection\n" + "Port | " * 6000 + "\n" + "---|" * 6000 + "\n" + "1 | " * 6000 + "\n")
w("cell-50MB.txt", "Title\nSection\nPort | Description |\n---|---|\n443 | " + "x" * (50 << 20) + " |\n")
PY

echo "| document | size | before: time, peak RSS, outcome | after: time, peak RSS, outcome |"
echo "|---|---|---|---|"
for doc in footnotes-4000 unclosed-20000 columns-6000 cell-50MB; do
	f="$work/$doc.txt"
	row="| $doc | $(($(wc -c <"$f") / 1024)) KB |"
	for b in before after; do
		rm -rf "$work/db" && mkdir "$work/db"
		set +e
		(ulimit -v 4194304; timeout 150 /usr/bin/time -f '%e %M' -o "$work/time" \
			"$work/portolan-$b" ingest -db "$work/db/p.db" "$f" >/dev/null 2>"$work/err")
		rc=$?
		set -e
		read -r secs kb <"$work/time" 2>/dev/null || { secs=150; kb=0; }
		case $rc in
		0) outcome="read" ;;
		124) outcome="killed after 150 s" ;;
		*) outcome="refused: $(grep -v '^\s*$' "$work/err" | grep -v 'Command exited' | head -1 | cut -c1-90)" ;;
		esac
		if grep -q "out of memory\|cannot allocate" "$work/err" 2>/dev/null; then outcome="out of memory (4 GB limit)"; fi
		row="$row ${secs} s, $((kb / 1024)) MB, $outcome |"
	done
	echo "$row"
done
