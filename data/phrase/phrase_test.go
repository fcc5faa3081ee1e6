package phrase

import (
	"slices"
	"testing"
)

func TestTokensSplitWordsKatakanaRunsAndSingleKanji(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"DCE/RPC Locator", []string{"dce", "rpc", "locator"}},
		{"on-premises AD", []string{"on", "premises", "ad"}},
		{"Active Directoryのドメインコントローラーとの通信", []string{"active", "directory", "の", "ドメインコントローラー", "と", "の", "通", "信"}},
		{"ＴＣＰ　４４３", []string{"tcp", "443"}},
		{"ﾌｧｲﾙ・サーバー", []string{"ファイル", "サーバー"}},
		{"", nil},
	} {
		if got := Tokens(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFindLongestPhraseWinsAndHidesItsWords(t *testing.T) {
	var s Set
	for _, p := range [][2]string{
		{"AD", "ad"}, {"Azure AD", "azure"}, {"Azure AD Connect", ""},
		{"domain controller", "dc"}, {"DC", "dc"}, {"HTTP", "http"}, {"HTTPS", "https"},
		{"サーバー", "server"},
	} {
		if err := s.Add(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(" -- ", "x"); err == nil {
		t.Error("Add took a phrase with no word in it")
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Azure AD Connect server", nil},
		{"Azure AD", []string{"azure"}},
		{"on-premises AD", []string{"ad"}},
		{"Domain Controllers (DCs)", []string{"dc"}},
		{"Citrix ADC", nil},
		{"HTTP or HTTPS", []string{"http", "https"}},
		{"HTTPS", []string{"https"}},
		{"メールサーバー", nil},
		{"配信 サーバー", []string{"server"}},
	} {
		var got []string
		for _, m := range s.Find(tc.in) {
			got = append(got, m.Value)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Find(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
