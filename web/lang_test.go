package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/data/csvout"
	"github.com/portolan/portolan/web"
)

var htmlLangAttr = regexp.MustCompile(`<html lang="([^"]*)"`)

func htmlLangOf(body string) string {
	if m := htmlLangAttr.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// TestPagesAnswerInTheChosenLanguage: ?lang= wins over the cookie, the cookie
// over Accept-Language, Accept-Language over the English default; <html lang>
// and the page's labels follow.
func TestPagesAnswerInTheChosenLanguage(t *testing.T) {
	srv := newTestServer(t)
	ec := "/docs/endpoint-central"
	for _, tc := range []struct {
		name     string
		path     string
		headers  []string
		wantLang string
		want     []string
	}{
		{"default", "/", nil, "en", []string{"Port requirements", "Who needs port", ">Documents<"}},
		{"accept en", "/", []string{"Accept-Language", "en-US,en;q=0.9"}, "en", []string{"Port requirements"}},
		{"accept ja", "/", []string{"Accept-Language", "ja"}, "ja", []string{"ポート要件", "このポートを使うのは", "件のフロー"}},
		{"accept zh-CN", "/", []string{"Accept-Language", "zh-CN,zh;q=0.9"}, "zh-Hans", []string{"端口要求", "谁需要这个端口", "条通信流"}},
		{"accept zh-TW", "/", []string{"Accept-Language", "zh-TW"}, "zh-Hans", []string{"端口要求"}},
		{"accept fr", "/", []string{"Accept-Language", "fr-FR"}, "en", []string{"Port requirements"}},
		{"query zh", "/?lang=zh", nil, "zh-Hans", []string{"端口要求"}},
		{"query beats accept", "/?lang=en", []string{"Accept-Language", "ja"}, "en", []string{"Port requirements"}},
		{"cookie ja", "/", []string{"Cookie", "lang=ja"}, "ja", []string{"ポート要件"}},
		{"cookie beats accept", "/", []string{"Cookie", "lang=zh", "Accept-Language", "ja"}, "zh-Hans", []string{"端口要求"}},
		{"query beats cookie", "/?lang=ja", []string{"Cookie", "lang=zh"}, "ja", []string{"ポート要件"}},
		{"bad query falls back", "/?lang=xx", []string{"Accept-Language", "ja"}, "ja", []string{"ポート要件"}},
		{"bad cookie falls back", "/", []string{"Cookie", "lang=xx", "Accept-Language", "zh"}, "zh-Hans", []string{"端口要求"}},

		{"doc en", ec, nil, "en", []string{"Requirement marks", "Not defined by the document", "EN gloss", "Ports used on the agent side", "Download CSV"}},
		{"doc ja", ec, []string{"Accept-Language", "ja"}, "ja", []string{"要否の記号", "ドキュメントでは定義されていません", "英訳", "CSV をダウンロード"}},
		{"doc zh", ec, []string{"Accept-Language", "zh-CN"}, "zh-Hans", []string{"要求标记", "文档未定义此符号", "英文释义", "下载 CSV"}},

		{"flows en", "/flows?q=LDAP", nil, "en", []string{"Search syntax", ">Filter<", "Document", "text: LDAP"}},
		{"flows ja", "/flows?q=LDAP", []string{"Accept-Language", "ja"}, "ja", []string{"検索の書き方", ">絞り込む<", "テキスト: LDAP", "全角の英数字"}},
		{"flows zh", "/flows?q=LDAP", []string{"Accept-Language", "zh-CN"}, "zh-Hans", []string{"搜索语法", ">筛选<", "文本:LDAP"}},
		{"flows ja facet values", "/flows?doc=zzfix-ja", []string{"Accept-Language", "ja"}, "ja", []string{">必須<", ">条件付き<", ">インバウンド<"}},
		{"flows zh facet values", "/flows?doc=zzfix-ja", []string{"Accept-Language", "zh"}, "zh-Hans", []string{">必需<", ">视情况<", ">入站<"}},

		{"flow ja", "/flows/zzfix-ja-1", []string{"Accept-Language", "ja"}, "ja", []string{"関連する通信フロー", "記載どおり", "英訳"}},
		{"hosts zh", "/hosts", []string{"Accept-Language", "zh"}, "zh-Hans", []string{"需放行的主机", "通配符"}},
		{"port ja", "/ports/443", []string{"Accept-Language", "ja"}, "ja", []string{"別のポート", "このポートを含む範囲を開放します"}},
		{"source zh", "/docs/zzfix-en/source?hl=4-5", []string{"Accept-Language", "zh"}, "zh-Hans", []string{"文档原文", "已高亮:第 4–5 行"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, tc.path, tc.headers...)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			if got := htmlLangOf(r.Body); got != tc.wantLang {
				t.Errorf("<html lang=%q>, want %q", got, tc.wantLang)
			}
			for _, s := range tc.want {
				if !strings.Contains(r.Body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
		})
	}
}

// TestErrorPagesAreTranslatedAndTheAPIStaysEnglish.
func TestErrorPagesAreTranslatedAndTheAPIStaysEnglish(t *testing.T) {
	srv := newTestServer(t)
	for _, tc := range []struct {
		path, accept string
		status       int
		want         []string
	}{
		{"/docs/nope", "ja", 404, []string{`<html lang="ja"`, "見つかりません", "ドキュメント &#34;nope&#34; はありません", "ドキュメント一覧へ戻る"}},
		{"/flows?port=99999", "zh-CN", 400, []string{`<html lang="zh-Hans"`, "错误的请求", "port:99999 超出 0-65535 范围"}},
		{"/flows?port=80-20", "ja", 400, []string{"範囲 80-20 が逆です(20-80 と書いてください)"}},
		{"/flows?port=8080-1000", "en", 400, []string{"port: range 8080-1000 is reversed (write 1000-8080)"}},
		{"/api/v1/flows?port=99999", "ja", 400, []string{`"error":"port: 99999 is out of range 0-65535"`}},
	} {
		r := get(t, srv, tc.path, "Accept-Language", tc.accept)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, r.Status, tc.status)
		}
		for _, s := range tc.want {
			if !strings.Contains(r.Body, s) {
				t.Errorf("%s (%s): body lacks %q:\n%.600s", tc.path, tc.accept, s, r.Body)
			}
		}
	}
}

