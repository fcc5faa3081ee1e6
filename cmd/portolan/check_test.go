package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const checkMarkdown = `---
title: Acme Gateway firewall ports
---

# Acme Gateway

## Hardware

| Component | CPU | Memory |
|-----------|-----|--------|
| Gateway   | 4   | 8 GB   |

## Gateway node

| Port | Protocol | Direction | Used by | Zone |
|------|----------|-----------|---------|------|
| 8443 | TCP | Inbound | Admin browsers | mgmt |
| 70000 | UDP | Inbound | Agents | data |
`

// What a user checks before ingesting a new vendor page: format, language,
// each table's columns and their meaning, rows read and skipped, warnings with
// file and line.
func TestCheckReportsWhatPortolanUnderstoodOfADocument(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "acme-gateway.md")
	if err := os.WriteFile(path, []byte(checkMarkdown), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustPortolan(t, "check", path)
	for _, want := range []string{
		`acme-gateway.md: markdown, en, "Acme Gateway firewall ports"`,
		"slug acme-gateway: 1 sections, 1 flows",
		"table at line 9: skipped: no port, protocol or host column",
		`table at line 15 in "Gateway node": 2 rows, 1 flows`,
		"Used by   -> source",
		"Zone      -> extra field",
		"line 18: row skipped: ports \"70000\"",
		"warning: acme-gateway.md:18:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	jsonOut := mustPortolan(t, "check", "-format", "json", "-vendor", "Acme", path)
	var got struct {
		Documents []struct {
			Format, Language string
			Flows            int
			Tables           []struct {
				Line    int
				Skipped string
				Columns []struct{ Header, Meaning string }
			}
			Warnings []string
		}
	}
	if err := json.Unmarshal([]byte(jsonOut), &got); err != nil {
		t.Fatalf("check -format json: %v\n%s", err, jsonOut)
	}
	if len(got.Documents) != 1 || got.Documents[0].Format != "markdown" || got.Documents[0].Flows != 1 || len(got.Documents[0].Tables) != 2 || len(got.Documents[0].Warnings) != 2 {
		t.Errorf("check -format json = %+v", got)
	}

	_, _, err := portolan(t, "check", "-strict", path)
	if !errors.Is(err, errCheckFailed) {
		t.Errorf("check -strict of a document with warnings: err = %v, want errCheckFailed", err)
	}
}

func TestCheckRefusesAFormatItDoesNotReadSuggestingHTML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ports.rst")
	if err := os.WriteFile(path, []byte(".. list-table::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := portolan(t, "check", path)
	if !errors.Is(err, errCheckFailed) || !strings.Contains(out, "ports.rst:1: format not read: Portolan does not read reStructuredText; save the rendered page as HTML") {
		t.Errorf("check of .rst: err %v, output:\n%s", err, out)
	}
}

func TestIngestWarnsAboutARowItCannotReadAndKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "acme-widget.txt")
	if err := os.WriteFile(path, []byte(badDocument), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := portolan(t, "ingest", "-db", filepath.Join(dir, "p.db"), path)
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "warning: acme-widget.txt:6: row skipped") || !regexp.MustCompile(`acme-widget +1 +1 +0`).MatchString(out) {
		t.Errorf("stderr %q, stdout:\n%s", errOut, out)
	}
}
