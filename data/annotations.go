package data

// EndpointRole is an infrastructure role Portolan gives one end of a flow
// (package data/roles): ours, kept beside the endpoint as the document wrote
// it, never in place of it.
type EndpointRole struct {
	Side string `json:"side"` // "source" or "destination"
	Role string `json:"role"` // role ID: "domain-controller"
	Name string `json:"name"` // the vocabulary's name that matched: "on-premises AD"
	// Guess is true when the document leaves that side empty and the role was
	// read from the row's purpose.
	Guess bool `json:"guess,omitempty"`
}

// Finding is a lint check's verdict on a flow (package data/lint): advice
// shown beside the row, never a change to it.
type Finding struct {
	Check    string `json:"check"`    // check ID: "port-service"
	Severity string `json:"severity"` // "error", "warning" or "info"
	Detail   string `json:"detail"`   // what is wrong with this row, in English
}

// Sides of an EndpointRole.
const (
	SideSource      = "source"
	SideDestination = "destination"
)
