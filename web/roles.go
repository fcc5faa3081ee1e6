package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/roles"
	"github.com/portolan/portolan/store"
)

// maxRoleFlows caps the flows /roles/{role} lists on the page; the listing it
// links to pages through the rest.
const maxRoleFlows = 500

// roleTitle is a role's title in the UI language, or the ID of a role the
// vocabulary does not have.
func roleTitle(ctx context.Context, id string) string {
	if r, ok := roles.Default().Role(id); ok {
		return r.TitleIn(uiLang(ctx))
	}
	return id
}

// sideRoles are the roles of one end of a flow ("source", "destination").
func sideRoles(f data.Flow, side string) []data.EndpointRole {
	var out []data.EndpointRole
	for _, r := range f.Roles {
		if r.Side == side {
			out = append(out, r)
		}
	}
	return out
}

// roleRow is one role of /roles: the vocabulary's entry and its counts.
type roleRow struct {
	Role  roles.Role
	Count store.RoleCount
}

// handleRoles serves /roles: every role of the vocabulary with the flows from
// and to it; roles no document names come last.
func (s *Server) handleRoles(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.storeOf(r.Context()).RoleCounts(r.Context())
	if err != nil {
		return err
	}
	by := map[string]store.RoleCount{}
	for _, c := range counts {
		by[c.Role] = c
	}
	var named, unnamed []roleRow
	for _, role := range roles.Default().Roles() {
		c := by[role.ID]
		c.Role = role.ID
		if c.Flows > 0 {
			named = append(named, roleRow{role, c})
		} else {
			unnamed = append(unnamed, roleRow{role, c})
		}
	}
	return s.render(w, r, rolesPage(append(named, unnamed...)))
}

type rolePageData struct {
	Role      roles.Role
	Count     store.RoleCount
	To, From  []data.Flow // flows to the role, flows from it (not to it)
	ToTotal   int
	FromTotal int
	Facets    store.Facets
	Langs     map[string]string
	TitlesEn  map[string]string
}

// handleRole serves /roles/{role}: every flow to and from one role across all
// documents, with counts by document and protocol linking to the listing.
func (s *Server) handleRole(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := chi.URLParam(r, "role")
	role, ok := roles.Default().Role(strings.ToLower(id))
	if !ok {
		return notFound("there is no role %q", id)
	}
	d := rolePageData{Role: role}
	counts, err := s.storeOf(ctx).RoleCounts(ctx)
	if err != nil {
		return err
	}
	d.Count.Role = role.ID
	for _, c := range counts {
		if c.Role == role.ID {
			d.Count = c
		}
	}
	if d.To, d.ToTotal, err = s.storeOf(ctx).Flows(ctx, store.FlowFilter{Filter: roleFilter("dst_role", role.ID), Sort: "doc", Limit: maxRoleFlows}); err != nil {
		return err
	}
	// From the role, leaving out what is already listed as to it (a flow
	// between two domain controllers).
	from, _, err := s.storeOf(ctx).Flows(ctx, store.FlowFilter{Filter: roleFilter("src_role", role.ID), Sort: "doc", Limit: maxRoleFlows})
	if err != nil {
		return err
	}
	for _, f := range from {
		if len(sideRoles(f, data.SideDestination)) == 0 || !hasRole(f, data.SideDestination, role.ID) {
			d.From = append(d.From, f)
		}
	}
	d.FromTotal = d.Count.Flows - d.Count.AsDestination
	all := store.FlowFilter{Filter: roleFilter("role", role.ID)}
	if d.Facets, err = s.storeOf(ctx).Facets(ctx, all); err != nil {
		return err
	}
	if d.Langs, d.TitlesEn, err = s.docMaps(ctx); err != nil {
		return err
	}
	return s.render(w, r, rolePage(d))
}

func hasRole(f data.Flow, side, role string) bool {
	for _, r := range f.Roles {
		if r.Side == side && r.Role == role {
			return true
		}
	}
	return false
}

// roleFilter selects the flows with role at key ("role", "src_role",
// "dst_role"); the role is one of the vocabulary's, which the filter accepts.
func roleFilter(key, role string) filter.Filter {
	return filter.Filter{}.Toggle(key, role)
}

// roleQuery is the /flows listing of the flows with role at key ("role",
// "src_role", "dst_role"), with one more filter when key2 is not "".
func roleQuery(key, role, key2, value string) FlowQuery {
	q := FlowQuery{}.Toggle(key, role)
	if key2 != "" {
		q = q.Toggle(key2, value)
	}
	return q
}

// roleNames lists up to n of a role's names, those in the UI language first.
func roleNames(r roles.Role, lang string, n int) string {
	var out []string
	for _, l := range append([]string{lang}, roles.Languages...) {
		for _, name := range r.Names[l] {
			if len(out) < n && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return strings.Join(out, " · ")
}
