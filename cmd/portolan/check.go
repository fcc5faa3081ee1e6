package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/portolan/portolan/data/extract"
)

// errCheckFailed is check's error when a FILE cannot be ingested; the reports
// have said why.
var errCheckFailed = errors.New("check: a document cannot be ingested")

// runCheck is `portolan check [-format text|json] FILE ...`: what Portolan
// understands of each FILE, before anything is stored. It fails when a FILE
// cannot be ingested at all (with -strict, also on a warning).
func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [-format text|json] [-strict] [-vendor V] [-product P] [-url U] [-lang L] FILE ...", stderr)
	format := fs.String("format", "text", "output `format`: text or json")
	strict := fs.Bool("strict", false, "fail on any warning too")
	meta := metaFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "portolan check: -format %q: want text or json\n", *format)
		return errUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "portolan check: name at least one FILE")
		return errUsage
	}
	var reports []extract.Report
	failed := false
	for _, name := range fs.Args() {
		m, raw, err := extract.ReadFile(name, *meta)
		if err != nil {
			reports = append(reports, extract.Report{File: name, Error: wrapFileError(name, err).Error()})
			failed = true
			continue
		}
		r, err := extract.Check(m, "", raw)
		failed = failed || err != nil || (*strict && len(r.Warnings) > 0)
		reports = append(reports, r)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"documents": reports}); err != nil {
			return err
		}
	} else if err := printReports(stdout, reports); err != nil {
		return err
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

func printReports(w io.Writer, reports []extract.Report) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %s, %s, %q\n", r.File, orDash(r.Format), orDash(r.Language), r.Title)
		if r.Error != "" {
			fmt.Fprintf(w, "  cannot be ingested: %s\n", r.Error)
		} else {
			fmt.Fprintf(w, "  slug %s: %d sections, %d flows, %d hosts\n", r.Slug, r.Sections, r.Flows, len(r.Hosts))
		}
		for _, t := range r.Tables {
			if t.Skipped != "" {
				fmt.Fprintf(w, "  table at line %d: skipped: %s\n", t.Line, t.Skipped)
			} else {
				fmt.Fprintf(w, "  table at line %d in %q: %d rows, %d flows\n", t.Line, t.Section, t.Rows, t.Flows)
			}
			tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
			for _, c := range t.Columns {
				fmt.Fprintf(tw, "    %s\t-> %s\n", c.Header, c.Meaning)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range t.SkippedRows {
				fmt.Fprintf(w, "    line %d: %s\n", s.Line, s.Reason)
			}
		}
		if len(r.Hosts) > 0 {
			fmt.Fprintf(w, "  hosts: %s\n", strings.Join(r.Hosts, ", "))
		}
		for _, x := range r.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", x)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
