package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/search"
)

// BenchmarkListingDataset measures the store's part of the listings
// cmd/portolan's BenchmarkScale serves (Listing: the page's rows, the
// total and the facet counts), without rendering, on a dataset portolan
// ingested: PORTOLAN_STORE_BENCH_DB names its portolan.db (the symlink),
// the index beside it gives the searches' matches. Skipped without it.
//
//	PORTOLAN_STORE_BENCH_DB=/work/s100k/portolan.db go test ./store -run '^$' -bench ListingDataset
func BenchmarkListingDataset(b *testing.B) {
	path := os.Getenv("PORTOLAN_STORE_BENCH_DB")
	if path == "" {
		b.Skip("PORTOLAN_STORE_BENCH_DB not set")
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := Open(ctx, target)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	ix, err := search.Open(filepath.Join(filepath.Dir(target), "index.bleve"))
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	matches := func(text string) search.MatchSet {
		q, err := search.ParseQuery(text)
		if err != nil {
			b.Fatal(err)
		}
		m, err := ix.Match(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	en := []string{"backup", "syslog", "certificate", "replication", "license", "monitoring", "directory",
		"agents", "console", "update"}
	ja := []string{"バックアップ", "監視", "ファイル", "認証", "管理サーバー", "配信", "ログ収集", "データベース"}
	enM, jaM := make([]search.MatchSet, len(en)), make([]search.MatchSet, len(ja))
	for i, w := range en {
		enM[i] = matches(w)
	}
	for i, w := range ja {
		jaM[i] = matches(w)
	}
	docs := db.table.Docs
	classes := []struct {
		name string
		ff   func(i int) (ff, base FlowFilter)
	}{
		{"listing_port", func(i int) (FlowFilter, FlowFilter) {
			ff := FlowFilter{Filter: where(fmt.Sprintf("port=%d", 49152+i%16000)), Limit: 50}
			return ff, ff
		}},
		{"listing_proto_port", func(i int) (FlowFilter, FlowFilter) {
			ff := FlowFilter{Filter: where(fmt.Sprintf("proto=tcp&port=%d", 49152+i%16000)), Limit: 50, Offset: 50 * (i % 3)}
			base := ff
			base.Filter = where(fmt.Sprintf("port=%d", 49152+i%16000))
			return ff, base
		}},
		{"search_en", func(i int) (FlowFilter, FlowFilter) {
			m := enM[i%len(en)]
			ff := FlowFilter{Seqs: m.Seqs, Scores: m.Scores, Limit: 50, Offset: 50 * (i / len(en) % 5)}
			return ff, ff
		}},
		{"search_ja", func(i int) (FlowFilter, FlowFilter) {
			m := jaM[i%len(ja)]
			ff := FlowFilter{Seqs: m.Seqs, Scores: m.Scores, Limit: 50, Offset: 50 * (i / len(ja) % 5)}
			return ff, ff
		}},
		{"facets", func(i int) (FlowFilter, FlowFilter) {
			m := enM[i%len(en)]
			ff := FlowFilter{Filter: where(fmt.Sprintf("proto=udp&req=required&doc=%s&port=%d", docs[i%len(docs)], 1+i%60000)),
				Seqs: m.Seqs, Scores: m.Scores, Limit: 50}
			base := ff
			base.Filter = where(fmt.Sprintf("port=%d", 1+i%60000))
			return ff, base
		}},
	}
	for _, c := range classes {
		b.Run(c.name, func(b *testing.B) {
			total := 0
			cpu0 := cpuTime(b)
			for i := 0; b.Loop(); i++ {
				ff, base := c.ff(i)
				_, n, _, err := db.Listing(ctx, ff, base)
				if err != nil {
					b.Fatal(err)
				}
				total += n
			}
			b.ReportMetric(float64(total)/float64(b.N), "matches/op")
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the user and system CPU time the process has used: on a
// machine shared with other work a steadier figure than the wall clock.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
