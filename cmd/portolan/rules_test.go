package main

import (
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesCommandWritesANftablesRulesetNftAccepts runs portolan rules on a
// Citrix section with a mapping file and has nft check the ruleset.
func TestRulesCommandWritesANftablesRulesetNftAccepts(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mapFile := filepath.Join(dir, "map.txt")
	os.WriteFile(mapFile, []byte("Citrix ADM = 192.0.2.10\nCitrix ADC NSIP = 192.0.2.20-192.0.2.22\n"), 0o644)
	out, stderr, err := portolan(t, "rules", "-db", db, "-format", "nft", "-map", mapFile, "-doc", "citrix", "-section", "citrix-adm")
	if err != nil {
		t.Fatalf("rules: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, `ip saddr 192.0.2.20-192.0.2.22 ip daddr 192.0.2.10 udp dport { 162, 514, 4739 } accept`) {
		t.Errorf("ruleset lacks the NSIP -> ADM UDP rule:\n%s", out)
	}
	if !strings.Contains(stderr, "incomplete") || !strings.Contains(stderr, "Citrix ADC SNIP") {
		t.Errorf("stderr does not say the request is incomplete and why:\n%s", stderr)
	}
	nft, err := exec.LookPath("nft")
	if err != nil {
		t.Fatal("nft is needed (Debian package nftables)")
	}
	p := filepath.Join(dir, "r.nft")
	os.WriteFile(p, []byte(out), 0o644)
	if b, err := exec.Command(nft, "-c", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("nft -c: %v\n%s", err, b)
	}
}

func TestRulesStrictFailsWhenIncompleteAndPassesWhenMapped(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mapFile := filepath.Join(dir, "map.txt")
	os.WriteFile(mapFile, []byte("Citrix ADM = 192.0.2.10\n"), 0o644)
	args := []string{"rules", "-db", db, "-format", "csv", "-map", mapFile, "-strict", "-doc", "citrix", "-section", "citrix-adm", "-proto", "udp"}
	out, _, err := portolan(t, args...)
	if !errors.Is(err, errIncomplete) {
		t.Fatalf("-strict with unmapped endpoints: err = %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "rule,action,complete,source,source_addresses,destination,destination_addresses,protocol,ports,justification,requirement,vendor_reference,portolan_link" {
		t.Errorf("header = %v", rows[0])
	}
	// Map every endpoint the request names, then -strict passes.
	os.WriteFile(mapFile, []byte("Citrix ADM = 192.0.2.10\nNTP Server = 192.0.2.123\nRADIUS external authentication server = 192.0.2.30\nCitrix ADC NSIP = 192.0.2.20\n"), 0o644)
	if _, stderr, err := portolan(t, args...); err != nil {
		t.Fatalf("-strict with everything mapped: %v\n%s", err, stderr)
	}
}

func TestRulesRefusesABadMappingFileNamingTheLine(t *testing.T) {
	dir := t.TempDir()
	mapFile := filepath.Join(dir, "map.txt")
	os.WriteFile(mapFile, []byte("# ok\nCitrix ADM = 192.0.2.300\n"), 0o644)
	_, _, err := portolan(t, "rules", "-db", filepath.Join(dir, "p.db"), "-map", mapFile, "-doc", "citrix")
	if err == nil || !strings.Contains(err.Error(), "line 2: Citrix ADM") || !strings.Contains(err.Error(), "192.0.2.300") {
		t.Errorf("err = %v", err)
	}
	if _, _, err := portolan(t, "rules", "-format", "pdf"); !errors.Is(err, errUsage) {
		t.Errorf("unknown format: err = %v, want usage", err)
	}
	if _, _, err := portolan(t, "rules", "-port", "99999"); !errors.Is(err, errUsage) {
		t.Errorf("bad port filter: err = %v, want usage", err)
	}
}
