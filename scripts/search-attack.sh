#!/usr/bin/env bash
# search-attack.sh measures how Portolan holds up under expensive searches.
#
#   scripts/search-attack.sh -db PATH [-bin PATH] [-d 20s] [-c 16] [-addr 127.0.0.1:8097]
#
# It starts `portolan serve -db PATH` (PATH already ingested by the same
# binary, e.g. 100k flows: portolan gen -flows 100000 -docs 500 -out DIR;
# portolan ingest -db PATH DIR/*.txt), waits for /healthz, then measures:
#   1. a normal search alone (wrk-normal.lua: one connection, 10 s);
#   2. the attack (wrk-attack.lua: C connections of 32-excluded-word searches,
#      D long, none answered from the cache) and, 5 s into it, the normal
#      search again, one connection for 10 s.
# It prints markdown rows: requests/s, p50, p99, responses with status >=
# 400, socket errors. A refused search (400: it did not finish within its
# deadline) counts as an answer that came back, not as lost. The server
# listens on loopback only; its log goes to the temporary directory. Needs
# curl and wrk; builds the binary unless -bin names one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
db=""
bin=""
duration=20s
conns=16
addr=127.0.0.1:8097

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	-db) db=$2; shift 2 ;;
	-bin) bin=$2; shift 2 ;;
	-d) duration=$2; shift 2 ;;
	-c) conns=$2; shift 2 ;;
	-addr) addr=$2; shift 2 ;;
	-h | -help | --help) usage ;;
	*) echo "search-attack.sh: unknown argument $1" >&2; usage ;;
	esac
done
[ -n "$db" ] || usage
case "$addr" in
127.0.0.1:* | localhost:*) ;;
*) echo "search-attack.sh: -addr must be on loopback" >&2; exit 2 ;;
esac
for tool in curl wrk; do
	command -v "$tool" >/dev/null || { echo "search-attack.sh: $tool not found" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portolan-attack.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$bin" ]; then
	bin=$tmp/portolan
	(cd "$root" && go build -o "$bin" ./cmd/portolan)
fi
"$bin" serve -addr "$addr" -db "$db" -watch 0 2>"$tmp/serve.log" &
pid=$!
base=http://$addr
for _ in $(seq 600); do
	curl -fs "$base/healthz" >/dev/null 2>&1 && break
	sleep 0.5
done
curl -fs "$base/healthz" >/dev/null || { echo "serve did not answer:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
curl -fs "$base/flows?q=ldap" >/dev/null

row() { # label, RESULT fields
	awk -v label="$1" '/^RESULT /{printf "| %s | %.1f | %.1f ms | %.1f ms | %d | %d |\n", label, $2, $3/1000, $4/1000, $5, $6}' "$2"
}
echo "| load | req/s | p50 | p99 | status >= 400 | socket errors |"
echo "|---|---|---|---|---|---|"
wrk -t1 -c1 -d10s --latency -s "$here/wrk-normal.lua" "$base" >"$tmp/alone.out"
row "normal search, alone (1 connection)" "$tmp/alone.out"
wrk -t2 -c"$conns" -d"$duration" --timeout 30s --latency -s "$here/wrk-attack.lua" "$base" >"$tmp/attack.out" &
attack=$!
sleep 5
wrk -t1 -c1 -d10s --timeout 30s --latency -s "$here/wrk-normal.lua" "$base" >"$tmp/during.out"
wait "$attack"
row "32-excluded-word searches ($conns connections)" "$tmp/attack.out"
row "normal search, during the attack (1 connection)" "$tmp/during.out"
