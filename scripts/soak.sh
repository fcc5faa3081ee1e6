#!/usr/bin/env bash
# soak.sh runs Portolan under mixed traffic for a while, reloading its dataset
# now and then, and checks that it stays healthy.
#
#   scripts/soak.sh [DURATION] [DB]        DURATION: 10m (default), 90s, 1h
#
# It builds the binary, starts `portolan serve -watch 0 -debug-addr ...` on
# free ports of 127.0.0.1 (on a copy of DB and its index, or on a new
# database of the shipped documents), and runs wrk with scripts/soak.lua:
# every page kind, searches (English and Japanese), facets, flow pages, CSV,
# the JSON API and SVG diagrams, over SOAK_CONNS connections (default 8),
# each request allowed 30 s (a soak looks for leaks and failures, not
# latency). Every SOAK_RELOAD seconds (default 120; once, in the middle, in a
# shorter run) it reloads with SIGHUP: with no DB given, after re-ingesting
# with an extra document or without it, so the dataset really changes; with
# a DB, the same files. Every 10 s it samples the server's RSS
# (/proc/PID/status), the Go heap live after the last collection, goroutines
# and open generations (/debug/portolan), open files and the machine's load.
#
# At the end it prints the samples and a verdict: no response other than 2xx
# and no socket error, every SIGHUP reloaded, one generation open, nothing
# logged at ERROR, and RSS, live heap, goroutines and open files flat (the
# mean of the last third of the samples after warm-up, the first minute or
# sixth of the run, within 20% of the first third's, plus a little slack for
# small counts). Exit status 0 on
# PASS, 1 on FAIL. Logs stay in the temporary directory it names. Needs go,
# curl, jq and wrk.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
duration=${1:-10m}
src_db=${2:-}
conns=${SOAK_CONNS:-8}
reload_every=${SOAK_RELOAD:-120}
sample_every=10

case "$duration" in
*h) secs=$((${duration%h} * 3600)) ;;
*m) secs=$((${duration%m} * 60)) ;;
*s) secs=${duration%s} ;;
*[!0-9]* | "") echo "soak.sh: bad duration $duration: want 90s, 10m or 1h" >&2; exit 2 ;;
*) secs=$duration ;;
esac
if [ "$secs" -lt 60 ]; then
	echo "soak.sh: a soak shorter than 60s says nothing" >&2
	exit 2
