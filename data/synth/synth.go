// Package synth writes synthetic vendor documents: pipe-table text files with
// their metadata JSON beside them, in the formats the shipped documents use, so
// the whole pipeline (extract, store, index, serve) can be exercised at 10k, 100k
// or 1M flows. The same options give the same bytes.
//
// Each document has several sections (headings over tables) whose column sets
// vary the way real documents do: Source | Destination | Type | Port | Details
// with continuation rows that leave out the endpoints of the row above, leading
// pipes, a Component column, ports written with their transports ("LDAP TCP
// 389"), Protocol | Ports | Description tables whose endpoints the prose names,
// Requirement and Direction columns, cloud endpoint tables, and one document in
// five in Japanese (ポート番号 | 必須 | 目的 | プロトコル | 方向, with English
// glosses in the metadata). Rows wrap over lines, ports come as lists and as
// ranges written several ways, footnote marks point to notes under the table, and
// host names, URLs and wildcards are listed to allow. Every row of a section
// differs from the others, so flow IDs do not collide.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// Options says what to generate.
type Options struct {
	Flows int    // flows in all, at least 1
	Docs  int    // documents, 1 to Flows; each has Flows/Docs flows (the first Flows%Docs one more)
	Seed  uint64 // the same seed gives the same bytes
}

// Validate reports options that cannot be generated.
func (o Options) Validate() error {
	switch {
	case o.Flows < 1:
		return fmt.Errorf("flows must be at least 1 (got %d)", o.Flows)
	case o.Docs < 1 || o.Docs > o.Flows:
		return fmt.Errorf("docs must be between 1 and the number of flows, %d (got %d)", o.Flows, o.Docs)
	}
	return nil
}

// Slug is the slug (and file base name) of document i, counted from 0, of a
// corpus of docs documents: "synth-00001". Numbers are zero-padded to the same
// width, at least five digits, so the files sort in document order.
func Slug(i, docs int) string {
	return fmt.Sprintf("synth-%0*d", max(5, len(strconv.Itoa(docs))), i+1)
}

// Generate writes o.Docs documents, calling write for each document's text
// (SLUG.txt) and then its metadata (SLUG.json), in document order. It builds one
// document at a time, so a corpus of any size never sits in memory. It stops at
// the first error write returns.
func Generate(o Options, write func(name string, b []byte) error) error {
	if err := o.Validate(); err != nil {
		return err
	}
	for i := range o.Docs {
		d, err := build(o, i)
		if err != nil {
			return err
		}
		if err := write(d.slug+".txt", d.text); err != nil {
			return err
		}
		if err := write(d.slug+".json", d.meta); err != nil {
			return err
		}
	}
	return nil
}

// flowsIn is the number of flows of document i.
func flowsIn(o Options, i int) int {
	n := o.Flows / o.Docs
	if i < o.Flows%o.Docs {
		n++
	}
	return n
}

// document is one generated document and what the extractor should read from it.
type document struct {
	slug     string
	lang     string
	text     []byte
	meta     []byte
	sections []section
	hosts    int // host names, URLs and wildcards it says to allow
}

type section struct {
	heading string
	rows    []row
}

// row is one table row as generated: the fields are what the extractor should
// read from it.
type row struct {
	line, lineEnd          int
	source, destination    string
	service                string
	protocols              []string
	ports                  []data.PortRange
	portsRaw               string
	app                    string
	purpose, purposeEn     string
	requirement, direction string
	notes                  string
	omitted                int // leading endpoint cells left out: they repeat the row above

	// How the row was made and written.
	svc            *service
	party          string // Japanese: the endpoint the direction names, as written
	reqRaw, dirRaw string
	cells          []string
}

// style is how one table is written.
type style int

const (
	styleCitrix    style = iota // Source | Destination | Type | Port | Details, continuation rows
	styleCayosoft               // | Type | Port | Source | Target | Purpose |, optional Component column
	styleLeadSrc                // | Source | Target | Protocol | Port | Purpose |, continuation rows
	styleLithnet                // Source | Destination | Destination ports | Description ("LDAP TCP 389")
	styleMicrosoft              // Protocol | Ports | Description, endpoints named by the prose above
	styleReqDir                 // | Source | Destination | Protocol | Port | Direction | Requirement | Purpose |
	styleEndpoints              // | Required/Optional | Service | Endpoints | Port | Notes |
	styleJa                     // ポート番号 | 必須 | 目的 | プロトコル | 方向
	styleJaShort                // プロトコル | ポート番号 | 方向 | 目的
	styleJaLead                 // | ポート | プロトコル | 目的 | 必須 | 方向 |
)

// column roles.
const (
	colSource = iota
	colDestination
	colProtocol
	colPort
	colPurpose
	colService
	colRequirement
	colDirection
)

type column struct {
	role int
	name string
}

type table struct {
	style   style
	cols    []column
	leading bool // rows start with "|"
}

func (t table) has(role int) bool {
	for _, c := range t.cols {
		if c.role == role {
			return true
		}
	}
	return false
}

// continues reports whether the table's rows may leave out their leading
// endpoint cells.
func (t table) continues() bool {
	return len(t.cols) > 1 && t.cols[0].role == colSource && t.cols[1].role == colDestination
}

