package web

// WithCache sets the response cache's limits: maxBytes for all entries
// together, maxEntryBytes for one response. Zero (or less) for either turns
// the cache off. Only tests need other limits than the defaults, so it is
// defined for them alone.
func WithCache(maxBytes, maxEntryBytes int64) Option {
	return func(s *Server) {
		s.cacheBytes, s.cacheEntryBytes = maxBytes, maxEntryBytes
	}
}
