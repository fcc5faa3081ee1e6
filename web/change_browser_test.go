package web_test

import (
	"encoding/csv"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBuildsAChangeRequest walks what an engineer does: filter a
// listing, open its change request, leave a flow out, map two endpoints,
// update, then download the CSV and the nftables ruleset, which nft accepts.
// The form is a plain GET form: no JavaScript is needed for any of it.
func TestBrowserBuildsAChangeRequest(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)

	// Filter: the Citrix ADM section's flows, from its section page's listing.
	step(t, ctx, "open listing", chromedp.Navigate(ts.URL+"/flows?doc=citrix&section=citrix-adm"))
	loc := follow(t, ctx, `[data-testid="change-link"]`)
	if !strings.HasSuffix(loc, "/change?doc=citrix&section=citrix-adm") {
		t.Fatalf("Build change request went to %s", loc)
	}
	rulesBefore := step(t, ctx, "rules", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="rule"]').length`))
	if rulesBefore == 0 {
		t.Fatal("no rules on the change request")
	}
	if n := step(t, ctx, "incomplete", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="incomplete"]').length`)); n != 1 {
		t.Error("no incomplete banner with nothing mapped")
	}

	// Exclude the SMTP flow to Users: its rule (the only one to Users) goes.
	var smtpID string
	for _, f := range citrixADMFlows(t) {
		if f.Destination == "Users" {
			smtpID = f.ID
		}
	}
	step(t, ctx, "tick exclude", chromedp.Click(chromedp.CSS(`#x-`+smtpID)))
	// Map two endpoints.
	step(t, ctx, "map ADM", chromedp.SendKeys(chromedp.CSS(`[data-endpoint="Citrix ADM"] input`), "192.0.2.10"))
	step(t, ctx, "map NSIP", chromedp.SendKeys(chromedp.CSS(`[data-endpoint="Citrix ADC NSIP"] input`), "192.0.2.20-192.0.2.22"))
	loc = follow(t, ctx, `[data-testid="change-submit"]`)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("x") != smtpID || q.Get("m.Citrix ADM") != "192.0.2.10" || q.Get("m.Citrix ADC NSIP") != "192.0.2.20-192.0.2.22" || q.Has("m.Users") {
		t.Fatalf("after update the URL is %s", loc)
	}
	rulesAfter := step(t, ctx, "rules", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="rule"]').length`))
	if rulesAfter != rulesBefore-1 {
		t.Errorf("rules %d -> %d after leaving the SMTP flow out, want one fewer", rulesBefore, rulesAfter)
	}
	if v := step(t, ctx, "ADM input", chromedp.Value(chromedp.CSS(`[data-endpoint="Citrix ADM"] input`))); v != "192.0.2.10" {
		t.Errorf("ADM input %q after update", v)
	}
	checked := step(t, ctx, "checked", chromedp.Evaluate[bool](`document.getElementById('x-`+smtpID+`').checked`))
	if !checked {
		t.Error("the excluded flow's box is not ticked after update")
	}
	screenshot(t, ctx, "change")

	// The deep link, in a fresh tab, shows the same request.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	step(t, tab, "open deep link", chromedp.Navigate(loc))
	rulesText := `Array.from(document.querySelectorAll('[data-testid="rule"]')).map(r => r.innerText).join('\n')`
	if a, b := step(t, ctx, "rules text", chromedp.Evaluate[string](rulesText)), step(t, tab, "rules text", chromedp.Evaluate[string](rulesText)); a != b {
		t.Errorf("the deep link shows other rules:\n%s\nwant:\n%s", b, a)
	}

	// Download the CSV and the nftables ruleset the page links to.
	fetch := func(testid string) string {
		return step(t, tab, "fetch "+testid, chromedp.Evaluate[string](
			`fetch(document.querySelector('[data-testid="`+testid+`"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(fetch("download-csv"), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var nsip, users []string
	for _, row := range rows[1:] {
		if row[3] == "Citrix ADC NSIP" && row[7] == "UDP" {
			nsip = row
		}
		if row[5] == "Users" {
			users = row
		}
	}
	if nsip == nil || nsip[4] != "192.0.2.20-192.0.2.22" || nsip[6] != "192.0.2.10" || nsip[2] != "yes" {
		t.Errorf("CSV row NSIP -> ADM = %q", nsip)
	}
	if users != nil {
		t.Errorf("the excluded flow's rule is in the CSV: %q", users)
	}
	nft := fetch("download-nft")
	if !strings.Contains(nft, "ip saddr 192.0.2.20-192.0.2.22 ip daddr 192.0.2.10 udp dport { 162, 514, 4739 } accept") {
		t.Errorf("nftables download lacks the NSIP rule:\n%s", nft)
	}
	p := filepath.Join(t.TempDir(), "change.nft")
	if err := os.WriteFile(p, []byte(nft), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(tool(t, "nft"), "-c", "-f", p).CombinedOutput(); err != nil {
		t.Errorf("nft -c rejects the downloaded ruleset: %v\n%s", err, b)
	}
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed (Debian: nftables): %v", name, err)
	}
	return p
}
