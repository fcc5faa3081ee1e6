package web

import (
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/store"
)

// TestFeedTitleWithoutVendor: a document ingested without a vendor has a
// feed titled by the document alone, not "what changed in  · Title".
func TestFeedTitleWithoutVendor(t *testing.T) {
	for _, c := range []struct {
		doc  data.Document
		want string
	}{
		{data.Document{Vendor: "Microsoft", Title: "Hybrid Identity Required Ports and Protocols"}, "Portolan: what changed in Microsoft · Hybrid Identity Required Ports and Protocols"},
		{data.Document{Title: "K3s requirements"}, "Portolan: what changed in K3s requirements"},
		{data.Document{Product: "Zabbix"}, "Portolan: what changed in Zabbix"},
	} {
		if got := feedTitle(store.DocSummary{Document: c.doc}); got != c.want {
			t.Errorf("feedTitle(%+v) = %q, want %q", c.doc, got, c.want)
		}
	}
}
