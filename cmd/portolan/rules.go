package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/portolan/portolan/data/rules"
	"github.com/portolan/portolan/data/rules/encode"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// listFlag is a flag that may be given more than once (-doc citrix -doc lithnet).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// errIncomplete is what -strict returns for a change request with unmapped
// endpoints or flows that gave no rule; main exits with status 1.
var errIncomplete = errors.New("change request incomplete")

// runRules is `portolan rules -format F -map FILE [filters]`: the change
// request of the flows the filters select (the same filters as /flows and
// /change), written in one output format to stdout.
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rules", "rules -format "+strings.Join(encode.Names(), "|")+" [-map FILE] [-strict] [filters]", stderr)
	format := fs.String("format", "md", "output `format`: "+strings.Join(encode.Names(), ", "))
	mapFile := fs.String("map", "", "endpoint mapping `file`: lines \"endpoint name = 10.0.0.5, 10.0.1.0/24\" (see README)")
	strict := fs.Bool("strict", false, "exit with status 1 when the request is incomplete (an endpoint not mapped, a flow with no rule)")
	dbPath := fs.String("db", defaultDB, "SQLite database `file` to read (built from the embedded documents if missing)")
	baseURL := fs.String("base-url", "", "`URL` of the Portolan server, put in front of the links to each flow's source line")
	filters := map[string]*listFlag{}
	for _, f := range []struct{ name, usage string }{
		{"doc", "document `slug` (repeatable)"},
		{"section", "section `slug` (repeatable)"},
		{"proto", "`protocol` tcp, udp, icmp, ... (repeatable)"},
		{"port", "`port` or range N-M that the flow's ports overlap (repeatable)"},
		{"req", "`requirement` required, recommended, conditional, optional or none (repeatable)"},
		{"dir", "`direction` inbound, outbound, bidirectional or none (repeatable)"},
		{"src", "`words` in the source"},
		{"dst", "`words` in the destination"},
		{"q", "`words` anywhere in the flow"},
	} {
		l := &listFlag{}
		filters[f.name] = l
		fs.Var(l, f.name, f.usage)
	}
	var exclude listFlag
	fs.Var(&exclude, "exclude", "flow `ID` to leave out (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portolan rules: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	enc, ok := encode.Lookup(*format)
	if !ok {
		fmt.Fprintf(stderr, "portolan rules: unknown format %q: want one of %s\n", *format, strings.Join(encode.Names(), ", "))
		fs.Usage()
		return errUsage
	}
	v := url.Values{}
	for name, l := range filters {
		for _, x := range *l {
			v.Add(name, x)
		}
	}
	q, err := web.ParseFlowQuery(v)
	if err != nil {
		fmt.Fprintf(stderr, "portolan rules: %v\n", err)
		return errUsage
	}
	var m rules.Mapping
	if *mapFile != "" {
		f, err := os.Open(*mapFile)
		if err != nil {
			return err
		}
		m, err = rules.ParseMapping(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("mapping %s: %w", *mapFile, err)
		}
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
	req, err := web.ChangeRequest(ctx, db, q.FlowFilter(), exclude, m, strings.TrimRight(*baseURL, "/"))
	if err != nil {
		return err
	}
	if req.Flows == 0 {
		return errors.New("no flow matches the filters")
	}
	w := bufio.NewWriter(stdout)
	if err := enc.Write(w, req); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if !req.Complete() {
		fmt.Fprintf(stderr, "portolan rules: the change request is incomplete:\n")
		for _, p := range req.Problems() {
			fmt.Fprintf(stderr, "  - %s\n", p)
		}
		if *strict {
			return errIncomplete
		}
	}
	return nil
}
