#!/usr/bin/env bash
# bench-http.sh measures Portolan's HTTP side against a bare net/http handler.
#
#   scripts/bench-http.sh [-db PATH] [-bin PATH] [-d 10s] [-c 16] [-t 2]
#
# It builds the binary (go build -o, unless -bin names one), starts
# `portolan hello` (the baseline: a handler that writes "hello\n") and
# `portolan serve -db PATH` (default: a new database of the shipped documents
# in a temporary directory), waits for /healthz, checks that every URL answers
# 200 and warms it up, then runs `wrk -tT -cC -dD --latency` against each URL
# and prints a markdown table: requests/s, the ratio to hello, p50, p99, and
# errors (responses with status >= 400 / socket errors). Runs on one URL
# measure the response cache once warm; the "cold" row runs wrk-mixed.lua,
# whose requests all ask for different URLs. Both servers listen on loopback
# only; logs go to the temporary directory. Needs go, curl and wrk.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
db=""
bin=""
duration=10s
conns=16
threads=2
hello_addr=127.0.0.1:8099
serve_addr=127.0.0.1:8098

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
	-t) threads=$2; shift 2 ;;
	-h | -help | --help) usage ;;
	*) echo "bench-http.sh: unknown argument $1" >&2; usage ;;
	esac
done
for tool in curl wrk; do
	command -v "$tool" >/dev/null || { echo "bench-http.sh: $tool not found" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portolan-bench.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$bin" ]; then
	bin=$tmp/portolan
	(cd "$root" && go build -o "$bin" ./cmd/portolan)
fi
[ -n "$db" ] || db=$tmp/portolan.db

"$bin" hello -addr "$hello_addr" 2>"$tmp/hello.log" &
pids+=($!)
"$bin" serve -addr "$serve_addr" -db "$db" 2>"$tmp/serve.log" &
pids+=($!)

# wait_up waits up to 120 s for URL to answer 200 (serve may build its
# database and index first).
wait_up() {
	for _ in $(seq 1 1200); do
		if curl -fs -o /dev/null "$1"; then
			return 0
		fi
		sleep 0.1
	done
	echo "bench-http.sh: $1 did not come up; log:" >&2
	cat "$tmp"/*.log >&2
	exit 1
}
wait_up "http://$hello_addr/healthz"
wait_up "http://$serve_addr/healthz"

base=http://$serve_addr
flow_id=$(curl -fsS "$base/api/v1/flows?limit=5" | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4)
[ -n "$flow_id" ] || { echo "bench-http.sh: no flow id from /api/v1/flows" >&2; exit 1; }

# Each row: a label and the URL wrk requests.
rows=(
	"hello (baseline)|http://$hello_addr/"
	"/flows?port=50000|$base/flows?port=50000"
	"/flows?proto=tcp&port=443|$base/flows?proto=tcp&port=443"
	"/flows?q=ldap|$base/flows?q=ldap"
	"/flows?q=ファイル|$base/flows?q=%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB"
	"/flows?q=directory&proto=tcp (facets)|$base/flows?q=directory&proto=tcp"
	"/flows/$flow_id|$base/flows/$flow_id"
	"/docs/citrix|$base/docs/citrix"
	"/api/v1/flows?port=443|$base/api/v1/flows?port=443"
)

# check answers 200 for url, or stops the benchmark.
check() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' "$1")
	if [ "$code" != 200 ]; then
		echo "bench-http.sh: $1 answered $code, want 200" >&2
		exit 1
	fi
}

# run_wrk runs wrk with its extra arguments and prints the RESULT fields.
run_wrk() {
	wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$here/wrk-report.lua" "$@" |
		awk '/^RESULT /{print $2, $3, $4, $5, $6}'
}

# Warm-up: every URL once (fills the cache) and a short wrk run per server.
for row in "${rows[@]}"; do
	check "${row#*|}"
done
wrk -t"$threads" -c"$conns" -d2s "http://$hello_addr/" >/dev/null
wrk -t"$threads" -c"$conns" -d2s "$base/flows?q=ldap" >/dev/null

fmt_ms() { awk -v us="$1" 'BEGIN{printf "%.2f ms", us/1000}'; }

hello_rps=""
echo "| URL | req/s | × hello | p50 | p99 | errors (≥400 / socket) |"
echo "|---|---:|---:|---:|---:|---:|"
print_row() {
	local label=$1 rps=$2 p50=$3 p99=$4 status=$5 sock=$6
	local ratio
	ratio=$(awk -v a="$rps" -v b="$hello_rps" 'BEGIN{printf "%.2f", a/b}')
	printf '| `%s` | %.0f | %s | %s | %s | %s / %s |\n' "$label" "$rps" "$ratio" \
		"$(fmt_ms "$p50")" "$(fmt_ms "$p99")" "$status" "$sock"
}
for row in "${rows[@]}"; do
	label=${row%%|*}
	url=${row#*|}
	read -r rps p50 p99 status sock < <(run_wrk "$url")
	[ -n "$hello_rps" ] || hello_rps=$rps
	print_row "$label" "$rps" "$p50" "$p99" "$status" "$sock"
done
read -r rps p50 p99 status sock < <(wrk -t"$threads" -c"$conns" -d"$duration" --latency \
	-s "$here/wrk-mixed.lua" "$base" | awk '/^RESULT /{print $2, $3, $4, $5, $6}')
print_row "cold: wrk-mixed.lua (every request a new URL)" "$rps" "$p50" "$p99" "$status" "$sock"

echo
echo "wrk -t$threads -c$conns -d$duration --latency; $(nproc) cores; $(go version 2>/dev/null | cut -d' ' -f3-) ; db $db"
