/* hvlab report: recolour the topology per VLAN / MST instance, show cluster paths,
   link findings and timeline rows to the picture. Plain ES2015, no library, no network. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("hvlab-data").textContent);
  var svg = document.getElementById("topo-svg");
  if (!svg) { return; }
  var lines = data.lines.map(function (id) { return document.getElementById(id); });
  var letters = [];
  var views = {};
  data.views.forEach(function (v) { views[v.key] = v; });
  var current = views[data.initialView] || data.views[0];
  lines.forEach(function (g, i) { letters[i] = current ? current.s.charAt(i) : "F"; });
  var info = document.getElementById("info");
  var pathText = document.getElementById("path-text");
  var select = document.getElementById("view-select");

  function byId(id) { return id ? document.getElementById(id) : null; }

  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c];
    });
  }

  function lineLabel(i) {
    var g = lines[i];
    var t = g ? g.querySelector("title") : null;
    return t ? t.textContent.split(" · ")[0] : data.lines[i];
  }

  function renderBlocked(v) {
    var list = byId("blocked-list");
    var head = byId("blocked-view");
    if (head) { head.textContent = v.label; }
    if (!list) { return; }
    var items = Object.keys(v.blocked).map(function (k) {
      var i = Number(k);
      return "<li><a href=\"#" + esc(data.lines[i]) + "\" class=\"goto\" data-targets=\"" +
        esc(data.lines[i]) + "\">" + esc(lineLabel(i)) + "</a>: " + esc(v.blocked[k]) + "</li>";
    });
    list.innerHTML = items.length ? items.join("") :
      "<li class=\"none\">none: every link that carries it forwards</li>";
  }

  function applyView(key) {
    var v = views[key];
    if (!v) { return false; }
    current = v;
    for (var i = 0; i < lines.length; i++) {
      var g = lines[i];
      if (!g) { continue; }
      var next = v.s.charAt(i);
      if (letters[i] !== next) {
        g.classList.remove("s-" + letters[i]);
        g.classList.add("s-" + next);
        letters[i] = next;
      }
    }
    var roots = {};
    v.roots.forEach(function (id) { roots[id] = true; });
    Array.prototype.forEach.call(svg.querySelectorAll(".node.switch"), function (n) {
      n.classList.toggle("is-root", !!roots[n.id]);
    });
    var label = byId("view-label");
    if (label) { label.textContent = v.label; }
    svg.setAttribute("data-view", key);
    if (select && select.value !== key) { select.value = key; }
    renderBlocked(v);
    return true;
  }

  function blockedIds() {
    var out = [];
    for (var i = 0; i < lines.length; i++) {
      if (lines[i] && "ABX".indexOf(letters[i]) >= 0) { out.push(data.lines[i]); }
    }
    return out;
  }

  /* --- paths ------------------------------------------------------------------------ */
  var netSelect = byId("path-network");
  var fromSelect = byId("path-from");
  var toSelect = byId("path-to");

  function fillNodes() {
    if (!netSelect || !fromSelect || !toSelect) { return; }
    var net = data.networks[Number(netSelect.value)];
    if (!net) { return; }
    var html = net.nodes.map(function (n) {
      return "<option value=\"" + esc(n) + "\">" + esc(n) + "</option>";
    }).join("");
    fromSelect.innerHTML = html;
    toSelect.innerHTML = html;
    if (net.nodes.length > 1) { toSelect.value = net.nodes[Math.min(2, net.nodes.length - 1)]; }
  }

  function clearPath() {
    Array.prototype.forEach.call(svg.querySelectorAll(".on-path"), function (el) {
      el.classList.remove("on-path");
    });
    svg.classList.remove("path-mode");
    if (pathText) { pathText.textContent = ""; pathText.classList.remove("none"); }
  }

  function findPath(cluster, network, a, b) {
    return data.paths[[cluster, network, a, b].join("|")] ||
      data.paths[[cluster, network, b, a].join("|")] || null;
  }

  function showPath(cluster, network, a, b) {
    clearPath();
    if (a === b) {
      if (pathText) { pathText.textContent = "Choose two different nodes."; }
      return null;
    }
    var p = findPath(cluster, network, a, b);
    if (!p) {
      if (pathText) {
        pathText.textContent = "This pair was not precomputed (the report keeps a limited number of paths); run hvlab on the lab for it.";
        pathText.classList.add("none");
      }
      return null;
    }
    if (p.none) {
      if (pathText) { pathText.textContent = p.text; pathText.classList.add("none"); }
      return p;
    }
    if (views["vlan:" + p.vlan] && current.key.indexOf("vlan:") === 0) { applyView("vlan:" + p.vlan); }
    p.lines.forEach(function (i) { if (lines[i]) { lines[i].classList.add("on-path"); } });
    p.nodes.forEach(function (id) { var n = byId(id); if (n) { n.classList.add("on-path"); } });
    svg.classList.add("path-mode");
    if (pathText) {
      pathText.textContent = cluster + " / " + network + " (VLAN " + p.vlan + "): " + p.text;
    }
    return p;
  }

  function showSelectedPath() {
    if (!netSelect) { return null; }
    var net = data.networks[Number(netSelect.value)];
    if (!net) { return null; }
    return showPath(net.cluster, net.network, fromSelect.value, toSelect.value);
  }

  /* --- finding and timeline links ---------------------------------------------------- */
  var flashTimer = null;
  function flash(ids) {
    var first = null;
    Array.prototype.forEach.call(svg.querySelectorAll(".flash"), function (el) {
      el.classList.remove("flash");
    });
    ids.forEach(function (id) {
      var el = byId(id);
      if (el && svg.contains(el)) {
        el.classList.add("flash");
        if (!first) { first = el; }
      }
    });
    if (first && first.scrollIntoView) {
      first.scrollIntoView({ block: "center", inline: "center" });
    }
    if (flashTimer) { clearTimeout(flashTimer); }
    flashTimer = setTimeout(function () {
      Array.prototype.forEach.call(svg.querySelectorAll(".flash"), function (el) {
        el.classList.remove("flash");
      });
    }, 3000);
    return first !== null;
  }

  function showFindingsFor(id) {
    var rows = document.querySelectorAll("table.findings tbody tr");
    var first = null;
    Array.prototype.forEach.call(rows, function (tr) {
      var hit = (" " + (tr.getAttribute("data-targets") || "") + " ").indexOf(" " + id + " ") >= 0;
      tr.classList.toggle("hl", hit);
      if (hit && !first) { first = tr; }
    });
    if (first) { first.scrollIntoView({ block: "center" }); }
  }

  document.addEventListener("click", function (e) {
    var target = e.target;
    if (!target || !target.closest) { return; }
    var badge = target.closest(".fbadge");
    if (badge) {
      var node = badge.closest(".node");
      if (node) { showFindingsFor(node.id); }
      return;
    }
    var link = target.closest(".goto");
    if (!link) { return; }
    var ids = (link.getAttribute("data-targets") || "").split(" ").filter(Boolean);
    if (ids.length && flash(ids)) { e.preventDefault(); }
  });

  /* --- hover details ------------------------------------------------------------------ */
  function describe(el) {
    if (el.classList.contains("link")) {
      var i = Number(el.getAttribute("data-i"));
      var title = el.querySelector("title");
      var text = (title ? title.textContent : el.id) + " — in " + current.label + ": " +
        (data.stateText[letters[i]] || letters[i]);
      if (current.blocked[String(i)]) { text += " (" + current.blocked[String(i)] + ")"; }
      return text + " · fail it with --down " + el.getAttribute("data-element");
    }
    var t = el.querySelector("title");
    return t ? t.textContent : el.id;
  }

  svg.addEventListener("mouseover", function (e) {
    var el = e.target.closest ? e.target.closest(".links .link, .nodes .node") : null;
    if (el && info) { info.textContent = describe(el); }
  });

  /* --- wiring ------------------------------------------------------------------------- */
  if (select) {
    select.addEventListener("change", function () { applyView(select.value); });
  }
  if (netSelect) {
    netSelect.addEventListener("change", function () { fillNodes(); });
    byId("path-show").addEventListener("click", function () { showSelectedPath(); });
    byId("path-clear").addEventListener("click", function () { clearPath(); });
    netSelect.value = String(data.defaultNetwork);
    fillNodes();
    if (data.initialPath) {
      var parts = data.initialPath.split("|");
      fromSelect.value = parts[2];
      toSelect.value = parts[3];
    }
  }
  if (current) { renderBlocked(current); }

  window.hvlabReport = {
    applyView: applyView,
    showPath: showPath,
    clearPath: clearPath,
    blocked: blockedIds,
    view: function () { return current.key; },
    flash: flash
  };
})();