var hrefAttr = regexp.MustCompile(`(?:href|action)="([^"]*)"`)

// TestExplicitLanguageIsKeptInEveryLink: a page opened with ?lang=ja links to
// pages in Japanese (facets, pages, sorting, breadcrumbs, exports), and its
// forms carry lang; a language from the cookie stays out of links.
func TestExplicitLanguageIsKeptInEveryLink(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{
		"/?lang=ja",
		"/flows?lang=ja",
		"/flows?doc=citrix&proto=tcp&lang=ja",
		"/flows?q=ldap&lang=ja",
		"/docs/endpoint-central?lang=ja",
		"/docs/zzfix-ja/server?lang=ja",
		"/flows/zzfix-ja-1?lang=ja",
		"/ports/443?lang=ja",
		"/hosts?lang=ja",
		"/docs/zzfix-en/source?lang=ja",
		"/docs/nope?lang=ja",
	} {
		r := get(t, srv, path)
		n := 0
		for _, m := range hrefAttr.FindAllStringSubmatch(r.Body, -1) {
			u := strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "/static/") || strings.HasPrefix(u, "/api/") ||
				strings.HasPrefix(u, "/lang?") || strings.HasSuffix(u, "/diagram.svg") {
				continue
			}
			if m[0][:6] == "action" {
				continue // forms: checked below
			}
			n++
			pu, err := url.Parse(u)
			if err != nil || pu.Query().Get("lang") != "ja" {
				t.Errorf("%s: link %q lacks lang=ja", path, u)
			}
		}
		if n < 3 {
			t.Errorf("%s: only %d internal links", path, n)
		}
		if forms := strings.Count(r.Body, "<form"); forms != strings.Count(r.Body, `<input type="hidden" name="lang" value="ja">`) {
			t.Errorf("%s: %d forms, not all carry lang", path, forms)
		}
	}
	r := get(t, srv, "/flows?doc=citrix", "Cookie", "lang=ja")
	if !strings.Contains(r.Body, "絞り込む") {
		t.Error("cookie: page not in Japanese")
	}
	if strings.Contains(r.Body, "lang=ja&") || strings.Contains(r.Body, "&amp;lang=ja\"") || strings.Contains(r.Body, `name="lang"`) {
		t.Error("a language from the cookie was written into links")
	}
}

