package migrations

import (
	"testing"
	"testing/fstest"
)

func TestAllReturnsMigrationsInVersionOrderFromOne(t *testing.T) {
	ms := All()
	if len(ms) == 0 {
		t.Fatal("no migrations")
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %d (%s) has version %d", i, m.Name, m.Version)
		}
		if m.SQL == "" {
			t.Errorf("%s is empty", m.Name)
		}
	}
	if Latest() != ms[len(ms)-1].Version {
		t.Errorf("Latest() = %d, want %d", Latest(), ms[len(ms)-1].Version)
	}
}

func TestLoadRejectsMisnumberedFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"init.sql": {Data: []byte("x")}},
		"gap":       {"0001_a.sql": {Data: []byte("x")}, "0003_c.sql": {Data: []byte("x")}},
		"duplicate": {"0001_a.sql": {Data: []byte("x")}, "0001_b.sql": {Data: []byte("x")}},
		"zero":      {"0000_a.sql": {Data: []byte("x")}},
		"empty":     {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := load(fsys); err == nil {
				t.Error("load succeeded")
			}
		})
	}
}

func TestLoadSortsByNumberNotName(t *testing.T) {
	ms, err := load(fstest.MapFS{
		"10_j.sql": {Data: []byte("j")}, "9_i.sql": {Data: []byte("i")},
		"1_a.sql": {Data: []byte("a")}, "2_b.sql": {Data: []byte("b")}, "3_c.sql": {Data: []byte("c")},
		"4_d.sql": {Data: []byte("d")}, "5_e.sql": {Data: []byte("e")}, "6_f.sql": {Data: []byte("f")},
		"7_g.sql": {Data: []byte("g")}, "8_h.sql": {Data: []byte("h")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ms[8].SQL != "i" || ms[9].SQL != "j" {
		t.Errorf("order: %v", ms)
	}
}