fi
warmup=$((secs / 6 < 60 ? secs / 6 : 60))
for tool in go curl jq wrk; do
	command -v "$tool" >/dev/null || { echo "soak.sh: $tool not found" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portolan-soak.XXXXXX")
pid=""
wrk_pid=""
cleanup() {
	for p in $wrk_pid $pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
echo "soak.sh: logs and data in $tmp"

bin=$tmp/portolan
(cd "$root" && go build -o "$bin" ./cmd/portolan)
db=$tmp/soak.db
if [ -n "$src_db" ]; then
	cp "$src_db" "$db"
	cp -r "$src_db.bleve" "$db.bleve"
fi
# The extra document the reloads add and take away again.
cat >"$tmp/soak-extra.txt" <<'EOF'
Soak Widget ports
Widget server
Source | Destination | Port | Description |
---|---|---|---|
Widget client | Widget server | 443 | Web UI |
Widget client | Widget server | 8443 | Agent |
EOF
echo '{"slug":"soak-extra","vendor":"Soak","product":"Widget","language":"en","url":"https://soak.example/ports"}' >"$tmp/soak-extra.json"

: >"$tmp/serve.log"
# The access log's 2xx and 3xx lines are left out: millions of them say nothing.
"$bin" serve -addr 127.0.0.1:0 -debug-addr 127.0.0.1:0 -watch 0 -db "$db" \
	2> >(grep --line-buffered -v -E ' msg=http .* status=[23][0-9][0-9] ' >"$tmp/serve.log") &
pid=$!
base="" debug=""
for _ in $(seq 600); do
	base=$(sed -n 's/.*msg=listening url=\(http:[^ ]*\).*/\1/p' "$tmp/serve.log" | head -1)
	debug=$(sed -n 's/.*msg="debug listening" url=\(http:[^ ]*\)\/debug\/.*/\1/p' "$tmp/serve.log" | head -1)
	[ -n "$base" ] && [ -n "$debug" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$base" ] || { echo "soak.sh: serve did not start" >&2; cat "$tmp/serve.log" >&2; exit 1; }
echo "soak.sh: serving $base (debug $debug), pid $pid, for $duration with $conns connections"

# The URLs: fixed ones, and per document, section and flow from the API.
paths=$tmp/paths.txt
{
	echo "/"
	echo "/?lang=ja"
	echo "/hosts"
	echo "/hosts?q=microsoft"
	echo "/hosts.csv"
	echo "/flows"
	echo "/flows?q=ldap"
	echo "/flows?q=kerberos+-ssl&proto=tcp"
	echo "/flows?q=%22global+catalog%22"
	echo "/flows?q=%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB%E8%BB%A2%E9%80%81" # ファイル転送
	echo "/flows?q=%E8%BB%A2%E9%80%81&lang=ja"                            # 転送
	echo "/flows?q=%EF%BC%B4%EF%BC%A3%EF%BC%B0+%EF%BC%94%EF%BC%94%EF%BC%93" # ＴＣＰ ４４３
	echo "/flows?q=kerbros"
	echo "/flows?port=50000"
	echo "/flows?port=80-90&proto=tcp"
	echo "/flows?proto=udp&doc=citrix&page=2"
	echo "/flows?req=required&dir=inbound"
	echo "/flows?doc=endpoint-central&lang=zh"
	echo "/flows.csv"
	echo "/flows.csv?proto=udp"
	echo "/flows.csv?q=%E3%82%A8%E3%83%BC%E3%82%B8%E3%82%A7%E3%83%B3%E3%83%88&lang=ja" # エージェント
	echo "/ports/443"
	echo "/ports/53"
	echo "/api/v1/docs"
	echo "/api/v1/flows"
	echo "/api/v1/flows?port=50000&proto=tcp"
	echo "/api/v1/flows?q=dns&limit=20&offset=5"
	echo "/api/v1/hosts"
	curl -fsS "$base/api/v1/docs" | jq -r '.docs[] | .url, .csv, .url + "/source", .url + "/diagram.svg", (.sections[] | .url, .url + "/diagram.svg")'
	curl -fsS "$base/api/v1/flows?limit=1000" | jq -r '.flows | to_entries[] | select(.key % 10 == 0) | .value.url, "/api/v1/flows/" + .value.id'
} >"$paths"
echo "soak.sh: $(wc -l <"$paths") URLs"
while read -r p; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$base$p")
	[ "$code" = 200 ] || { echo "soak.sh: GET $p = $code before the soak" >&2; exit 1; }
done <"$paths"

SOAK_PATHS=$paths wrk -t2 -c"$conns" -d"${secs}s" --timeout 30s -s "$here/soak.lua" "$base" >"$tmp/wrk.out" 2>&1 &
wrk_pid=$!

sample() {
	local rss heap goroutines gens fds load
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	read -r heap goroutines gens < <(curl -fsS "$debug/debug/portolan" |
		jq -r '"\(.heap_live_bytes / 104857.6 | floor / 10) \(.goroutines) \(.generations)"')
	fds=$(ls "/proc/$pid/fd" | wc -l)
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "$1 $((rss / 1024)) $heap $goroutines $gens $fds $load" >>"$tmp/samples"
}

start=$(date +%s)
hups=0
reload_pid=""
next_reload=$((reload_every < secs ? reload_every : secs / 2))
next_sample=0
: >"$tmp/samples"
while kill -0 "$wrk_pid" 2>/dev/null; do
	t=$(($(date +%s) - start))
	if [ "$t" -ge "$next_reload" ] && [ "$t" -lt "$secs" ]; then
		[ -z "$reload_pid" ] || wait "$reload_pid" || true
		extra=()
		[ -z "$src_db" ] && [ $((hups % 2)) = 0 ] && extra=("$tmp/soak-extra.txt")
		hups=$((hups + 1))
		echo "soak.sh: reload $hups at ${t}s"
		(
			[ -n "$src_db" ] || "$bin" ingest -db "$db" "${extra[@]}" >>"$tmp/ingest.log" 2>&1
			kill -HUP "$pid"
		) &
		reload_pid=$!
		next_reload=$((next_reload + reload_every))
	fi
	if [ "$t" -ge "$next_sample" ] && [ "$t" -lt "$secs" ]; then
		sample "$t"
		next_sample=$((next_sample + sample_every))
	fi
	sleep 1
done
wait "$wrk_pid" || true
wrk_pid=""
[ -z "$reload_pid" ] || wait "$reload_pid" || true
sleep 1
sample "$(($(date +%s) - start))" # after the load: not one of the samples compared
echo
echo "time_s rss_mib heap_live_mib goroutines generations open_files load1"
column -t "$tmp/samples"
echo "(the last row is after the load ended)"
echo
sed -n '/Latency/p; /Req\/Sec/p; /requests in/p; /Socket errors/p; /Non-2xx/p; /^SOAK/p' "$tmp/wrk.out"

fail=()
soak=$(grep '^SOAK' "$tmp/wrk.out" || true)
[ -n "$soak" ] || fail+=("wrk printed no summary: $(tail -3 "$tmp/wrk.out")")
for k in non2xx connect read write timeout; do
	v=$(sed -n "s/.* $k=\([0-9]*\).*/\1/p" <<<"$soak")
	[ "${v:-1}" = 0 ] || fail+=("$k=$v")
done
reloads=$(grep -c 'msg=reloaded trigger=SIGHUP' "$tmp/serve.log" || true)
[ "$reloads" = "$hups" ] || fail+=("$hups SIGHUPs, $reloads reloads")
[ "$hups" -gt 0 ] || fail+=("no reload")
gens=$(tail -1 "$tmp/samples" | cut -d' ' -f5)
[ "$gens" = 1 ] || fail+=("$gens generations open at the end")
grep -q 'level=ERROR' "$tmp/serve.log" && fail+=("errors logged: $(grep -c 'level=ERROR' "$tmp/serve.log")")
# Flat: the mean of the last third after warm-up against the first third's.
flat=$(awk -v w="$warmup" '
	{ all[NR] = $0 }
	END {
		# the last sample is after the load
		for (i = 1; i < NR; i++) { split(all[i], f); if (f[1] >= w) { n++; t[n] = all[i] } }
		if (n < 3) { print "too few samples after warm-up"; exit }
		k = int(n / 3)
		split("time_s rss_mib heap_live_mib goroutines generations open_files", name)
		slack[2] = 1; slack[3] = 1; slack[4] = 5; slack[6] = 5
		for (c = 2; c <= 6; c++) {
			if (!(c in slack)) continue
			a = 0; b = 0
			for (i = 1; i <= k; i++) { split(t[i], f); a += f[c] }
			for (i = n - k + 1; i <= n; i++) { split(t[i], f); b += f[c] }
			a /= k; b /= k
			printf "%s: first third %.1f, last third %.1f (%+.0f%%)", name[c], a, b, a ? (b - a) * 100 / a : 0
			if (b > a * 1.2 + slack[c]) printf " GROWING"
			printf "\n"
		}
	}' "$tmp/samples")
echo
echo "$flat"
grep -q 'GROWING\|too few' <<<"$flat" && fail+=("not flat")
echo
if [ ${#fail[@]} -eq 0 ]; then
	echo "PASS: $hups reloads, no errors, memory, goroutines and open files flat"
else
	printf 'FAIL: %s\n' "${fail[@]}"
	exit 1
fi