func TestPortLookupRedirectKeepsLanguage(t *testing.T) {
	r := get(t, newTestServer(t), "/ports?port=%EF%BC%98%EF%BC%90%EF%BC%92%EF%BC%90&lang=zh") // ８０２０
	if r.Status != http.StatusFound || r.Header.Get("Location") != "/ports/8020?lang=zh" {
		t.Errorf("status %d Location %q, want 302 /ports/8020?lang=zh", r.Status, r.Header.Get("Location"))
	}
}

// TestLanguageSwitcherSetsTheCookieAndGoesBack, without JavaScript and never
// to another site.
func TestLanguageSwitcherSetsTheCookieAndGoesBack(t *testing.T) {
	srv := newTestServer(t)
	page := get(t, srv, "/flows?doc=citrix")
	if !strings.Contains(page.Body, `href="/lang?next=%2Fflows%3Fdoc%3Dcitrix&amp;set=ja"`) {
		t.Errorf("switcher link to Japanese missing:\n%s", regexp.MustCompile(`<nav class="langs".*?</nav>`).FindString(page.Body))
	}
	for _, tc := range []struct{ target, location string }{
		{"/lang?set=ja&next=" + url.QueryEscape("/flows?doc=citrix"), "/flows?doc=citrix"},
		{"/lang?set=zh&next=" + url.QueryEscape("/flows?doc=citrix&lang=ja#f-1"), "/flows?doc=citrix&lang=zh#f-1"},
		{"/lang?set=en", "/"},
		{"/lang?set=ja&next=" + url.QueryEscape("//evil.example/"), "/"},
		{"/lang?set=ja&next=" + url.QueryEscape("https://evil.example/"), "/"},
		{"/lang?set=ja&next=" + url.QueryEscape("/\\evil.example"), "/"},
	} {
		r := get(t, srv, tc.target)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != tc.location {
			t.Errorf("%s: status %d Location %q, want 303 %q", tc.target, r.Status, r.Header.Get("Location"), tc.location)
		}
		c := r.Header.Get("Set-Cookie")
		want := "lang=" + regexp.MustCompile(`set=(\w+)`).FindStringSubmatch(tc.target)[1]
		if !strings.HasPrefix(c, want+";") || !strings.Contains(c, "Path=/") || !strings.Contains(c, "SameSite=Lax") {
			t.Errorf("%s: Set-Cookie %q", tc.target, c)
		}
	}
	if r := get(t, srv, "/lang?set=fr&next=/"); r.Status != http.StatusBadRequest {
		t.Errorf("set=fr: status %d, want 400", r.Status)
	}
}

// TestResponsesVaryByLanguage: shared caches keep one copy per language, and an
// ETag of one language does not validate another.
func TestResponsesVaryByLanguage(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/", "/flows?doc=zzfix-ja", "/flows.csv?doc=zzfix-ja", "/docs/zzfix-ja.csv"} {
		en := get(t, srv, path)
		ja := get(t, srv, path, "Accept-Language", "ja")
		vary := strings.Join(en.Header.Values("Vary"), ",")
		if !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "Cookie") {
			t.Errorf("%s: Vary %q", path, vary)
		}
		if en.Header.Get("ETag") == "" || en.Header.Get("ETag") == ja.Header.Get("ETag") {
			t.Errorf("%s: ETag en %q ja %q", path, en.Header.Get("ETag"), ja.Header.Get("ETag"))
		}
		if r := get(t, srv, path, "Accept-Language", "ja", "If-None-Match", en.Header.Get("ETag")); r.Status != http.StatusOK {
			t.Errorf("%s: English ETag validated the Japanese page: %d", path, r.Status)
		}
		if r := get(t, srv, path, "Accept-Language", "ja", "If-None-Match", ja.Header.Get("ETag")); r.Status != http.StatusNotModified {
			t.Errorf("%s: Japanese ETag: %d, want 304", path, r.Status)
		}
	}
}

