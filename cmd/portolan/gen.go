package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/portolan/portolan/data/synth"
)

// runGen is `portolan gen -flows N -docs M -out DIR [-seed S]`: it writes M
// synthetic documents holding N flows in all (DIR/synth-00001.txt and its
// metadata synth-00001.json, ...), so that `portolan ingest -db big.db DIR/*.txt`
// exercises the pipeline at scale. The same seed writes the same bytes.
func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", "gen -flows N -docs M -out DIR [-seed S]", stderr)
	flows := fs.Int("flows", 0, "`N`, the number of flows to generate in all (at least 1)")
	docs := fs.Int("docs", 0, "`M`, the number of documents to spread them over (1 to N; N/M flows each)")
	out := fs.String("out", "", "`DIR`ectory to write the documents to (created if missing)")
	seed := fs.Uint64("seed", 1, "`S`eed of the generator: the same seed writes the same bytes")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "portolan gen: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	o := synth.Options{Flows: *flows, Docs: *docs, Seed: *seed}
	switch {
	case *flows < 1:
		return usageErr("-flows must be at least 1 (got %d)", *flows)
	case *docs < 1 || *docs > *flows:
		return usageErr("-docs must be between 1 and -flows (%d) (got %d)", *flows, *docs)
	case *out == "":
		return usageErr("-out DIR is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := checkNoOtherDocuments(*out, o.Docs); err != nil {
		return err
	}
	var written int64
	err := synth.Generate(o, func(name string, b []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		written += int64(len(b))
		return os.WriteFile(filepath.Join(*out, name), b, 0o644)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %d documents, %d flows, %d bytes to %s\n", o.Docs, o.Flows, written, *out)
	return err
}

// checkNoOtherDocuments refuses a directory holding documents this run would not
// overwrite (another corpus, a larger earlier one): `portolan ingest DIR/*.txt`
// would read them too and ingest more flows than asked for.
func checkNoOtherDocuments(dir string, docs int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	ours := make(map[string]bool, 2*docs)
	for i := range docs {
		ours[synth.Slug(i, docs)+".txt"] = true
		ours[synth.Slug(i, docs)+".json"] = true
	}
	for _, e := range entries {
		name := e.Name()
		if (strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".json")) && !ours[name] {
			return fmt.Errorf("%s already holds %s, which this corpus would not overwrite and `portolan ingest %s` would read too; use an empty directory", dir, name, filepath.Join(dir, "*.txt"))
		}
	}
	return nil
}
