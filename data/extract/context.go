package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

// tableCtx is what a table's caption, heading and the sentence above it say
// about its rows: endpoints, a direction and the subject a direction is
// relative to.
type tableCtx struct {
	endpoints               [2]string
	direction, directionRaw string
	subject                 string
}

// context reads a table's caption, its heading (and the headings above it),
// and the sentence just above it, in that order; the first that says a thing
// wins.
func (x *extractor) context(t table, start int, sec *data.Section, meta data.SectionMeta) tableCtx {
	var ctx tableCtx
	var texts []string
	if t.raw.Caption != "" {
		texts = append(texts, t.raw.Caption)
	}
	if t.heading >= 0 {
		texts = append(texts, x.blocks[t.heading].Text)
	}
	for k := t.at - 1; k >= start && k > t.heading; k-- {
		if b := x.blocks[k]; b.Kind == read.Text || b.Kind == read.Item {
			texts = append(texts, b.Text)
			break
		}
	}
	for _, s := range texts {
		if ctx.endpoints == [2]string{} {
			ctx.endpoints = endpointsIn(s)
		}
		if ctx.direction == "" {
			if m := directionPhrase.FindString(s); m != "" {
				ctx.direction, ctx.directionRaw = directionWords[strings.ToLower(m)], m
			}
		}
	}
	// The subject is the thing the heading is about: the table's own heading,
	// else the caption, else the headings above.
	heads := []string{}
	if t.heading >= 0 {
		heads = append(heads, x.blocks[t.heading].Text)
	}
	if t.raw.Caption != "" {
		heads = append(heads, t.raw.Caption)
	}
	for i := len(t.path) - 1; i >= 0; i-- {
		if t.path[i] != t.heading {
			heads = append(heads, x.blocks[t.path[i]].Text)
		}
	}
	for _, h := range heads {
		if ctx.subject = deriveSubject(h); ctx.subject != "" {
			break
		}
	}
	return ctx
}

// introducesTables finds a sentence that introduces several tables at once:
// "The following tables describe the ports ... between X and Y."
var introducesTables = regexp.MustCompile(`(?i)\b(?:following|these|the next|below)\s+(?:\w+\s+)?tables\b|\btables\s+below\b|以下の(?:各)?表|下列各?表|以下各表|folgenden\s+Tabellen|tableaux\s+suivants`)

// intro is the endpoints a sentence introducing several tables names, kept
// for the tables after it that name none of their own.
type intro struct {
	endpoints [2]string
	level     int // level of the heading the sentence sits under; 0 for none or a text capture's
}

// scanIntro follows the blocks between two tables: a sentence introducing
// the tables that follow sets the endpoints they share; a heading at or above
// the level of the one the sentence sits under ends them.
func (x *extractor) scanIntro(b read.Block) {
	switch b.Kind {
	case read.Heading:
		if b.Level > 0 && x.intro.level > 0 && b.Level <= x.intro.level {
			x.intro = intro{}
		}
		x.level = b.Level
	case read.Text, read.Item:
		if !introducesTables.MatchString(b.Text) {
			return
		}
		if ep := endpointsIn(b.Text); ep != [2]string{} {
			x.intro = intro{endpoints: ep, level: x.level}
		}
	}
}

var directionPhrase = regexp.MustCompile(`(?i)\b(?:inbound|outbound|incoming|outgoing|ingress|egress|eingehend|ausgehend|entrant|sortant)\b|インバウンド|アウトバウンド|入站|出站`)

