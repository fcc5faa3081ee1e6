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
// unless the operator set GOMEMLIMIT.
func TestBoundMemorySetsTheRuntimeLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	log := slog.New(slog.DiscardHandler)

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

	// A larger dataset's requests take more memory each: the limit grows by
	// headroomPerFlow a flow (the live heap may differ by a little between
	// the two collections, not by the 48 MB that 100,000 flows add).
	big := boundMemory(log, 100_000)
	if grew := big - got; grew < 100_000*headroomPerFlow-4<<20 || grew > 100_000*headroomPerFlow+4<<20 {
		t.Errorf("limit for 100,000 flows %d, for none %d: grew by %d, want about %d", big, got, grew, 100_000*headroomPerFlow)
	}
}