// TestCSVHeaderIsInTheUILanguage: the rows stay as they are; the header row
// names the columns in the UI language, English keeping the machine names.
// TestCSVIsTheSameBytesInEveryUILanguage: one export URL gives every reader
// and every script the same file: English column names, the text as written
// and its English gloss, whatever ?lang= or Accept-Language says (labels are
// translated on the page, not in the file).
func TestCSVIsTheSameBytesInEveryUILanguage(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/flows.csv?doc=zzfix-ja", "/docs/zzfix-ja.csv", "/hosts.csv"} {
		var first string
		for _, lang := range []struct{ query, accept string }{{"lang=en", ""}, {"lang=ja", ""}, {"lang=zh", ""}, {"", "ja"}, {"", "zh-CN"}} {
			u := path
			if lang.query != "" {
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				u += sep + lang.query
			}
			r := get(t, srv, u, "Accept-Language", lang.accept)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: status %d", u, r.Status)
			}
			if first == "" {
				first = r.Body
				continue
			}
			if r.Body != first {
				t.Errorf("GET %s (Accept-Language %q) differs from the English file", u, lang.accept)
			}
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(first, "\ufeff"))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %v, %d records", path, err, len(recs))
		}
		want := csvout.FlowHeader()
		if path == "/hosts.csv" {
			want = []string{"document", "section", "group", "host", "kind", "protocol", "ports", "purpose", "link"}
		}
		if strings.Join(recs[0], "|") != strings.Join(want, "|") {
			t.Errorf("%s: header %q, want %q", path, recs[0], want)
		}
		if path == "/hosts.csv" {
			continue
		}
		row := map[string]string{}
		for i, name := range recs[0] {
			row[name] = recs[1][i]
		}
		var api struct {
			Line int `json:"line"`
		}
		getJSON(t, srv, "/api/v1/flows/zzfix-ja-1", &api)
		for name, want := range map[string]string{
			"id": "zzfix-ja-1", "line": strconv.Itoa(api.Line), "purpose": "エージェントとサーバー間の通信",
			"purpose_en": "Communication between agent and server",
		} {
			if row[name] != want {
				t.Errorf("%s: %s = %q, want %q", path, name, row[name], want)
			}
		}
		if row["section_en"] == "" || row["section_en"] == row["section"] {
			t.Errorf("%s: section_en %q, want the English gloss of %q", path, row["section_en"], row["section"])
		}
	}
}

// TestGlossSitsBesideTheOriginal: English UI puts the gloss first, Japanese
// and Chinese put the Japanese first; the gloss is marked and tagged lang="en".
func TestGlossSitsBesideTheOriginal(t *testing.T) {
	srv := newTestServer(t)
	for _, tc := range []struct{ accept, mark string }{{"en", "EN gloss"}, {"ja", "英訳"}, {"zh", "英文释义"}} {
		for _, path := range []string{"/docs/zzfix-ja", "/flows?doc=zzfix-ja", "/flows/zzfix-ja-1", "/docs/zzfix-ja/server"} {
			page := get(t, srv, path, "Accept-Language", tc.accept).Body
			// past: where to compare, past the <title> and the diagram.
			past := func(markers ...string) string {
				for _, m := range markers {
					if i := strings.Index(page, m); i >= 0 {
						return page[i:]
					}
				}
				return page
			}
			for _, pair := range [][3]string{
				{"サーバー側で使用するポート", "Ports used on the server", "section"},
				{"エージェントとサーバー間の通信", "Communication between agent and server", "flow"},
			} {
				body := past(`data-testid="section-title"`, `data-testid="section"`)
				if pair[2] == "flow" {
					body = past(`data-testid="flow-table"`, `data-testid="flow-fields"`)
				}
				ja, en := strings.Index(body, pair[0]), strings.Index(body, pair[1])
				if path == "/flows/zzfix-ja-1" && pair[0] == "サーバー側で使用するポート" {
					continue // the flow page names its section as written only
				}
				if path == "/flows?doc=zzfix-ja" && pair[0] == "サーバー側で使用するポート" {
					continue // the component column shows one title
				}
				if ja < 0 || en < 0 {
					t.Errorf("%s (%s): original at %d, gloss at %d", path, tc.accept, ja, en)
					continue
				}
				if (tc.accept == "en") != (en < ja) {
					t.Errorf("%s (%s): gloss at %d, original at %d: wrong order", path, tc.accept, en, ja)
				}
			}
			if !strings.Contains(page, tc.mark) || !strings.Contains(page, `<span lang="en">Communication between agent and server</span>`) {
				t.Errorf("%s (%s): gloss not marked %q or not lang=en", path, tc.accept, tc.mark)
			}
		}
	}
}

