package sim

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// Requests that a browser sends for another site's page. Without an admin
// token the control plane takes any request, and a page on another origin
// can still send "simple" requests (a POST with a text/plain body, no
// custom header) that need no CORS preflight: it moved the clock and added
// fault rules through a developer's browser, though it could not read the
// answers. A page on a name the attacker controls, resolved to the mock's
// address (DNS rebinding), could even read /__sim/state. So the control
// plane refuses, before anything else:
//
//   - a request whose Host is not one the mock answers for, when
//     Options.AllowedHosts is set (an IP address or localhost always is:
//     rebinding needs a name);
//   - a request whose Origin names another host than its Host (or is
//     "null"), or whose Sec-Fetch-Site is cross-site or same-site, except
//     a top-level navigation to a dashboard page (following a link to it
//     from elsewhere shows it, and acts on nothing).
//
// curl, Go's client and test tools send neither Origin nor Sec-Fetch-Site,
// so they are not affected; a page of the dashboard sends its own origin.

// Keys of refused cross-site requests (public interface).
const (
	KeyCrossSite       = errorkey.CrossSiteRequest
	KeyHostNotAllowed  = errorkey.HostNotAllowed
	dashboardTag       = "dashboard"
	secFetchSite       = "Sec-Fetch-Site"
	secFetchMode       = "Sec-Fetch-Mode"
	crossSiteReason    = "the control plane does not answer requests that a browser sends for another site's page (Origin, Sec-Fetch-Site)"
	hostNotAllowedText = "the control plane answers only for its own host names (-allowed-hosts), an IP address or localhost"
)

// checkSite refuses a control-plane request of another site, or for a
// host the mock does not answer for. op is the request's operationId.
func (s *Server) checkSite(r *http.Request, op string) *apierror.Error {
	if len(s.opts.AllowedHosts) > 0 && !hostAllowed(r.Host, s.opts.AllowedHosts) {
		return apierror.New(http.StatusForbidden, KeyHostNotAllowed, hostNotAllowedText).
			WithField("Host", "is not a host this mock answers for")
	}
	refuse := apierror.New(http.StatusForbidden, KeyCrossSite, crossSiteReason)
	if o := r.Header.Values("Origin"); len(o) > 0 {
		u, err := url.Parse(o[0])
		if len(o) > 1 || err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return refuse.WithField("Origin", "must name the host the request is sent to")
		}
	}
	switch strings.ToLower(r.Header.Get(secFetchSite)) {
	case "cross-site", "same-site":
		if s.navigation(r, op) {
			return nil
		}
		return refuse.WithField(secFetchSite, "must be same-origin or none")
	}
	return nil
}

// navigation reports whether r is a browser's top-level navigation to a
// dashboard page: it shows the page and changes nothing.
func (s *Server) navigation(r *http.Request, op string) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	o := s.ctl.Operation(op)
	return o != nil && slices.Contains(o.Tags, dashboardTag) && strings.EqualFold(r.Header.Get(secFetchMode), "navigate")
}

// hostAllowed reports whether the Host header host names the mock: an IP
// address, localhost (browsers resolve it and its subdomains themselves),
// or one of allowed.
func hostAllowed(host string, allowed []string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, a := range allowed {
		if strings.EqualFold(host, a) {
			return true
		}
	}
	return false
}
