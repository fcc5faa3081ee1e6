package main

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"testing"

	"github.com/portolan/portolan/web"
)

// serve bounds the Go runtime's memory by what it keeps plus headroom,
// unless the operator set GOMEMLIMIT, and within it collects less often
// than Go's default, unless the operator set GOGC.
func TestBoundMemorySetsTheRuntimeLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	prevGC := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prevGC) })
	log := slog.New(slog.DiscardHandler)
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")

	t.Setenv("GOMEMLIMIT", "") // set, even if empty: the operator's choice
	debug.SetMemoryLimit(math.MaxInt64)
	if got := boundMemory(log, 100_000); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set, boundMemory = %d and the limit is %d; want both left alone", got, debug.SetMemoryLimit(-1))
	}

	os.Unsetenv("GOMEMLIMIT") // t.Setenv restores it after the test
	got := boundMemory(log, 0)
	if min := int64(web.DefaultCacheBytes + memoryHeadroom); got <= min {
		t.Fatalf("boundMemory = %d, want more than the cache and headroom (%d): the live heap is in it", got, min)
	}
	if lim := debug.SetMemoryLimit(-1); lim != got {
		t.Errorf("runtime memory limit %d, want %d", lim, got)
	}
	if gc := debug.SetGCPercent(100); gc != servingGCPercent {
		t.Errorf("GC percent %d, want %d", gc, servingGCPercent)
	}

	// A larger dataset's requests take more memory each: 100,000 flows get
	// about 49 MB more room than the shipped 308, on the same live heap.
	const live = 12 << 20
	small, big := memoryLimit(live, 308), memoryLimit(live, 100_000)
	if small < live+web.DefaultCacheBytes+memoryHeadroom || big-small < 48<<20 {
		t.Errorf("limit for 308 flows %d MB, for 100,000 %d MB: want the cache, 32 MB and more room for the larger dataset", small>>20, big>>20)
	}

	t.Setenv("GOGC", "100")
	boundMemory(log, 0)
	if gc := debug.SetGCPercent(100); gc != 100 {
		t.Errorf("with GOGC set, GC percent %d, want it left at 100", gc)
	}
}
