package search

import (
	"context"
	"math"
	"os"
	"syscall"
	"testing"
	"time"
)

// BenchmarkMatchIndex measures Match alone on an index already built, such
// as BenchmarkScale's (cmd/portolan) at 100k or 1M flows, with the words
// BenchmarkScale searches for, reporting the CPU time per search (steadier
// than wall time on a shared machine). PORTOLAN_BENCH_BLEVE=1 measures
// bleve's searchers instead of matchPostings, and PORTOLAN_BENCH_SERIAL=1
// matchPostings on one processor, for comparison:
//
//	PORTOLAN_BENCH_INDEX=/tmp/s100k/portolan.db.d/ds-N/index.bleve \
//	  go test ./search -run '^$' -bench MatchIndex -benchmem -benchtime 200x
func BenchmarkMatchIndex(b *testing.B) {
	path := os.Getenv("PORTOLAN_BENCH_INDEX")
	if path == "" {
		b.Skip("PORTOLAN_BENCH_INDEX not set")
	}
	ix, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	postings := os.Getenv("PORTOLAN_BENCH_BLEVE") == ""
	if os.Getenv("PORTOLAN_BENCH_SERIAL") != "" {
		defer func(n uint64) { parallelMatches = n }(parallelMatches)
		parallelMatches = math.MaxUint64
	}
	for _, w := range []string{"backup", "syslog", "certificate", "monitoring", "license server",
		"バックアップ", "監視", "管理サーバー", "ログ収集"} {
		b.Run(w, func(b *testing.B) {
			q, _ := ParseQuery(w)
			n := 0
			cpu0 := cpuTime(b)
			for b.Loop() {
				m, err := ix.matchUsing(context.Background(), q, postings)
				if err != nil {
					b.Fatal(err)
				}
				n = len(m.Seqs)
			}
			b.ReportMetric(float64(n), "hits")
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
