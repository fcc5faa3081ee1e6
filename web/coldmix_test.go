package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/web"
)

// coldMixURL is scripts/wrk-mixed.lua's URL number n of family (0-3): port
// listings, searches (with a document, protocol, sort, direction and
// language), and the same through the API.
func coldMixURL(family, n int) string {
	words := []string{
		"ldap", "kerberos", "dns", "https", "smb", "rpc", "agent", "server",
		"directory", "replication", "certificate", "gateway", "sql", "database",
		"console", "proxy", "citrix", "connector", "license", "storefront",
		"delivery", "controller", "ica", "session", "print", "syslog", "snmp",
		"ntp", "radius", "web", "browser", "api", "update", "ssl", "tls",
		"authentication", "password", "domain", "catalog", "global", "sync",
		"azure", "graph", "port", "dynamic", "firewall", "notification", "remote",
		"ファイル", "転送", "通信", "サーバー", "エージェント", "配布", "管理",
		"ポート", "通知", "更新", "接続", "リモート",
	}
	pick := func(list []string) string {
		s := list[n%len(list)]
		n /= len(list)
		return s
	}
	if family == 0 || family == 2 {
		port := strconv.Itoa(n*7919%65535 + 1)
		if family == 0 {
			return "/flows?port=" + port
		}
		return "/api/v1/flows?port=" + port
	}
	w := pick(words)
	d := pick([]string{"", "citrix", "microsoft", "cayosoft", "lithnet", "endpoint-central"})
	p := pick([]string{"", "tcp", "udp"})
	s := pick([]string{"", "port"})
	q := "q=" + url.QueryEscape(w)
	if d != "" {
		q += "&doc=" + d
	}
	if p != "" {
		q += "&proto=" + p
	}
	if s != "" {
		q += "&sort=" + s
	}
	if family == 1 {
		di := pick([]string{"", "inbound", "outbound"})
		l := pick([]string{"en", "ja", "zh"})
		if di != "" {
			q += "&dir=" + di
		}
		return "/flows?" + q + "&lang=" + l
	}
	return "/api/v1/flows?" + q + "&limit=" + strconv.Itoa(20+n%100)
}

// BenchmarkColdMix runs scripts/wrk-mixed.lua's requests, every one a new
// URL, through the whole middleware chain with the response cache on: what
// bench-http.sh's "cold" row costs the server, without the sockets.
func BenchmarkColdMix(b *testing.B) { coldMix(b, false) }

// BenchmarkColdMixBounded is BenchmarkColdMix under the memory limit serve
// sets (cmd/portolan's boundMemory: the live heap, the cache's limit and 32
// MB), where the collector runs as often as it does in serve.
func BenchmarkColdMixBounded(b *testing.B) { coldMix(b, true) }

func coldMix(b *testing.B, bounded bool) {
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), testDB(b), sharedDB.idx)
	reqs := make([]*http.Request, 4*4096)
	for j := range reqs {
		reqs[j] = httptest.NewRequest(http.MethodGet, coldMixURL(j%4, j/4), nil)
	}
	w := &discardWriter{h: http.Header{}}
	if bounded {
		runtime.GC()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		prev := debug.SetMemoryLimit(int64(live[0].Value.Uint64()) + web.DefaultCacheBytes + 32<<20)
		defer debug.SetMemoryLimit(prev)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, gc0 := processCPU(b), gcCycles()
	for i := range b.N {
		if i%len(reqs) == 0 && i > 0 {
			b.StopTimer()
			srv = web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), testDB(b), sharedDB.idx)
			b.StartTimer()
		}
		clear(w.h)
		srv.ServeHTTP(w, reqs[i%len(reqs)])
	}
	// The process's CPU time, garbage collection included: on a machine
	// shared with other work the steadier figure.
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(gcCycles()-gc0)*1000/float64(b.N), "gcs/1000op")
}

// gcCycles is how many collections the process has completed.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// processCPU is the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
