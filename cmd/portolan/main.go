// Command portolan is the port-requirements explorer: it reads the vendor documents
// shipped with it (and any given on the command line) into SQLite, serves them as
// browsable, filterable pages, and exports every flow as JSON or CSV.
//
// Usage:
//
//	portolan serve  [-addr localhost:8080] [-db portolan.db] [-log-level info]
//	portolan ingest [-db portolan.db] [FILE|URL ...]
//	portolan refresh [-db portolan.db]
//	portolan export [-format json|csv] [-db portolan.db] [-base-url URL]
//	portolan rules  -format F [-map FILE] [-strict] [filters]
//	portolan gen    -flows N -docs M -out DIR [-seed 1]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// defaultDB is the database every subcommand uses unless -db says otherwise: a
// file in the current directory, so `portolan serve` works with no flags.
const defaultDB = "portolan.db"

const usage = `Portolan: the network flows vendor documents ask you to open, searchable.

Usage:
  portolan serve  [-addr localhost:8080] [-db portolan.db] [-log-level info]
        serve the explorer; builds the database and its search index
        (in portolan.db.d) on first start and rebuilds them when the embedded
        documents change; after portolan ingest replaces them, serves the new
        dataset on SIGHUP, or by itself within -watch (2s)
  portolan ingest [-db portolan.db] [FILE|URL ...]
        build the database and its search index from the embedded documents
        plus each FILE (its metadata is read from FILE's name with .json, if
        present) or page fetched from URL, and print what was read; flags go
        before the files. A new text of a document the database has (same
        slug, or fetched from the same URL) becomes its next version
        -strict refuses a FILE with any warning; -vendor, -product, -url and
        -lang override its metadata (a FILE may be text, Markdown/MDX, HTML,
        CSV or TSV)
  portolan refresh [-db portolan.db] [-timeout 30s]
        fetch again every document ingested from a URL (a conditional
        request), add a version where its text changed and print what
        changed; a page that cannot be fetched keeps its version, says why
  portolan check  [-format text|json] [-vendor V ...] FILE ...
        print what Portolan understands of each FILE (format, language,
        tables, columns and their meaning, flows, hosts, warnings) without
        storing anything
  portolan export [-format json|csv] [-db portolan.db] [-base-url URL]
        print every flow as JSON ({"total":N,"flows":[...]}) or CSV; builds the
        database first if it is missing
  portolan rules  -format csv|md|capirca|nft|iptables|ip6tables|ps1 [-map FILE] [-strict]
                  [-doc D] [-section S] [-proto P] [-port N] [-src W] [-dst W] [-req R]
                  [-dir D] [-q WORDS] [-exclude ID] [-db portolan.db] [-base-url URL]
        print the firewall change request of the flows the filters select,
        endpoints mapped to addresses by FILE; -strict exits with status 1
        when an endpoint is not mapped or a flow gave no rule
  portolan gen    -flows N -docs M -out DIR [-seed 1]
        write M synthetic documents (DIR/synth-00001.txt and .json, ...)
        holding N flows in all, to try the pipeline at scale with
        portolan ingest DIR/*.txt; the same seed writes the same bytes
  portolan help
        print this text

Run "portolan COMMAND -h" for the flags of one command.
`

// errUsage reports a command line that could not be understood; the reason has
// already been printed with the usage text. main exits with status 2 for it.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills the process at once
		// instead of waiting for the graceful shutdown.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "portolan:", err)
		os.Exit(1)
	}
}

// run is the whole program behind main, with its inputs and outputs made explicit
// so tests can drive it: args without the program name, stdout for results,
// stderr for usage, progress and logs. ctx is cancelled on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, args, stderr)
	case "ingest":
		return runIngest(ctx, args, stdout, stderr)
	case "refresh":
		return runRefresh(ctx, args, stdout, stderr)
	case "check":
		return runCheck(args, stdout, stderr)
	case "export":
		return runExport(ctx, args, stdout, stderr)
	case "rules":
		return runRules(ctx, args, stdout, stderr)
	case "gen":
		return runGen(ctx, args, stdout, stderr)
	case "hello": // hidden: the baseline of scripts/bench-http.sh
		return runHello(ctx, args, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stderr, usage)
		return errUsage
	default:
		fmt.Fprintf(stderr, "portolan: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// newFlagSet returns a subcommand's flag set, printing its synopsis and flags to
// stderr when asked (-h) or when the command line is wrong.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: portolan %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a subcommand's flags. On a bad flag or -h the flag package has
// already printed the reason and the usage, so it returns errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}
