"""Benchmark the services engine: health checks of many virtual services, JSON out.

Builds a lab of ``--services`` virtual services (1,000 by default), each with
``--servers`` real servers (10, each its own VM) that carry ``--sites`` IIS sites (5, all
bound to host names on ``*:80``, one of them a redirect). Half the virtual services use
the LoadMaster's default HTTP/1.0 check with no Host (every real server answers 400 and
is marked down), half an HTTP/1.1 check with the real site's Host (200, up). Then it
times, best of ``--repeat`` runs:

* ``virtual_service_state`` for every virtual service (all checks of the lab);
* ``check_outcome`` alone, per check;
* ``follow_redirects`` from the redirecting host name of every virtual service
  (20 redirects each: the growing loop);
* building the lab model itself, for scale.

Usage::

    python benchmarks/bench_services.py
    python benchmarks/bench_services.py --services 200 --repeat 1
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from _common import emit, peak_rss_mib

from hvlab.model.lab import Lab
from hvlab.services.healthcheck import check_outcome, virtual_service_state
from hvlab.services.redirect import follow_redirects


def build_lab(services: int, servers: int, sites: int) -> Lab:
    """Return the benchmark lab (see the module docstring)."""
    vms: dict[str, Any] = {}
    web_sites: dict[str, Any] = {}
    virtual_services: dict[str, Any] = {}
    for v in range(services):
        names = [f"WEB{v:04d}-{s:02d}" for s in range(servers)]
        for s, name in enumerate(names):
            ip = f"10.{v // 250}.{v % 250}.{s + 1}"
            vms[name] = {"memory": "4GiB", "nics": [{"switch": "DMZ", "ip": ip}]}
        for k in range(sites):
            site: dict[str, Any] = {
                "servers": names,
                "bindings": [f"http/*:80:site{k}.vs{v}.lab"],
            }
            if k == sites - 1:
                site["redirect"] = {"destination": f"www.other{v}.lab/path", "status": 302}
            web_sites[f"vs{v}-site{k}"] = site
        check: dict[str, Any] = {"protocol": "HTTP", "method": "HEAD", "url": "/"}
        if v % 2:
            check.update(http_version="1.1", host_header=f"site0.vs{v}.lab")
        else:
            check.update(http_version="1.0")
        virtual_services[f"vs{v}"] = {
            "address": f"192.168.{v // 250}.{v % 250}",
            "real_servers": [f"{n}:80" for n in names],
            "host_names": [f"site{k}.vs{v}.lab" for k in range(sites)],
            "health_check": check,
        }
    return Lab.model_validate(
        {
            "name": "bench-services",
            "vms": vms,
            "web_sites": web_sites,
            "load_balancers": {"LM": {"vendor": "Kemp", "virtual_services": virtual_services}},
        }
    )


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Return the best wall time of ``repeat`` runs of ``fn`` and its last result."""
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print JSON on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=10)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    lab = build_lab(args.services, args.servers, args.sites)
    build_s = time.perf_counter() - start
    lb = lab.load_balancers["LM"]
    services = list(lb.virtual_services.values())
    checks = sum(len(vs.real_servers) for vs in services)

    def all_states() -> list[bool]:
        return [virtual_service_state(lab, lb, vs).up for vs in services]

    def all_checks() -> int:
        return sum(
            check_outcome(lab, lb, vs, rs).passes for vs in services for rs in vs.real_servers
        )

    def all_redirects() -> int:
        return sum(
            follow_redirects(
                lab, f"http://site{args.sites - 1}.{vs.name}.lab/", respect_health=False
            ).redirects
            for vs in services
        )

    states_s, states = best_of(args.repeat, all_states)
    checks_s, passed = best_of(args.repeat, all_checks)
    redirects_s, followed = best_of(args.repeat, all_redirects)
    assert isinstance(states, list) and isinstance(followed, int)
    emit(
        "services",
        {
            "virtual_services": len(services),
            "real_servers_per_service": args.servers,
            "sites_per_server": args.sites,
            "checks": checks,
            "repeat": args.repeat,
            "build_lab_s": round(build_s, 3),
            "virtual_service_state": {
                "seconds": round(states_s, 3),
                "checks_per_s": round(checks / states_s),
                "services_up": sum(states),
                "services_down": len(states) - sum(states),
            },
            "check_outcome": {
                "seconds": round(checks_s, 3),
                "checks_per_s": round(checks / checks_s),
                "us_per_check": round(checks_s / checks * 1e6, 1),
                "passed": passed,
            },
            "follow_redirects": {
                "seconds": round(redirects_s, 3),
                "chains": len(services),
                "redirects_followed": followed,
                "redirects_per_s": round(followed / redirects_s),
            },
            "peak_rss_mib": round(peak_rss_mib(), 1),
        },
    )


if __name__ == "__main__":
    main()
