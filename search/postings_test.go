package search

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

// matchPostings must find exactly what bleve's searchers find, with the
// same scores, on the shipped documents and on an index of several
// segments: words, phrases, Japanese words, exclusions, several words.
func TestPostingsMatchScoresAsBleve(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"ldap", "LDAP global catalog", `"global catalog"`, "kerberos -udp", "https", "port", "443",
		"ファイル転送", "windows プッシュインストール", "メール smtp", "directory sync",
		"citrix", "graph.microsoft.com", "digicert", "license server", "vda", "NetScaler gateway",
		"connection to global catalog", "ldap -ssl", `server -"domain controller"`, "LDAP/SSL",
		"通信", "監視", "メール通知", "Windowsエージェント", "PostgreSQL アクセス", "ﾌｧｲﾙ転送",
		"file transfer", "tcp/udp", "radius _ accounting", "the backup", "backup", "a b c",
		"管理サーバー", "ログ収集", "バックアップ", "データベース 監視", "認証 -ldap", "dns 53",
		`"kerberos authentication"`, "ldap kerberos dns smb", "https -ファイル",
	}
	// Words of the documents, so every field is searched for something.
	seen := map[string]bool{}
	for _, d := range docs {
		for _, s := range d.Sections {
			for i, f := range s.Flows {
				if i%7 != 0 {
					continue
				}
				for _, w := range strings.Fields(f.Purpose + " " + f.Source + " " + f.Service + " " + f.Notes) {
					if len(queries) < 600 && !seen[w] {
						seen[w] = true
						queries = append(queries, w)
					}
				}
			}
		}
	}
	for name, ds := range map[string][]data.Document{"shipped": docs, "repeated": repeat(docs, 8)} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ix")
			if err := Build(context.Background(), path, ds); err != nil {
				t.Fatal(err)
			}
			ix, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			answered := 0
			defer func(n, r uint64, w uint32) {
				parallelMatches, skipRatio, windowDocs = n, r, w
			}(parallelMatches, skipRatio, windowDocs)
			for _, text := range queries {
				q, _ := ParseQuery(text)
				if !q.HasText() {
					continue
				}
				if _, ok := ix.plan(q, flowFields); ok {
					answered++
				}
				want, err := ix.matchUsing(context.Background(), q, false)
				if err != nil {
					t.Fatal(err)
				}
				// On one processor and on all, reading the postings
				// through and skipping to the documents left, in
				// windows of many documents and of a few.
				for _, way := range []struct {
					parallel, skip uint64
					window         uint32
				}{{1e9, 8, 8192}, {0, 8, 8192}, {1e9, 0, 8192}, {0, 0, 8192}, {1e9, 8, 64}, {0, 8, 64}, {0, 0, 40}} {
					parallelMatches, skipRatio, windowDocs = way.parallel, way.skip, way.window
					got, err := ix.matchUsing(context.Background(), q, true)
					if err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(got.Seqs) != fmt.Sprint(want.Seqs) {
						t.Errorf("%q %v: postings match %d flows %v, bleve %d %v", text, way, len(got.Seqs), clipList(got.Seqs), len(want.Seqs), clipList(want.Seqs))
						continue
					}
					for i := range got.Scores {
						if got.Scores[i] != want.Scores[i] {
							t.Errorf("%q %v: flow %d scores %v, bleve %v", text, way, got.Seqs[i], got.Scores[i], want.Scores[i])
							break
						}
					}
				}
			}
			if answered < len(queries)/2 {
				t.Errorf("postings answered %d of %d queries", answered, len(queries))
			}
		})
	}
}

func clipList(l []int32) []int32 { return l[:min(len(l), 10)] }

// repeat is docs n times over, as distinct documents, so the index has
// several segments (two of 2,000 documents at 8 times the shipped ones).
func repeat(docs []data.Document, n int) []data.Document {
	var out []data.Document
	for i := range n {
		for _, d := range docs {
			d.Slug = fmt.Sprintf("%s-%d", d.Slug, i)
			d.Checksum = d.Slug
			secs := make([]data.Section, len(d.Sections))
			for j, s := range d.Sections {
				flows := make([]data.Flow, len(s.Flows))
				for k, f := range s.Flows {
					f.ID = fmt.Sprintf("%s-%d", f.ID, i)
					flows[k] = f
				}
				s.Flows = flows
				secs[j] = s
			}
			d.Sections = secs
			out = append(out, d)
		}
	}
	return out
}