// builder writes one document.
type builder struct {
	rng        *rand.Rand
	doc        *document
	ja         bool
	vendor     string
	product    string
	host       string // the vendor's domain label: "acme"
	tld        string
	comps      []string // endpoints of an English document
	hostComps  []string // endpoints that are host names (destinations only)
	jaComps    []jaComponent
	subject    string
	primary    style
	buf        strings.Builder
	line       int
	glosses    map[string]string
	meta       data.Meta
	headings   map[string]bool
	compNames  []string // Component column values
	customPort int
}

func build(o Options, i int) (*document, error) {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(i)))
	b := &builder{
		rng:        rng,
		doc:        &document{slug: Slug(i, o.Docs), lang: "en"},
		ja:         i%5 == 4,
		glosses:    map[string]string{},
		headings:   map[string]bool{},
		customPort: 20000,
	}
	if b.ja {
		b.doc.lang = "ja"
	}
	b.setup()
	b.preamble()
	remaining := flowsIn(o, i)
	for remaining > 0 {
		n := min(remaining, 4+b.rng.IntN(25))
		b.section(n)
		remaining -= n
	}
	b.trailer()
	meta, err := b.metadata()
	if err != nil {
		return nil, err
	}
	b.doc.text = []byte(b.buf.String())
	b.doc.meta = meta
	return b.doc, nil
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// chance is true with probability p.
func (b *builder) chance(p float64) bool { return b.rng.Float64() < p }

func (b *builder) writeLine(s string) int {
	b.buf.WriteString(s)
	b.buf.WriteByte('\n')
	b.line++
	return b.line
}

// setup chooses the document's vendor, product, endpoints and house style.
func (b *builder) setup() {
	if b.ja {
		b.vendor = pick(b.rng, jaVendors)
	} else {
		b.vendor = pick(b.rng, vendors)
	}
	b.product = b.vendor + " " + pick(b.rng, products)
	b.host = strings.ToLower(b.vendor)
	b.tld = pick(b.rng, hostTLDs)
	n := 5 + b.rng.IntN(11) // 5-15 endpoints, so diagrams stay readable
	if b.ja {
		b.subject = b.product + "サーバー"
		b.jaComps = append(b.jaComps, jaComponent{b.subject, b.product + " server"})
		for _, k := range b.rng.Perm(len(jaComponents))[:n-1] {
			b.jaComps = append(b.jaComps, jaComponents[k])
		}
		b.primary = styleJa
		return
	}
	b.subject = strings.TrimPrefix(b.product, b.vendor+" ") + " server"
	b.comps = append(b.comps, b.subject)
	hosts := 0
	if n >= 6 {
		hosts = 1 + b.rng.IntN(3)
	}
	for _, k := range b.rng.Perm(len(components))[:n-1-hosts] {
		b.comps = append(b.comps, components[k])
	}
	for range hosts {
		b.hostComps = append(b.hostComps, b.hostName())
	}
	b.primary = pick(b.rng, []style{styleCitrix, styleCitrix, styleCayosoft, styleLeadSrc, styleLithnet, styleMicrosoft, styleReqDir})
	b.compNames = []string{"Remote console", "Public API", "Replication", "Web portal", "Agent service", "Scheduler", "Reporting"}
}

// hostName makes a host name, wildcard or URL in the vendor's domains.
func (b *builder) hostName() string {
	switch r := b.rng.IntN(10); {
	case r < 5:
		return pick(b.rng, hostSubs) + "." + b.host + "." + b.tld
	case r < 8:
		return "*." + b.host + "-" + pick(b.rng, wildcardWords) + "." + pick(b.rng, hostTLDs)
	default:
		return "https://" + pick(b.rng, hostSubs) + "." + b.host + ".com"
	}
}

func (b *builder) preamble() {
	date := fmt.Sprintf("%d-%02d-%02d", 2019+b.rng.IntN(7), 1+b.rng.IntN(12), 1+b.rng.IntN(28))
	b.meta = data.Meta{
		Slug: b.doc.slug, File: b.doc.slug + ".txt", Vendor: b.vendor, Product: b.product,
		Language: b.doc.lang, URL: "https://docs." + b.host + ".example/" + strings.ToLower(strings.ReplaceAll(b.product, " ", "-")) + "/ports",
		Updated: date, Subject: b.subject, Skip: []string{"2"},
	}
	y, m, d := date[:4], strings.TrimPrefix(date[5:7], "0"), strings.TrimPrefix(date[8:], "0")
	if b.ja {
		b.meta.RequirementMarks = map[string]string{"●": data.Required, "〇": data.Recommended, "△": data.Conditional}
		b.meta.GlossesNote = "Synthetic document: the glosses are generated with the text."
		b.writeLine(b.product + "が利用するポート番号")
		b.writeLine("作成日:2018年4月1日 | 更新日:" + y + "年" + m + "月" + d + "日")
		b.writeLine(b.product + "がデフォルトで使用するポートは次の通りです。ファイアウォールやセキュリティソフトで必要なポートを開放してください。")
		return
	}
	b.writeLine(fmt.Sprintf(pick(b.rng, []string{"%s network ports and protocols", "%s port requirements", "Communication ports used by %s"}), b.product))
	b.writeLine("Last updated " + date)
	b.writeLine("This article lists the ports and protocols that " + b.product + " uses, so that firewalls and proxies can be configured.")
	if b.chance(0.5) {
		b.writeLine("Not all ports need to be open, depending on your deployment and requirements.")
	}
}