// TestRequirementMarkLegendOnlyWhereMarksAreUsed.
func TestRequirementMarkLegendOnlyWhereMarksAreUsed(t *testing.T) {
	srv := newTestServer(t)
	body := get(t, srv, "/docs/endpoint-central").Body
	for _, mark := range []string{"●", "〇", "△"} {
		if !strings.Contains(body, `data-testid="legend-row" data-mark="`+mark+`"`) {
			t.Errorf("legend lacks %s", mark)
		}
	}
	legend := regexp.MustCompile(`(?s)data-testid="mark-legend".*?</section>`).FindString(body)
	for _, s := range []string{"undefined", "Not defined by the document", "HTTPS alternative"} {
		if !strings.Contains(legend, s) {
			t.Errorf("legend lacks %q", s)
		}
	}
	if strings.Contains(get(t, srv, "/docs/citrix").Body, "mark-legend") {
		t.Error("citrix, which writes its requirements in words, got a legend")
	}
}

// TestFullWidthPortAndProtocolFiltersReadAsASCII: ８０２０ and ＴＣＰ typed on a
// Japanese keyboard filter as 8020 and TCP.
func TestFullWidthPortAndProtocolFiltersReadAsASCII(t *testing.T) {
	for _, tc := range []struct {
		in   url.Values
		want string
	}{
		{url.Values{"port": {"８０２０"}, "proto": {"ＴＣＰ"}}, "port=8020&proto=tcp"},
		{url.Values{"port": {"８０２０－８０３２"}, "proto": {"ｕｄｐ"}}, "port=8020-8032&proto=udp"},
		{url.Values{"port": {" ４４３，８０ "}}, "port=80&port=443"},
	} {
		q, err := web.ParseFlowQuery(tc.in)
		if err != nil {
			t.Errorf("%v: %v", tc.in, err)
			continue
		}
		if got := q.Encode(); got != tc.want {
			t.Errorf("%v: reads as %s, want %s", tc.in, got, tc.want)
		}
	}
	srv := newTestServer(t)
	half := get(t, srv, "/flows.csv?port=8020&proto=tcp")
	full := get(t, srv, "/flows.csv?port="+url.QueryEscape("８０２０")+"&proto="+url.QueryEscape("ＴＣＰ"))
	if half.Status != 200 || half.Body != full.Body || strings.Count(half.Body, "\n") < 2 {
		t.Errorf("full-width filters list other flows than half-width ones (status %d/%d)", half.Status, full.Status)
	}
}

// TestHostPurposesShowTheirGloss: a Japanese host purpose is shown with the
// English gloss its document's row has, on the hosts page and the document
// page, marked as a gloss.
func TestHostPurposesShowTheirGloss(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/hosts?doc=endpoint-central", "/docs/endpoint-central", "/docs/endpoint-central/server-mdm"} {
		body := get(t, srv, path).Body
		i := strings.Index(body, `data-testid="host-table"`)
		if i < 0 {
			t.Fatalf("%s: no host table", path)
		}
		table := body[i:]
		for _, want := range []string{"FCM/APNs/WNSへの接続", "Connections to FCM/APNs/WNS", `data-testid="gloss"`} {
			if !strings.Contains(table, want) {
				t.Errorf("%s: host table lacks %q", path, want)
			}
		}
	}
}
