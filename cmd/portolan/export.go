package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/csvout"
	"github.com/portolan/portolan/store"
)

// runExport is `portolan export [-format json|csv] [-db PATH] [-base-url URL]`: it
// prints every flow in the database, in document order, building the database
// from the embedded documents first if there is none.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "export [-format json|csv] [-db PATH] [-base-url URL]", stderr)
	format := fs.String("format", "json", "output `format`: json or csv")
	dbPath := fs.String("db", defaultDB, "SQLite database `file` to read (built from the embedded documents if missing)")
	baseURL := fs.String("base-url", "", "`URL` of the Portolan server, put in front of each flow's link in CSV (e.g. https://portolan.example.com)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portolan export: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if *format != "json" && *format != "csv" {
		fmt.Fprintf(stderr, "portolan export: unknown format %q: want json or csv\n", *format)
		fs.Usage()
		return errUsage
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := ensureDatabase(ctx, log, *dbPath, false); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()

	w := bufio.NewWriter(stdout)
	if *format == "csv" {
		err = exportCSV(ctx, w, db, *baseURL)
	} else {
		err = exportJSON(ctx, w, db)
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// exportJSON streams {"total":N,"flows":[...]} with one flow per line, the same
// objects the JSON API returns, without holding every flow in memory.
func exportJSON(ctx context.Context, w io.Writer, db *store.DB) error {
	_, total, err := db.Flows(ctx, store.FlowFilter{Limit: 1})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "{\"total\":%d,\"flows\":[", total); err != nil {
		return err
	}
	sep := "\n"
	n := 0
	err = db.EachFlow(ctx, store.FlowFilter{}, func(f data.Flow) error {
		b, err := json.Marshal(jsonFlow(f))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		sep = ",\n"
		n++
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	if n != total {
		return fmt.Errorf("export: counted %d flows but read %d; was the database rebuilt meanwhile?", total, n)
	}
	_, err = io.WriteString(w, "\n]}\n")
	return err
}

// jsonFlow gives empty lists as [] rather than null, so a consumer can always
// iterate over protocols and ports.
func jsonFlow(f data.Flow) data.Flow {
	if f.Protocols == nil {
		f.Protocols = []string{}
	}
	if f.Ports == nil {
		f.Ports = []data.PortRange{}
	}
	return f
}

// exportCSV streams every flow through the same CSV writer the web exports use.
func exportCSV(ctx context.Context, w io.Writer, db *store.DB, baseURL string) error {
	langs, err := db.DocLanguages(ctx)
	if err != nil {
		return err
	}
	titlesEn, err := db.SectionTitlesEn(ctx)
	if err != nil {
		return err
	}
	c, err := csvout.NewFlows(w, baseURL)
	if err != nil {
		return err
	}
	c.Langs, c.TitlesEn = langs, titlesEn
	if err := db.EachFlow(ctx, store.FlowFilter{}, c.Write); err != nil {
		return err
	}
	return c.Flush()
}
