#!/usr/bin/env bash
# bench-http.sh measures Portolan's HTTP side against a bare net/http handler.
#
#   scripts/bench-http.sh [-db PATH] [-bin PATH] [-d 10s] [-c 16] [-t 2]
#                         [-hello-addr 127.0.0.1:8099] [-addr 127.0.0.1:8098] [-paired]
#
# It builds the binary (go build -o, unless -bin names one), starts
# `portolan hello` (the baseline: a handler that writes "hello\n") and
# `portolan serve -db PATH` (default: a new database of the shipped documents
# in a temporary directory), waits for /healthz, checks that every URL answers
# 200 and warms it up, then runs `wrk -tT -cC -dD --latency` against each URL
# and prints a markdown table: requests/s, the ratio to hello, p50, p99,
# errors (responses with status >= 400 / socket errors), and the CPU time the
# server process spent per request (from /proc; wrk runs on the same cores,
# so this column says what the server costs even when other load skews the
# rest). Runs on one URL measure the response cache once warm; the "cold" row
# runs wrk-mixed.lua, whose requests all ask for different URLs. hello is
# measured first and last, to show drift; with -paired it is also measured
# right before every other row, and each ratio is to that run (twice the time,
# but fair when the machine's load changes during the benchmark). Both
# servers listen on loopback
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
paired=""

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
	-hello-addr) hello_addr=$2; shift 2 ;;
	-addr) serve_addr=$2; shift 2 ;;
	-paired) paired=1; shift ;;
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

for addr in "$hello_addr" "$serve_addr"; do
	if curl -s -o /dev/null "http://$addr/"; then
		echo "bench-http.sh: something already answers on $addr; pick another with -hello-addr/-addr" >&2
		exit 1
	fi
done
"$bin" hello -addr "$hello_addr" 2>"$tmp/hello.log" &
hello_pid=$!
pids+=($hello_pid)
"$bin" serve -addr "$serve_addr" -db "$db" 2>"$tmp/serve.log" &
serve_pid=$!
pids+=($serve_pid)

# wait_up waits up to 120 s for URL to answer 200 (serve may build its
# database and index first).
wait_up() {
	for _ in $(seq 1 1200); do
		if curl -fs -o /dev/null "$1"; then
			return 0
		fi
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench-http.sh: $1 did not come up; log:" >&2
	cat "$tmp"/*.log >&2
	exit 1
}
wait_up "http://$hello_addr/healthz" "$hello_pid"
wait_up "http://$serve_addr/healthz" "$serve_pid"

base=http://$serve_addr
flow_id=$(curl -fsS "$base/api/v1/flows?limit=5" | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4)
[ -n "$flow_id" ] || { echo "bench-http.sh: no flow id from /api/v1/flows" >&2; exit 1; }

# Each row: a label, the URL wrk requests and optionally a request header.
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
	"/flows?q=ldap, gzip (as browsers ask)|$base/flows?q=ldap|Accept-Encoding: gzip, deflate, br"
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

# cpu_ticks prints the user+system clock ticks process $1 has used.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat"
}

# run_wrk runs wrk against the server with pid $1, with the script and URL
# that follow, and prints the RESULT fields and the server's CPU µs per
# request.
run_wrk() {
	local pid=$1 before after
	shift
	before=$(cpu_ticks "$pid")
	wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$@" >"$tmp/wrk.out"
	after=$(cpu_ticks "$pid")
	awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '/^RESULT /{
		n = $2 * $7
		printf "%s %s %s %s %s %.0f\n", $2, $3, $4, $5, $6, (n > 0 ? ticks / hz * 1e6 / n : 0)
	}' "$tmp/wrk.out"
}

# Warm-up: every URL once (fills the cache) and a short wrk run per server.
for row in "${rows[@]}"; do
	rest=${row#*|}
	check "${rest%%|*}"
done
wrk -t"$threads" -c"$conns" -d2s "http://$hello_addr/" >/dev/null
wrk -t"$threads" -c"$conns" -d2s "$base/flows?q=ldap" >/dev/null

fmt_ms() { awk -v us="$1" 'BEGIN{printf "%.2f ms", us/1000}'; }

hello_rps=""
echo "| URL | req/s | × hello | p50 | p99 | errors (≥400 / socket) | server CPU/req |"
echo "|---|---:|---:|---:|---:|---:|---:|"
# pair measures hello again just before a row, with -paired.
pair() {
	[ -n "$paired" ] || return 0
	read -r hello_rps _ < <(run_wrk "$hello_pid" "$here/wrk-report.lua" "http://$hello_addr/")
}
print_row() {
	local label=$1 rps=$2 p50=$3 p99=$4 status=$5 sock=$6 cpu=$7
	local ratio
	ratio=$(awk -v a="$rps" -v b="$hello_rps" 'BEGIN{printf "%.2f", a/b}')
	printf '| `%s` | %.0f | %s | %s | %s | %s / %s | %s µs |\n' "$label" "$rps" "$ratio" \
		"$(fmt_ms "$p50")" "$(fmt_ms "$p99")" "$status" "$sock" "$cpu"
}
for row in "${rows[@]}"; do
	label=${row%%|*}
	rest=${row#*|}
	url=${rest%%|*}
	header=()
	[ "$rest" = "$url" ] || header=(-H "${rest#*|}")
	pid=$serve_pid
	if [ "$url" = "http://$hello_addr/" ]; then
		pid=$hello_pid
	else
		pair
	fi
	read -r rps p50 p99 status sock cpu < <(run_wrk "$pid" "$here/wrk-report.lua" "${header[@]}" "$url")
	[ -n "$hello_rps" ] || hello_rps=$rps
	print_row "$label" "$rps" "$p50" "$p99" "$status" "$sock" "$cpu"
done
pair
read -r rps p50 p99 status sock cpu < <(run_wrk "$serve_pid" "$here/wrk-mixed.lua" "$base")
print_row "cold: wrk-mixed.lua (every request a new URL)" "$rps" "$p50" "$p99" "$status" "$sock" "$cpu"
read -r rps p50 p99 status sock cpu < <(run_wrk "$hello_pid" "$here/wrk-report.lua" "http://$hello_addr/")
print_row "hello (again, for drift)" "$rps" "$p50" "$p99" "$status" "$sock" "$cpu"

echo
[ -z "$paired" ] || echo "(-paired: each × hello is to a hello run just before that row)"
echo "wrk -t$threads -c$conns -d$duration --latency; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; db $db"
