#!/usr/bin/env bash
# cache-memory.sh measures what the response cache costs in resident memory
# under varied traffic that keeps filling it (issue 18).
#
#   scripts/cache-memory.sh [-d 10m] [-c 16] [-bin PATH] [-base PATH]
#
# For each binary (-base first, if given, then -bin; by default the binary
# built from this tree) it starts `portolan serve -debug-addr` on a new
# database of the shipped documents (the size the target is set at), runs wrk with scripts/wrk-mixed.lua (every request a URL
# no earlier one asked for, so each answer is rendered and offered to the
# cache) for the duration, and samples every 5 s the server's resident set
# (VmRSS), the live heap after the last collection and, where the binary
# reports them, the bytes and entries the cache counts. It prints one
# markdown row per binary: requests served, RSS at start, the highest and
# the last RSS, the last live heap, and the cache's own count. Loopback only.
# Needs go, curl, jq and wrk.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
duration=10m
conns=16
bin=""
base=""

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	-d) duration=$2; shift 2 ;;
	-c) conns=$2; shift 2 ;;
	-bin) bin=$2; shift 2 ;;
	-base) base=$2; shift 2 ;;
	-h | -help | --help) usage ;;
	*) echo "cache-memory.sh: unknown argument $1" >&2; usage ;;
	esac
done
for tool in curl jq wrk; do
	command -v "$tool" >/dev/null || { echo "cache-memory.sh: $tool not found" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portolan-cachemem.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$bin" ]; then
	bin=$tmp/portolan
	(cd "$root" && go build -o "$bin" ./cmd/portolan)
fi

# run NAME BIN measures one binary and prints its row.
run() {
	local name=$1 b=$2 db=$tmp/$1.db
	: >"$tmp/$name.log"
	"$b" serve -addr 127.0.0.1:0 -debug-addr 127.0.0.1:0 -watch 0 -db "$db" \
		2> >(grep --line-buffered -v ' msg=http ' >"$tmp/$name.log") &
	pid=$!
	local url="" debug=""
	for _ in $(seq 1200); do
		url=$(sed -n 's/.*msg=listening url=\(http:[^ ]*\).*/\1/p' "$tmp/$name.log" | head -1)
		debug=$(sed -n 's/.*msg="debug listening" url=\(http:[^ ]*\)\/debug\/.*/\1/p' "$tmp/$name.log" | head -1)
		[ -n "$url" ] && [ -n "$debug" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; exit 1; }
		sleep 0.1
	done
	[ -n "$url" ] || { echo "cache-memory.sh: $name did not start" >&2; exit 1; }
	curl -fsS -o /dev/null "$url/flows?q=ldap"
	local rss0
	rss0=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
	: >"$tmp/$name.samples"
	wrk -t2 -c"$conns" -d"$duration" --timeout 30s -s "$here/wrk-mixed.lua" "$url" >"$tmp/$name.wrk" 2>&1 &
	local wrk_pid=$!
	while kill -0 "$wrk_pid" 2>/dev/null; do
		sleep 5
		local rss
		rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
		curl -fsS "$debug/debug/portolan" | jq -r --arg rss "$rss" \
			'"\($rss) \(.heap_live_bytes / 1048576 | floor) \(if .cache_bytes == null then "-" else (.cache_bytes / 1048576 | floor) end) \(.cache_entries // "-")"' \
			>>"$tmp/$name.samples" || true
	done
	wait "$wrk_pid" || true
	local reqs
	reqs=$(awk '/requests in/ {print $1}' "$tmp/$name.wrk")
	awk -v name="$name" -v reqs="$reqs" -v rss0="$rss0" '
		{ if ($1 > max) max = $1; last = $0 }
		END {
			split(last, f, " ")
			printf "| %s | %s | %d MB | %d MB | %d MB | %d MB | %s MB / %s |\n", name, reqs, rss0, max, f[1], f[2], f[3], f[4]
		}' "$tmp/$name.samples"
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	pid=""
}

echo "| binary | requests (wrk-mixed.lua, $duration, $conns connections) | RSS at start | highest RSS | last RSS | live heap (last) | cache's count: bytes / entries |"
echo "|---|---:|---:|---:|---:|---:|---:|"
[ -z "$base" ] || run base "$base"
run this "$bin"
echo
echo "(load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
