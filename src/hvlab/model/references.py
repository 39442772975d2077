"""Cross-reference checks: every name a lab object uses must name something that exists.

These are the checks without which the model means nothing (a team member that
is not a NIC of its host, a VM on a CSV that does not exist). What is merely bad
practice (mixed NIC speeds, a single-member inter-switch LAG) is left to
:mod:`hvlab.rules`. Every problem carries the position of the offending value.
"""

from __future__ import annotations

from collections.abc import Iterable

from hvlab.errors import Problem
from hvlab.model.elements import resolve_element
from hvlab.model.lab import Lab
from hvlab.model.load import suggest
from hvlab.model.yamlsource import dotted

__all__ = ["check_references"]


class _Checker:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.problems: list[Problem] = []

    def report(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem.at(message, self.lab.source.locate(path), dotted(path)))

    def exists(
        self,
        path: tuple[str | int, ...],
        name: str,
        choices: Iterable[str],
        what: str,
        plural: str | None = None,
    ) -> bool:
        options = choices if isinstance(choices, (dict, set, frozenset)) else set(choices)
        if name in options:
            return True
        listing = sorted(options)
        shown = ", ".join(listing[:10]) + (", ..." if len(listing) > 10 else "")
        tail = f" ({plural or what + 's'}: {shown})" if listing else ""
        # "NIC on host node1" reads as: no NIC named 'NIC5' on host node1.
        noun, scope = what, ""
        for sep in (" on ", " in ", " of "):
            if sep in what:
                noun, rest = what.split(sep, 1)
                scope = f"{sep}{rest}"
                break
        self.report(path, f"no {noun} named {name!r}{scope}{suggest(name, listing)}{tail}")
        return False

    # -- network ---------------------------------------------------------------------------
    def switches(self) -> None:
        for sw in self.lab.switches.values():
            in_lag: dict[str, str] = {}
            for lag in sw.lags.values():
                for i, member in enumerate(lag.members):
                    path = ("switches", sw.name, "lags", lag.name, "members", i)
                    other, sep, port = member.rpartition(":")
                    if sep:
                        # A cross-stack / MLAG member: SWITCH:PORT on a peer of the same stack.
                        peer = self.lab.switches.get(other)
                        if peer is None or sw.stack is None or peer.stack != sw.stack:
                            self.report(
                                path,
                                f"{member!r}: a LAG member on another switch must be on a "
                                f"switch of the same stack as {sw.name}",
                            )
                        else:
                            self.exists(path, port, peer.ports, f"port on switch {other}", "ports")
                        continue
                    if not self.exists(
                        path, member, sw.ports, f"port on switch {sw.name}", "ports"
                    ):
                        continue
                    if member in in_lag:
                        self.report(path, f"port {member} is already a member of {in_lag[member]}")
                    in_lag[member] = lag.name

    def links(self) -> None:
        used: dict[str, int] = {}
        for i, link in enumerate(self.lab.links):
            for j, endpoint in enumerate(link.endpoints):
                path = ("links", i, "endpoints", j)
                node, sep, port = endpoint.partition(":")
                if not sep or not node or not port:
                    self.report(path, f"endpoint {endpoint!r} must be NODE:PORT (like tor1:Eth1/1)")
                    continue
                if node in self.lab.switches:
                    sw = self.lab.switches[node]
                    self.exists(path, port, sw.ports, f"port on switch {node}", "ports")
                elif node in self.lab.hosts:
                    host = self.lab.hosts[node]
                    self.exists(path, port, host.nics, f"NIC on host {node}", "NICs")
                else:
                    nodes = set(self.lab.switches) | set(self.lab.hosts)
                    self.exists(path, node, nodes, "switch or host", "switches and hosts")
                    continue
                if endpoint in used:
                    self.report(path, f"{endpoint} is already cabled by links[{used[endpoint]}]")
                used[endpoint] = i
            if link.endpoints[0] == link.endpoints[1]:
                self.report(("links", i), "a link cannot join a port to itself")

    # -- hosts -----------------------------------------------------------------------------
    def hosts(self) -> None:
        for host in self.lab.hosts.values():
            base = ("hosts", host.name)
            owner: dict[str, str] = {}
            for team in host.teams.values():
                for i, member in enumerate(team.members):
                    path = (*base, "teams", team.name, "members", i)
                    # A member naming another team is kept: "team of teams" is a rule (HV1xx).
                    teamable = host.nics.keys() | (host.teams.keys() - {team.name})
                    other, sep, nic = member.partition(":")
                    if sep and other in self.lab.hosts and other != host.name:
                        self.report(
                            path,
                            f"no NIC named {member!r} on host {host.name}: {nic} is a NIC of "
                            f"host {other}, and a team's members must all be NICs of its own "
                            f"host (NICs: {', '.join(sorted(host.nics))})",
                        )
                        continue
                    if not self.exists(path, member, teamable, f"NIC on host {host.name}", "NICs"):
                        continue
                    if member in owner:
                        self.report(path, f"NIC {member} is already used by {owner[member]}")
                    owner[member] = f"team {team.name}"
                if team.standby is not None and team.standby not in team.members:
                    self.report(
                        (*base, "teams", team.name, "standby"),
                        f"standby {team.standby!r} is not a member of team {team.name} "
                        f"(members: {', '.join(team.members)})",
                    )
            uplinks = set(host.nics) | set(host.teams)
            for vs in host.vswitches.values():
                vpath: tuple[str | int, ...] = (*base, "vswitches", vs.name)
                if vs.type == "External" and not vs.uplink and not vs.members:
                    self.report(
                        vpath, "an External switch needs an uplink (a NIC or team) or members"
                    )
                if vs.type != "External" and (vs.uplink or vs.members):
                    self.report(vpath, f"a {vs.type} switch has no uplink; make it External")
                if vs.uplink and self.exists(
                    (*vpath, "uplink"), vs.uplink, uplinks, "NIC or team", "NICs and teams"
                ):
                    if vs.uplink in owner:
                        self.report(
                            (*vpath, "uplink"),
                            f"{vs.uplink} is already used by {owner[vs.uplink]}",
                        )
                    owner[vs.uplink] = f"vswitch {vs.name}"
                for i, member in enumerate(vs.members):
                    mpath = (*vpath, "members", i)
                    if self.exists(mpath, member, host.nics, f"NIC on host {host.name}", "NICs"):
                        if member in owner:
                            self.report(mpath, f"NIC {member} is already used by {owner[member]}")
                        owner[member] = f"vswitch {vs.name}"
            for vnic in host.vnics.values():
                self.exists(
                    (*base, "vnics", vnic.name, "switch"),
                    vnic.switch,
                    host.vswitches,
                    f"virtual switch on host {host.name}",
                    "virtual switches",
                )

    # -- clusters --------------------------------------------------------------------------
    def clusters(self) -> dict[str, str]:
        member_of: dict[str, str] = {}
        for cl in self.lab.clusters.values():
            base = ("clusters", cl.name)
            for i, node in enumerate(cl.nodes):
                path = (*base, "nodes", i)
                if not self.exists(path, node, self.lab.hosts, "host"):
                    continue
                if node in member_of:
                    self.report(path, f"host {node} is already a node of cluster {member_of[node]}")
                member_of[node] = cl.name
            for i, net in enumerate(cl.live_migration.networks):
                self.exists(
                    (*base, "live_migration", "networks", i), net, cl.networks, "cluster network"
                )
            for csv in cl.csvs.values():
                if csv.owner:
                    self.exists((*base, "csvs", csv.name, "owner"), csv.owner, cl.nodes, "node")
                if csv.used > csv.size:
                    self.report((*base, "csvs", csv.name, "used"), "used is larger than size")
            for fs in cl.file_servers.values():
                if fs.owner:
                    self.exists(
                        (*base, "file_servers", fs.name, "owner"), fs.owner, cl.nodes, "node"
                    )
                for share in fs.shares.values():
                    if share.volume:
                        self.exists(
                            (*base, "file_servers", fs.name, "shares", share.name, "volume"),
                            share.volume,
                            cl.csvs,
                            f"CSV in cluster {cl.name}",
                            "CSVs",
                        )
        return member_of

    def shares(self) -> dict[str, set[str]]:
        """Return server name → share names, for every file server of every cluster."""
        out: dict[str, set[str]] = {}
        for cl in self.lab.clusters.values():
            for fs in cl.file_servers.values():
                for server in {fs.name, fs.client_access_point or fs.name}:
                    out.setdefault(server.lower(), set()).update(s.lower() for s in fs.shares)
        return out

    # -- VMs -------------------------------------------------------------------------------
    def vms(self, member_of: dict[str, str]) -> None:
        shares = self.shares()
        lab = self.lab
        for vm in lab.vms.values():
            base = ("vms", vm.name)
            cluster = None
            if vm.cluster is not None and self.exists(
                (*base, "cluster"), vm.cluster, lab.clusters, "cluster"
            ):
                cluster = lab.clusters[vm.cluster]
            host = None
            if vm.host is not None and self.exists((*base, "host"), vm.host, lab.hosts, "host"):
                host = lab.hosts[vm.host]
                if cluster is not None and member_of.get(vm.host) != cluster.name:
                    self.report(
                        (*base, "host"),
                        f"host {vm.host} is not a node of cluster {cluster.name} "
                        f"(nodes: {', '.join(cluster.nodes)})",
                    )
            if vm.storage is not None:
                self.storage((*base, "storage"), vm.storage, cluster, shares)
            for i, vhd in enumerate(vm.vhds):
                if vhd.storage is not None:
                    self.storage((*base, "vhds", i, "storage"), vhd.storage, cluster, shares)
            nic_names = [n.name for n in vm.nics if n.name]
            for i, nic in enumerate(vm.nics):
                if host is not None:
                    self.exists(
                        (*base, "nics", i, "switch"),
                        nic.switch,
                        host.vswitches,
                        f"virtual switch on host {host.name}",
                        "virtual switches",
                    )
            for team in vm.guest_teams.values():
                for i, member in enumerate(team.members):
                    self.exists(
                        (*base, "guest_teams", team.name, "members", i),
                        member,
                        nic_names,
                        f"network adapter of VM {vm.name}",
                        "named adapters",
                    )
            if vm.iscsi is not None:
                for i, member in enumerate(vm.iscsi.nics):
                    self.exists(
                        (*base, "iscsi", "nics", i),
                        member,
                        nic_names,
                        f"network adapter of VM {vm.name}",
                        "named adapters",
                    )
            for field in ("preferred_owners", "possible_owners"):
                owners: tuple[str, ...] = getattr(vm, field)
                if owners and cluster is None:
                    self.report((*base, field), f"{field} needs the VM to be in a cluster")
                elif cluster is not None:
                    for i, node in enumerate(owners):
                        self.exists(
                            (*base, field, i), node, cluster.nodes, f"node of {cluster.name}"
                        )
            if vm.replica is not None:
                targets = set(lab.hosts) | set(lab.clusters) | set(lab.sites)
                self.exists(
                    (*base, "replica", "to"), vm.replica.to, targets, "host, cluster or site"
                )

    def storage(
        self,
        path: tuple[str | int, ...],
        where: str,
        cluster: object,
        shares: dict[str, set[str]],
    ) -> None:
        if where.startswith("\\\\"):
            server, _, share = where[2:].partition("\\")
            share = share.split("\\", 1)[0]
            if server.lower() in shares and share.lower() not in shares[server.lower()]:
                self.report(
                    path,
                    f"file server {server} has no share {share!r} "
                    f"(shares: {', '.join(sorted(shares[server.lower()]))})",
                )
            return
        from hvlab.model.cluster import Cluster

        if not isinstance(cluster, Cluster):
            self.report(path, f"storage {where!r} is a CSV name but the VM is not in a cluster")
            return
        self.exists(path, where, cluster.csvs, f"CSV in cluster {cluster.name}", "CSVs")

    # -- services, scenarios -----------------------------------------------------------------
    def services(self) -> None:
        servers = set(self.lab.vms) | set(self.lab.hosts)
        for lb in self.lab.load_balancers.values():
            for vs in lb.virtual_services.values():
                for i, rs in enumerate(vs.real_servers):
                    name = rs.rsplit(":", 1)[0] if rs.count(":") == 1 else rs
                    self.exists(
                        ("load_balancers", lb.name, "virtual_services", vs.name, "real_servers", i),
                        name,
                        servers,
                        "VM or host",
                        "VMs and hosts",
                    )
        for site in self.lab.web_sites.values():
            for i, server in enumerate(site.servers):
                self.exists(("web_sites", site.name, "servers", i), server, servers, "VM or host")

    def scenarios(self) -> None:
        for sc in self.lab.scenarios.values():
            for i, step in enumerate(sc.steps):
                path = ("scenarios", sc.name, "steps", i, step.verb)
                target = step.target
                parts = [p.strip() for p in target.split(" to ")]
                if len(parts) > 2:
                    self.report(path, f"{target!r}: write 'ELEMENT' or 'ELEMENT to TARGET'")
                    continue
                try:
                    resolve_element(self.lab, parts[0])
                except ValueError as exc:
                    self.report(path, str(exc))
                if len(parts) == 2:
                    dest = parts[1]
                    if dest.startswith("\\\\"):
                        self.unc(path, dest)
                    elif ":" not in dest:
                        choices = set(self.lab.hosts) | set(self.lab.sites) | set(self.lab.clusters)
                        self.exists(path, dest, choices, "host, cluster or site")
                    else:
                        try:
                            resolve_element(self.lab, dest)
                        except ValueError as exc:
                            self.report(path, str(exc))

    def unc(self, path: tuple[str | int, ...], target: str) -> None:
        """Check that ``\\\\server\\share`` names a share of a file server in the lab."""
        shares = self.shares()
        server, _, share = target[2:].partition("\\")
        share = share.split("\\", 1)[0]
        if not self.exists(path, server.lower(), shares, "file server"):
            return
        self.exists(path, share.lower(), shares[server.lower()], f"share on {server}", "shares")

    def sites(self) -> None:
        """Site names must be declared under ``sites:`` once any site is declared there."""
        lab = self.lab
        if not lab.sites:
            return
        names = set(lab.sites)
        for sw in lab.switches.values():
            if sw.site is not None:
                self.exists(("switches", sw.name, "site"), sw.site, names, "site")
        for host in lab.hosts.values():
            if host.site is not None:
                self.exists(("hosts", host.name, "site"), host.site, names, "site")
        for c in lab.clusters.values():
            if c.quorum.witness_site is not None:
                where: tuple[str | int, ...] = ("clusters", c.name, "quorum", "witness_site")
                self.exists(where, c.quorum.witness_site, names, "site")
            if c.preferred_site is not None:
                where = ("clusters", c.name, "preferred_site")
                self.exists(where, c.preferred_site, names, "site")
            for csv in c.csvs.values():
                for key in ("site", "replicated_to"):
                    value = getattr(csv, key)
                    if value is not None:
                        where = ("clusters", c.name, "csvs", csv.name, key)
                        self.exists(where, value, names, "site")
        for vm in lab.vms.values():
            if vm.preferred_site is not None:
                self.exists(("vms", vm.name, "preferred_site"), vm.preferred_site, names, "site")
        for wan in lab.wan_links.values():
            base: tuple[str | int, ...] = ("wan_links", wan.name)
            for i, site in enumerate(wan.sites):
                self.exists((*base, "sites", i), site, names, "site")
            if wan.sites[0] == wan.sites[1]:
                self.report((*base, "sites"), "a WAN link joins two different sites")
            if wan.vlans and wan.switches is None:
                self.report(
                    (*base, "switches"),
                    "a WAN link that extends VLANs needs the switch at each end: "
                    "switches: [HQ-SWITCH, DR-SWITCH]",
                )
            for i, end in enumerate(wan.switches or ()):
                where = (*base, "switches", i)
                if self.exists(where, end, lab.switches, "switch"):
                    at = lab.switches[end].site
                    if at != wan.sites[i]:
                        self.report(
                            where,
                            f"switch {end} is in site {at or '(none)'}, not {wan.sites[i]}: "
                            "list the switches in the order of sites",
                        )

    def timers(self) -> None:
        from hvlab.defaults import DEFAULTS
        from hvlab.settings import parse_override

        for key, raw in self.lab.timers.items():
            path = ("timers", key)
            if not self.exists(path, key, DEFAULTS.keys(), "default", "keys in docs/defaults.md"):
                continue
            try:
                parse_override(DEFAULTS[key], raw)
            except ValueError as exc:
                self.report(path, str(exc))


def check_references(lab: Lab) -> list[Problem]:
    """Return every dangling or doubly-used reference in ``lab`` (empty when consistent)."""
    checker = _Checker(lab)
    checker.switches()
    checker.links()
    checker.hosts()
    member_of = checker.clusters()
    checker.vms(member_of)
    checker.services()
    checker.sites()
    checker.scenarios()
    checker.timers()
    return checker.problems
