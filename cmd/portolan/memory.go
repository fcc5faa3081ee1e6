package main

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/portolan/portolan/web"
)

// memoryHeadroom is how far serve lets the Go runtime's memory grow past
// the data it keeps (the dataset's in-memory tables and a full response
// cache) before the garbage collector works harder to stay within it: room
// for the requests in flight and their garbage (issue 18), plus
// headroomPerFlow for each flow served, because a request's working memory
// grows with the dataset (a search's scores and match sets, a listing's
// matched rows: about 2 MB a search at 100k flows). With 32 MB alone at
// 100k flows, the collector ran several times a second and the runtime gave
// memory back to the system between requests that took it again (13% of
// the CPU in madvise), and a request took 3.7 ms of CPU instead of 2.4.
const (
	memoryHeadroom  = 32 << 20
	headroomPerFlow = 512
)

// servingGCPercent is how far past the live heap serve lets the heap grow
// before a collection (Go's default is 100), within the memory limit: at
// the shipped size the live heap is a few MB, and at 100 a request's
// garbage (40 KB for an uncached page) started a collection every hundred
// requests or so; the limit, not this, bounds what a large dataset or a
// full cache takes.
const servingGCPercent = 400

// boundMemory sets the Go runtime's soft memory limit to the heap in use now
// (after a collection: the open datasets' tables) plus the response cache's
// limit plus the headroom for a dataset of flows flows (memoryHeadroom),
// and returns it, and lets the heap grow to servingGCPercent past the live
// heap within it (unless GOGC says otherwise). Without the limit the
// collector lets
// the heap reach twice what is live, and a full cache of 64 MB took a
// 30 MB server to 277 MB resident. The limit is soft: a heap whose live data
// outgrows it is collected more often, never refused. GOMEMLIMIT, when set,
// is the operator's choice and is left alone (0 returned).
func boundMemory(log *slog.Logger, flows int) int64 {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return 0
	}
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var live int64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = int64(s[0].Value.Uint64())
	}
	limit := memoryLimit(live, flows)
	debug.SetMemoryLimit(limit)
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(servingGCPercent)
	}
	log.Info("memory limit", "limit_mb", limit>>20, "live_heap_mb", live>>20, "cache_mb", web.DefaultCacheBytes>>20, "flows", flows)
	return limit
}

// memoryLimit is serve's memory limit for a live heap of live bytes
// serving flows flows (see memoryHeadroom).
func memoryLimit(live int64, flows int) int64 {
	return live + web.DefaultCacheBytes + memoryHeadroom + int64(flows)*headroomPerFlow
}

// Ingest's memory: what the garbage collector may let the heap grow to
// (ingestMemoryLimit), and how far past the live heap it lets it grow
// before that (ingestGCPercent, against Go's default 100). A build
// allocates several times its input, almost all of it garbage at once
// (bleve's analysis and segments): a heap allowed to grow four times what
// is live is collected a quarter as often, which took a fifth of ingest's
// CPU away at 100k flows, and the limit keeps that within the memory a
// build of a million flows may take (issue 18: under 500 MB resident, with
// SQLite's page cache and the index segments being merged beside the heap).
const (
	ingestMemoryLimit = 300 << 20
	ingestGCPercent   = 400
)

// boundIngestMemory sets the collector for a dataset build (see
// ingestMemoryLimit), unless GOGC or GOMEMLIMIT say otherwise.
func boundIngestMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(ingestGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(ingestMemoryLimit)
	}
}
