package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenThenIngestAddsExactlyTheGeneratedFlows generates a corpus and ingests it
// with the embedded documents, as the README says to: the total is the embedded
// flows plus exactly the generated ones.
func TestGenThenIngestAddsExactlyTheGeneratedFlows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "synth")
	out := mustPortolan(t, "gen", "-flows", "300", "-docs", "7", "-out", dir, "-seed", "5")
	if !strings.HasPrefix(out, "wrote 7 documents, 300 flows, ") || !strings.HasSuffix(out, " bytes to "+dir+"\n") {
		t.Errorf("gen printed %q, want one line with documents, flows, bytes and the directory", out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) != 7 {
		t.Fatalf("gen wrote %d .txt files (%v), want 7", len(files), err)
	}
	var size int64
	all, _ := os.ReadDir(dir)
	for _, e := range all {
		fi, _ := e.Info()
		size += fi.Size()
	}
	if !strings.Contains(out, " "+itoa(int(size))+" bytes ") {
		t.Errorf("gen printed %q; the files hold %d bytes", out, size)
	}

	ingest := mustPortolan(t, append([]string{"ingest", "-db", filepath.Join(t.TempDir(), "big.db")}, files...)...)
	embedded := 0
	for _, d := range embeddedDocs(t) {
		embedded += countFlows(d)
	}
	var total []string
	for _, l := range strings.Split(ingest, "\n") {
		if f := strings.Fields(l); len(f) == 4 && f[0] == "total" {
			total = f
		}
	}
	if total == nil || total[2] != itoa(embedded+300) {
		t.Errorf("ingest total = %v, want %d flows (%d embedded + 300 generated):\n%s", total, embedded+300, embedded, ingest)
	}
	if !strings.Contains(ingest, "synth-00007 ") {
		t.Errorf("ingest output has no line for synth-00007:\n%s", ingest)
	}
}

func TestGenWritesTheSameBytesForTheSameSeed(t *testing.T) {
	a, b, c := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")
	mustPortolan(t, "gen", "-flows", "50", "-docs", "2", "-out", a, "-seed", "9")
	mustPortolan(t, "gen", "-flows", "50", "-docs", "2", "-out", b, "-seed", "9")
	mustPortolan(t, "gen", "-flows", "50", "-docs", "2", "-out", c, "-seed", "10")
	for _, name := range []string{"synth-00001.txt", "synth-00001.json", "synth-00002.txt"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		z, _ := os.ReadFile(filepath.Join(c, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with -seed 9", name)
		}
		if strings.HasSuffix(name, ".txt") && bytes.Equal(x, z) {
			t.Errorf("%s is the same with -seed 9 and -seed 10", name)
		}
	}
	// Running it again into the same directory overwrites its own files.
	mustPortolan(t, "gen", "-flows", "50", "-docs", "2", "-out", a, "-seed", "9")
}

func TestGenRejectsBadFlagsWithUsage(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"-docs", "1", "-out", out}, "-flows must be at least 1"},
		{[]string{"-flows", "0", "-docs", "1", "-out", out}, "-flows must be at least 1"},
		{[]string{"-flows", "10", "-out", out}, "-docs must be between 1 and -flows (10)"},
		{[]string{"-flows", "10", "-docs", "11", "-out", out}, "-docs must be between 1 and -flows (10)"},
		{[]string{"-flows", "10", "-docs", "2"}, "-out DIR is required"},
		{[]string{"-flows", "ten", "-docs", "2", "-out", out}, "invalid value"},
		{[]string{"-flows", "10", "-docs", "2", "-out", out, "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			_, errOut, err := portolan(t, append([]string{"gen"}, tt.args...)...)
			if !errors.Is(err, errUsage) {
				t.Errorf("err = %v, want errUsage", err)
			}
			if !strings.Contains(errOut, tt.msg) || !strings.Contains(errOut, "Usage: portolan gen") {
				t.Errorf("stderr = %q, want %q and the usage", errOut, tt.msg)
			}
		})
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("a rejected command line wrote %d files", len(entries))
	}
}

// A directory holding other documents would make `ingest DIR/*.txt` read more
// flows than were asked for: gen refuses it and writes nothing.
func TestGenRefusesADirectoryWithOtherDocuments(t *testing.T) {
	dir := t.TempDir()
	mustPortolan(t, "gen", "-flows", "30", "-docs", "3", "-out", dir)
	before := read(t, dir, "synth-00001.txt")
	_, _, err := portolan(t, "gen", "-flows", "20", "-docs", "2", "-out", dir, "-seed", "2")
	if err == nil || !strings.Contains(err.Error(), "synth-00003") {
		t.Errorf("gen into a directory with a larger corpus: err = %v, want one naming synth-00003", err)
	}
	if read(t, dir, "synth-00001.txt") != before {
		t.Error("a refused gen changed a file")
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
