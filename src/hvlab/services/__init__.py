"""Services engine: IIS sites, load-balancer health checks and HTTP redirects.

Pure functions of the lab (DESIGN.md, "Architecture"):

* :mod:`hvlab.services.http` -- which IIS site on a server answers a request and what it
  answers (:func:`respond`);
* :mod:`hvlab.services.healthcheck` -- whether a load balancer's check of a real server
  passes (:func:`check_outcome`), which real servers stay in rotation
  (:func:`virtual_service_state`), and how long marking down and up takes
  (:func:`time_to_mark_down`, :func:`time_to_mark_up`);
* :mod:`hvlab.services.redirect` -- following redirects across the lab's sites and
  finding loops (:func:`follow_redirects`), and checks that pass on a redirect
  (:func:`redirect_passes`).

``docs/services.md`` describes every rule with its source.
"""

from hvlab.services.healthcheck import (
    AcceptedCodes,
    CheckOutcome,
    ServiceState,
    Timing,
    accepted_codes,
    check_outcome,
    effective_settings,
    probe_request,
    product_of,
    server_address,
    server_sites,
    time_to_mark_down,
    time_to_mark_up,
    virtual_service_state,
)
from hvlab.services.http import (
    BindingMatch,
    Request,
    Response,
    match_binding,
    redirect_location,
    respond,
)
from hvlab.services.redirect import (
    Hop,
    RedirectPass,
    RedirectTrace,
    follow_redirects,
    redirect_passes,
)

__all__ = [
    "AcceptedCodes",
    "BindingMatch",
    "CheckOutcome",
    "Hop",
    "RedirectPass",
    "RedirectTrace",
    "Request",
    "Response",
    "ServiceState",
    "Timing",
    "accepted_codes",
    "check_outcome",
    "effective_settings",
    "follow_redirects",
    "match_binding",
    "probe_request",
    "product_of",
    "redirect_location",
    "redirect_passes",
    "respond",
    "server_address",
    "server_sites",
    "time_to_mark_down",
    "time_to_mark_up",
    "virtual_service_state",
]