// endpointPatterns find the two ends of the flows a sentence or title names:
// "between X and Y", "from X to Y", "X --> Y", "X と Y 間", "X 与 Y 之间".
var endpointPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bbetween\s+(?:the\s+)?(.+?)\s+and\s+(?:the\s+)?(.+?)\s*(?:[.,;:(]|\s+(?:for|over|on|using|via|in|is|are|must|should)\s|$)`),
	regexp.MustCompile(`(?i)\bfrom\s+(?:the\s+|an?\s+)?(.+?)\s+to\s+(?:the\s+|an?\s+)?(.+?)\s*(?:[.,;:(]|\s+(?:for|over|on|using|via|in|is|are|must|should)\s|$)`),
	regexp.MustCompile(`^\s*(.+?)\s*(?:-->|->|→|=>|⇒|<-->|<->|↔|⇔)\s*(.+?)\s*$`),
	regexp.MustCompile(`([^、。，：:\-–—は]+?)\s*と\s*([^、。，：:]+?)\s*(?:の)?間`),
	regexp.MustCompile(`([^、。，：:\-–—は]+?)から([^、。，：:]+?)への`),
	regexp.MustCompile(`([^、。，：:\-–—]+?)\s*(?:与|和|到)\s*([^、。，：:]+?)\s*之间`),
	regexp.MustCompile(`从\s*([^、。，：:]+?)\s*到\s*([^、。，：:]+)`),
	regexp.MustCompile(`(?i)\bzwischen\s+(?:dem\s+|der\s+|den\s+)?(.+?)\s+und\s+(?:dem\s+|der\s+|den\s+)?(.+?)\s*(?:[.,;:(]|$)`),
	regexp.MustCompile(`(?i)\bentre\s+(?:le\s+|la\s+|les\s+|l')?(.+?)\s+et\s+(?:le\s+|la\s+|les\s+|l')?(.+?)\s*(?:[.,;:(]|$)`),
}

// endpointsIn returns the source and destination a text names, or nothing.
func endpointsIn(s string) [2]string {
	if len(s) > 2000 {
		return [2]string{}
	}
	for _, re := range endpointPatterns {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		a, b := endpointName(m[1]), endpointName(m[2])
		if a != "" && b != "" {
			return [2]string{a, b}
		}
	}
	return [2]string{}
}

// endpointName tidies one side of an endpoint phrase, or rejects it: a number
// ("from 1024 to 65535"), a long clause.
func endpointName(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"'“”「」*`)
	if s == "" || utf8.RuneCountInString(s) > 60 || len(strings.Fields(s)) > 8 {
		return ""
	}
	if r, _ := utf8.DecodeRuneInString(s); r >= '0' && r <= '9' {
		return ""
	}
	return s
}

// subjectPatterns take the subject out of a heading: "Inbound Rules for K3s
// Nodes", "Ports used by the agent", "Agent ports", "エージェント側で使用するポート".
var subjectPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^(?:(?:inbound|outbound|incoming|outgoing|ingress|egress|required|network|firewall|default)\s+)*(?:rules|ports?|traffic|connections?|requirements?|access|communication)\s+(?:(?:used|required|needed|opened|open|exposed|listened)\s+)?(?:by|for|on|to|from|of|into|at)\s+(?:the\s+|an?\s+|all\s+|each\s+)?(.+?)\s*$`),
	regexp.MustCompile(`(?i)^(.+?)\s+(?:(?:inbound|outbound|incoming|outgoing|network|firewall|required|listening|tcp|udp)\s+)*(?:ports?|rules|traffic|connections|requirements|port requirements|port list)\s*$`),
	regexp.MustCompile(`^(.+?)(?:側)?で(?:使用|利用)する(?:ポート|通信)`),
	regexp.MustCompile(`^(.+?)(?:の|側の)(?:ポート|通信)`),
	regexp.MustCompile(`^(.+?)(?:使用的|所需的|的|需要的)?(?:端口|通信端口)`),
	regexp.MustCompile(`(?i)^(?:ports?|regeln)\s+(?:für|fuer)\s+(?:den\s+|die\s+|das\s+)?(.+?)\s*$`),
	regexp.MustCompile(`(?i)^ports?\s+(?:du|de la|des|de l'|de)\s*(.+?)\s*$`),
}

var numbered = regexp.MustCompile(`^(?:\d+(?:\.\d+)*\.?|[A-Z]\.|[IVX]+\.)\s+`)

// deriveSubject is the thing a heading is about, when it names one: a short
// heading with no sentence in it, less any "Inbound rules for" or "ports"
// around it. "" when it names nothing ("Ports and protocols").
func deriveSubject(h string) string {
	h = strings.TrimSpace(numbered.ReplaceAllString(strings.TrimSpace(h), ""))
	if h == "" || utf8.RuneCountInString(h) > 60 {
		return ""
	}
	for _, re := range subjectPatterns {
		if m := re.FindStringSubmatch(h); m != nil {
			return plainSubject(m[1])
		}
	}
	if len(strings.Fields(h)) > 5 || strings.ContainsAny(h, ".:;?!。") {
		return ""
	}
	return plainSubject(h)
}

var genericSubjects = map[string]bool{
	"port": true, "ports": true, "protocols": true, "ports and protocols": true, "network": true, "firewall": true,
	"requirements": true, "network requirements": true, "overview": true, "inbound": true, "outbound": true,
	"inbound rules": true, "outbound rules": true, "networking": true, "ports and firewall": true,
	"ポート": true, "ポート一覧": true, "端口": true, "端口列表": true, "ports and traffic flows": true,
	"general": true, "summary": true, "reference": true, "introduction": true,
}

func plainSubject(s string) string {
	s = strings.Trim(strings.TrimSpace(s), ":：-–—")
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" || genericSubjects[strings.ToLower(s)] || directionPhrase.MatchString(s) && len(strings.Fields(s)) == 1 {
		return ""
	}
	return s
}
