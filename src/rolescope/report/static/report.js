/* rolescope report: findings filters and the cross-account trust graph (SVG, force layout, no library).
   Every string from the scan is written with textContent or setAttribute, never parsed as HTML. */
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const DATA = JSON.parse(document.getElementById("rolescope-data").textContent);

  // "1 finding", "2 findings": the report's one way to put a number before a noun (rolescope.wording.count)
  function count(number, one, many) {
    return number.toLocaleString("en-US") + " " + (number === 1 ? one : many || one + "s");
  }

  function svgEl(name, attrs, parent) {
    const el = document.createElementNS(NS, name);
    for (const key in attrs) el.setAttribute(key, String(attrs[key]));
    if (parent) parent.appendChild(el);
    return el;
  }

  function htmlEl(name, text, parent, className) {
    const el = document.createElement(name);
    if (text !== undefined && text !== null) el.textContent = text;
    if (className) el.className = className;
    if (parent) parent.appendChild(el);
    return el;
  }

  /* ------------------------------------------------------------------ findings */

  const table = document.getElementById("findings-table");
  const rows = table ? Array.from(table.querySelectorAll("tbody tr.finding")) : [];
  const severityBoxes = Array.from(document.querySelectorAll("#filters input[name=severity]"));
  const checkSelect = document.getElementById("filter-check");
  const accountSelect = document.getElementById("filter-account");
  const textInput = document.getElementById("filter-text");
  const suppressedBox = document.getElementById("filter-suppressed");
  const counter = document.getElementById("findings-count");
  const empty = document.getElementById("findings-empty");

  function detailOf(row) {
    return document.getElementById("detail-" + row.dataset.id);
  }

  function applyFilters() {
    const severities = new Set(severityBoxes.filter((box) => box.checked).map((box) => box.value));
    const check = checkSelect.value;
    const account = accountSelect.value;
    const text = textInput.value.trim().toLowerCase();
    const showSuppressed = suppressedBox.checked;
    let shown = 0;
    for (const row of rows) {
      const visible = severities.has(row.dataset.severity)
        && (!check || row.dataset.check === check)
        && (!account || row.dataset.account === account)
        && (showSuppressed || row.dataset.suppressed !== "1")
        && (!text || row.dataset.search.indexOf(text) >= 0);
      row.hidden = !visible;
      detailOf(row).hidden = !(visible && row.getAttribute("aria-expanded") === "true");
      if (visible) shown += 1;
    }
    counter.textContent = "Showing " + shown + " of " + rows.length + " findings";
    empty.hidden = shown > 0;
  }

  function toggleRow(row, open) {
    const expand = open === undefined ? row.getAttribute("aria-expanded") !== "true" : open;
    row.setAttribute("aria-expanded", expand ? "true" : "false");
    detailOf(row).hidden = !expand || row.hidden;
  }

  function scrollToId(id) {
    const target = document.getElementById(id);
    if (target) target.scrollIntoView({ block: "start" });
  }

  function flash(el) {
    el.classList.add("flash");
    setTimeout(() => el.classList.remove("flash"), 1600);
  }

  function resetFilters() {
    severityBoxes.forEach((box) => { box.checked = true; });
    checkSelect.value = "";
    accountSelect.value = "";
    textInput.value = "";
    suppressedBox.checked = true;
  }

  function showRole(anchor) {
    const row = document.getElementById(anchor);
    if (!row) return;
    const details = row.querySelector("details");
    if (details) details.open = true;
    row.scrollIntoView({ block: "center" });
    flash(row);
  }

  function filterByText(text) {
    resetFilters();
    textInput.value = text;
    applyFilters();
    scrollToId("findings");
  }

  if (table) {
    [checkSelect, accountSelect, suppressedBox].concat(severityBoxes).forEach((el) => {
      el.addEventListener("change", applyFilters);
    });
    textInput.addEventListener("input", applyFilters);
    document.getElementById("filters").addEventListener("submit", (event) => event.preventDefault());
    document.getElementById("filter-reset").addEventListener("click", () => { resetFilters(); applyFilters(); });
    for (const row of rows) {
      row.addEventListener("click", () => toggleRow(row));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggleRow(row); }
      });
    }
    document.querySelectorAll("[data-filter-severity]").forEach((button) => {
      button.addEventListener("click", () => {
        resetFilters();
        severityBoxes.forEach((box) => { box.checked = box.value === button.dataset.filterSeverity; });
        applyFilters();
        scrollToId("findings");
      });
    });
    document.querySelectorAll("[data-filter-account]").forEach((button) => {
      button.addEventListener("click", () => {
        resetFilters();
        accountSelect.value = button.dataset.filterAccount;
        applyFilters();
        scrollToId("findings");
      });
    });
    document.querySelectorAll("[data-filter-text]").forEach((button) => {
      button.addEventListener("click", () => filterByText(button.dataset.filterText));
    });
    document.querySelectorAll("a.role-link").forEach((link) => {
      link.addEventListener("click", (event) => { event.preventDefault(); showRole(link.dataset.anchor); });
    });
    applyFilters();
  }

  /* ------------------------------------------------------------------ trust graph */

  const graph = DATA.graph;
  const svg = document.getElementById("trust-graph");
  const viewport = document.getElementById("viewport");
  if (!svg || !graph || graph.nodes.length === 0) {
    if (svg) svg.dataset.ready = "empty";
    return;
  }
  const scanned = new Set(graph.scanned);
  const byId = new Map();
  graph.nodes.forEach((node, index) => { node.index = index; byId.set(node.id, node); });
  const edges = graph.edges.filter((edge) => byId.has(edge.source) && byId.has(edge.target));

  function clusterKey(node) {
    if (node.account) return scanned.has(node.account) ? "account:" + node.account : "outside";
    if (node.kind === "service") return "services";
    if (node.kind === "anyone") return "anyone";
    if (node.kind === "organization") return "organization";
    return "other";
  }

  function clusterLabel(key) {
    if (key.startsWith("account:")) return graph.clusters[key.slice(8)] || key.slice(8);
    return { outside: "accounts outside the scan", services: "AWS services", anyone: "anyone",
      organization: "the organisation", other: "other principals" }[key] || key;
  }

  function clusterRank(key) {
    return key.startsWith("account:") ? 0 : { organization: 1, outside: 2, services: 3, anyone: 4, other: 5 }[key];
  }

  // Layout in three deterministic passes. 1: each cluster (account, services, ...) is laid out on its
  // own around the origin. 2: the clusters, as discs of their real size, are packed without overlap,
  // pulled together by the edges between them and, more strongly vertically, to the centre (the view
  // is wide). 3: nodes turn towards the clusters they are connected to, staying inside their disc.
  const clusters = new Map();
  for (const node of graph.nodes) {
    const key = clusterKey(node);
    if (!clusters.has(key)) clusters.set(key, { key: key, members: [] });
    clusters.get(key).members.push(node);
  }
  const ordered = Array.from(clusters.values()).sort((a, b) =>
    clusterRank(a.key) - clusterRank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  ordered.forEach((cluster, index) => { cluster.index = index; });
  graph.nodes.forEach((node) => { node.cluster = clusters.get(clusterKey(node)); });

  function relax(members, links, steps, options) {
    const n = members.length;
    const dx = new Float64Array(n);
    const dy = new Float64Array(n);
    for (let step = 0; step < steps; step += 1) {
      const cap = options.cap * (1 - step / steps) + 0.3;
      dx.fill(0);
      dy.fill(0);
      for (let i = 0; i < n; i += 1) {
        const a = members[i];
        for (let j = i + 1; j < n; j += 1) {
          const b = members[j];
          if (a.cluster !== b.cluster) continue;
          let x = a.x - b.x;
          let y = a.y - b.y;
          let d2 = x * x + y * y;
          if (d2 < 0.01) { x = 0.3 * ((i % 7) - 3) + 0.1; y = 0.3 * ((j % 5) - 2) + 0.1; d2 = x * x + y * y; }
          const push = options.repulsion / d2;
          dx[i] += x * push; dy[i] += y * push;
          dx[j] -= x * push; dy[j] -= y * push;
        }
      }
      for (const link of links) {
        const a = link[0];
        const b = link[1];
        const x = b.x - a.x;
        const y = b.y - a.y;
        const d = Math.sqrt(x * x + y * y) || 0.01;
        const same = a.cluster === b.cluster;
        const pull = (same ? options.spring : options.crossSpring) * (d - (same ? options.length : 0)) / d;
        if (a.local !== undefined) { dx[a.local] += x * pull; dy[a.local] += y * pull; }
        if (b.local !== undefined) { dx[b.local] -= x * pull; dy[b.local] -= y * pull; }
      }
      for (let i = 0; i < n; i += 1) {
        const node = members[i];
        const centre = options.centre(node);
        dx[i] += (centre[0] - node.x) * options.gravity;
        dy[i] += (centre[1] - node.y) * options.gravity;
        const length = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
        const scale = length > cap ? cap / length : 1;
        node.x += dx[i] * scale;
        node.y += dy[i] * scale;
        if (options.within) options.within(node);
      }
    }
  }

  // Pass 1: each cluster alone.
  for (const cluster of ordered) {
    cluster.members.forEach((node, i) => {
      node.local = i;
      const turn = i * 2.399963;
      const distance = 14 * Math.sqrt(i + 0.5);
      node.x = distance * Math.cos(turn);
      node.y = distance * Math.sin(turn);
    });
    const inner = edges.map((e) => [byId.get(e.source), byId.get(e.target)])
      .filter((pair) => pair[0].cluster === cluster && pair[1].cluster === cluster && pair[0] !== pair[1]);
    relax(cluster.members, inner, cluster.members.length > 300 ? 60 : 160,
      { cap: 20, repulsion: 140, spring: 0.06, crossSpring: 0, length: 34, gravity: 0.08, centre: () => [0, 0] });
    cluster.radius = 28;
    for (const node of cluster.members) {
      cluster.radius = Math.max(cluster.radius, Math.hypot(node.x, node.y) + 26);
      delete node.local;
    }
  }

  // Pass 2: pack the clusters.
  const weights = new Map();
  for (const edge of edges) {
    const a = byId.get(edge.source).cluster;
    const b = byId.get(edge.target).cluster;
    if (a === b) continue;
    const key = Math.min(a.index, b.index) + ":" + Math.max(a.index, b.index);
    weights.set(key, (weights.get(key) || 0) + 1);
  }
  const circumference = ordered.reduce((sum, c) => sum + 2 * c.radius + 40, 0);
  const ring = ordered.length === 1 ? 0 : circumference / (2 * Math.PI);
  let arc = 0;
  for (const cluster of ordered) {
    const angle = ((arc + cluster.radius + 20) / circumference) * 2 * Math.PI;
    arc += 2 * cluster.radius + 40;
    cluster.x = 1.6 * ring * Math.cos(angle);
    cluster.y = 0.8 * ring * Math.sin(angle);
  }
  for (let step = 0; step < 500; step += 1) {
    const settle = step >= 400;  // the last passes only remove overlaps
    for (const [key, weight] of settle ? [] : weights) {
      const [i, j] = key.split(":").map(Number);
      const a = ordered[i];
      const b = ordered[j];
      const x = b.x - a.x;
      const y = b.y - a.y;
      const pull = 0.004 * Math.min(weight, 6);
      a.x += x * pull; a.y += y * pull;
      b.x -= x * pull; b.y -= y * pull;
    }
    for (const cluster of settle ? [] : ordered) {
      cluster.x -= cluster.x * 0.01;
      cluster.y -= cluster.y * 0.03;
    }
    for (let i = 0; i < ordered.length; i += 1) {
      for (let j = i + 1; j < ordered.length; j += 1) {
        const a = ordered[i];
        const b = ordered[j];
        let x = b.x - a.x;
        let y = b.y - a.y;
        let d = Math.sqrt(x * x + y * y);
        if (d < 0.01) { x = 1; y = 0.5; d = Math.sqrt(1.25); }
        const gap = a.radius + b.radius + 40 - d;
        if (gap > 0) {
          const share = gap / d / 2;
          a.x -= x * share; a.y -= y * share;
          b.x += x * share; b.y += y * share;
        }
      }
    }
  }
  for (const node of graph.nodes) {
    node.x += node.cluster.x;
    node.y += node.cluster.y;
  }

  // Pass 3: turn towards neighbours in other clusters, inside the disc.
  graph.nodes.forEach((node, i) => { node.local = i; });
  relax(graph.nodes, edges.map((e) => [byId.get(e.source), byId.get(e.target)]).filter((p) => p[0] !== p[1]),
    graph.nodes.length > 600 ? 20 : 80, {
      cap: 6, repulsion: 140, spring: 0.06, crossSpring: 0.004, length: 34, gravity: 0.02,
      centre: (node) => [node.cluster.x, node.cluster.y],
      within: (node) => {
        const c = node.cluster;
        const x = node.x - c.x;
        const y = node.y - c.y;
        const d = Math.sqrt(x * x + y * y);
        const limit = c.radius - 22;
        if (d > limit && d > 0) { node.x = c.x + x * limit / d; node.y = c.y + y * limit / d; }
      },
    });

  const findingCounts = new Map();
  document.querySelectorAll("#findings-table tr.finding").forEach((row) => {
    if (row.dataset.suppressed === "1") return;
    const arn = row.querySelector(".role-cell").getAttribute("title");
    findingCounts.set(arn, (findingCounts.get(arn) || 0) + 1);
  });

  // Draw: clusters, then edges, then nodes on top.
  const clusterLayer = svgEl("g", { class: "clusters" }, viewport);
  const edgeLayer = svgEl("g", { class: "edges" }, viewport);
  const nodeLayer = svgEl("g", { class: "nodes" }, viewport);
  for (const cluster of ordered) {
    const radius = cluster.radius;
    const kind = cluster.key.startsWith("account:") ? "scanned" : cluster.key === "outside" ? "external" : "other";
    const group = svgEl("g", { class: "cluster " + kind }, clusterLayer);
    svgEl("circle", { cx: cluster.x, cy: cluster.y, r: radius }, group);
    const label = svgEl("text", { x: cluster.x, y: cluster.y - radius - 8 }, group);
    label.textContent = clusterLabel(cluster.key);
  }

  function radiusOf(node) {
    return { account: 11, role: 8, user: 6, group: 12, organization: 14, service: 9, federated: 9,
      anyone: 13 }[node.kind] || 7;
  }

  const pairCount = new Map();
  const edgeEls = [];
  for (const edge of edges) {
    const a = byId.get(edge.source);
    const b = byId.get(edge.target);
    const pair = edge.source + "\u0000" + edge.target;
    const nth = pairCount.get(pair) || 0;
    pairCount.set(pair, nth + 1);
    const x = b.x - a.x;
    const y = b.y - a.y;
    const d = Math.sqrt(x * x + y * y) || 1;
    const bend = 14 + 18 * nth;
    const cx = (a.x + b.x) / 2 - (y / d) * bend;
    const cy = (a.y + b.y) / 2 + (x / d) * bend;
    const tx = b.x - cx;
    const ty = b.y - cy;
    const td = Math.sqrt(tx * tx + ty * ty) || 1;
    const r = radiusOf(b) + 3;
    const ex = b.x - (tx / td) * r;
    const ey = b.y - (ty / td) * r;
    const path = svgEl("path", {
      class: "edge " + edge.class,
      d: "M" + a.x.toFixed(1) + "," + a.y.toFixed(1) + " Q" + cx.toFixed(1) + "," + cy.toFixed(1) + " "
        + ex.toFixed(1) + "," + ey.toFixed(1),
      "marker-end": "url(#arrow-" + edge.class + ")",
      "data-class": edge.class,
    }, edgeLayer);
    const title = svgEl("title", {}, path);
    title.textContent = a.label + " → " + b.label + "\n" + describeEdge(edge);
    edge.el = path;
    edgeEls.push(path);
  }

  function describeEdge(edge) {
    if (edge.kind === "member") return "member: may assume what the group may";
    if (edge.kind === "member-account") return "its members are principals of the organisation";
    const requires = edge.requires.length ? "requires " + edge.requires.join(", ") : "no condition required";
    const statement = edge.statement === null || edge.statement === undefined ? ""
      : "Statement[" + edge.statement + "]" + (edge.sid ? " (" + edge.sid + ")" : "") + ", ";
    const how = { grant: " (its identity policy names the role)", admitted: " (admitted by name)" }[edge.kind] || "";
    return statement + requires + (edge.via && edge.via !== edge.source ? ", via " + edge.via : "") + how;
  }

  function shapeFor(node, group) {
    const r = radiusOf(node);
    if (node.kind === "account") {
      return svgEl("rect", { class: "shape", x: -r, y: -r, width: 2 * r, height: 2 * r, rx: 3 }, group);
    }
    if (node.kind === "group") {
      return svgEl("rect", { class: "shape", x: -1.4 * r, y: -r, width: 2.8 * r, height: 2 * r, rx: 6 }, group);
    }
    if (node.kind === "organization") {
      const points = [];
      for (let k = 0; k < 8; k += 1) {
        const angle = Math.PI / 8 + Math.PI / 4 * k;
        points.push((r * Math.cos(angle)).toFixed(1) + "," + (r * Math.sin(angle)).toFixed(1));
      }
      return svgEl("polygon", { class: "shape", points: points.join(" ") }, group);
    }
    if (node.kind === "service") {
      return svgEl("path", { class: "shape", d: "M0," + -r + " L" + r + ",0 L0," + r + " L" + -r + ",0 z" }, group);
    }
    if (node.kind === "federated") {
      const points = [];
      for (let k = 0; k < 6; k += 1) {
        points.push((r * Math.cos(Math.PI / 3 * k)).toFixed(1) + "," + (r * Math.sin(Math.PI / 3 * k)).toFixed(1));
      }
      return svgEl("polygon", { class: "shape", points: points.join(" ") }, group);
    }
    return svgEl("circle", { class: "shape", r: r }, group);
  }

  const nodeEls = new Map();
  for (const node of graph.nodes) {
    const findings = findingCounts.get(node.id) || 0;
    const group = svgEl("g", {
      class: "node " + node.kind + (findings ? " has-findings" : ""),
      transform: "translate(" + node.x.toFixed(1) + "," + node.y.toFixed(1) + ")",
      "data-id": node.id,
      tabindex: 0,
    }, nodeLayer);
    shapeFor(node, group);
    const label = svgEl("text", { y: radiusOf(node) + 12 }, group);
    label.textContent = node.label.length > 30 ? node.label.slice(0, 29) + "…" : node.label;
    const title = svgEl("title", {}, group);
    title.textContent = node.id + (findings ? "\n" + count(findings, "open finding") : "");
    node.findings = findings;
    nodeEls.set(node.id, group);
    group.addEventListener("click", (event) => { event.stopPropagation(); select(node); });
    group.addEventListener("keydown", (event) => { if (event.key === "Enter") select(node); });
  }

  // Pan and zoom.
  const view = { x: 0, y: 0, k: 1 };
  function applyView() {
    viewport.setAttribute("transform", "translate(" + view.x.toFixed(2) + "," + view.y.toFixed(2) + ") scale("
      + view.k.toFixed(4) + ")");
    svg.dataset.zoom = view.k.toFixed(4);
  }
  function fit() {
    let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
    viewport.querySelectorAll(".cluster circle").forEach((c) => {
      const cx = Number(c.getAttribute("cx")); const cy = Number(c.getAttribute("cy"));
      const r = Number(c.getAttribute("r"));
      minX = Math.min(minX, cx - r); maxX = Math.max(maxX, cx + r);
      minY = Math.min(minY, cy - r - 24); maxY = Math.max(maxY, cy + r);
    });
    const box = svg.getBoundingClientRect();
    const width = box.width || 1000;
    const height = box.height || 600;
    view.k = Math.min(width / (maxX - minX + 40), height / (maxY - minY + 40), 2.5);
    view.x = width / 2 - view.k * (minX + maxX) / 2;
    view.y = height / 2 - view.k * (minY + maxY) / 2;
    applyView();
  }
  function zoomAt(factor, px, py) {
    const k = Math.min(8, Math.max(0.05, view.k * factor));
    view.x = px - (px - view.x) * (k / view.k);
    view.y = py - (py - view.y) * (k / view.k);
    view.k = k;
    applyView();
  }
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    zoomAt(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  function zoomCentre(factor) {
    const box = svg.getBoundingClientRect();
    zoomAt(factor, box.width / 2, box.height / 2);
  }
  document.getElementById("zoom-in").addEventListener("click", () => zoomCentre(1.3));
  document.getElementById("zoom-out").addEventListener("click", () => zoomCentre(1 / 1.3));
  document.getElementById("zoom-fit").addEventListener("click", fit);

  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.target.closest && event.target.closest(".node")) return;
    drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false };
    svg.classList.add("dragging");
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const mx = event.clientX - drag.x;
    const my = event.clientY - drag.y;
    if (Math.abs(mx) + Math.abs(my) > 3) drag.moved = true;
    view.x = drag.vx + mx;
    view.y = drag.vy + my;
    applyView();
  });
  window.addEventListener("pointerup", () => {
    if (drag && !drag.moved) clearSelection();
    drag = null;
    svg.classList.remove("dragging");
  });

  // Selection and the details panel.
  const panel = document.getElementById("graph-panel");
  function clearSelection() {
    svg.classList.remove("focus");
    viewport.querySelectorAll(".lit, .selected").forEach((el) => el.classList.remove("lit", "selected"));
    panel.hidden = true;
  }

  function edgeItem(list, other, edge) {
    const item = htmlEl("li", null, list);
    htmlEl("b", other.label, item);
    htmlEl("span", " — " + describeEdge(edge), item, "edge-text");
    const tag = htmlEl("span", " " + edge.class, item, "muted");
    tag.title = DATA.edgeClasses[edge.class] || "";
  }

  function select(node) {
    clearSelection();
    svg.classList.add("focus");
    const group = nodeEls.get(node.id);
    group.classList.add("selected", "lit");
    const incoming = document.getElementById("panel-in");
    const outgoing = document.getElementById("panel-out");
    incoming.textContent = "";
    outgoing.textContent = "";
    // Every edge is listed, those the legend hides too: a role whose only way in is a hidden group
    // edge is not "nobody's".
    for (const edge of edges) {
      const shown = !edge.el.classList.contains("off");
      if (edge.target === node.id) {
        if (shown) { edge.el.classList.add("lit"); nodeEls.get(edge.source).classList.add("lit"); }
        edgeItem(incoming, byId.get(edge.source), edge);
      } else if (edge.source === node.id) {
        if (shown) { edge.el.classList.add("lit"); nodeEls.get(edge.target).classList.add("lit"); }
        edgeItem(outgoing, byId.get(edge.target), edge);
      }
    }
    if (!incoming.children.length) htmlEl("li", "nobody (in this graph)", incoming, "muted");
    if (!outgoing.children.length) htmlEl("li", "nothing", outgoing, "muted");
    describeReach(node);
    document.getElementById("panel-title").textContent = node.label;
    const account = node.account ? " in " + (graph.clusters[node.account] || node.account) : "";
    document.getElementById("panel-kind").textContent = node.kind + account
      + (node.findings ? " · " + count(node.findings, "open finding") : "");
    document.getElementById("panel-id").textContent = node.id;
    const links = document.getElementById("panel-links");
    links.textContent = "";
    if (node.anchor) {
      const details = htmlEl("button", "Role details", links);
      details.type = "button";
      details.addEventListener("click", () => showRole(node.anchor));
    }
    if (node.findings) {
      const findings = htmlEl("button", "Show its findings", links);
      findings.type = "button";
      findings.addEventListener("click", () => filterByText(node.id.toLowerCase()));
    }
    panel.hidden = false;
  }
  document.getElementById("panel-close").addEventListener("click", clearSelection);

  function originNames(index) {
    const set = graph.originSets[index] || [];
    const size = (graph.originSetSizes || [])[index] || set.length;
    const more = size > set.length ? " and " + (size - set.length) + " more" : "";
    return set.map((i) => graph.origins[i]).join(", ") + more;
  }

  // Who from outside reaches the role, through chains of assumptions too, and one example chain.
  function describeReach(node) {
    const reach = document.getElementById("panel-reach");
    reach.textContent = "";
    if (node.kind === "group" && node.members) {
      htmlEl("p", count(node.members.roles, "role") + " and " + count(node.members.users, "user") + " are members.", reach);
    }
    if (node.kind !== "role") return;
    if (node.origins === undefined) {
      htmlEl("p", "No principal outside its account can reach it.", reach, "muted");
      return;
    }
    htmlEl("p", "Reachable from outside by: " + originNames(node.origins), reach);
    if (node.indirect !== undefined) {
      htmlEl("p", "Only through chains of assumptions: " + originNames(node.indirect), reach, "warn");
    }
    const chain = node.chain === undefined ? null : graph.chains[node.chain];
    if (chain) {
      htmlEl("p", "Example chain: " + chain.path.map((id) => (byId.get(id) || { label: id }).label).join(" → "),
        reach, "small");
      htmlEl("p", chain.explanation, reach, "muted small");
    }
  }

  // Legend: show or hide a class of edges. Large graphs start without the internal edges (same
  // account, services, identity providers): the cross-account ones are what the graph is for.
  function showEdges(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    for (const edge of edges) {
      if (edge.class === button.dataset.edgeClass) edge.el.classList.toggle("off", !on);
    }
  }
  document.querySelectorAll("#graph-legend [data-edge-class]").forEach((button) => {
    button.addEventListener("click", () => showEdges(button, button.getAttribute("aria-pressed") !== "true"));
    if (edges.length > 400 && button.dataset.edgeClass === "internal") showEdges(button, false);
  });

  fit();
  svg.dataset.ready = "true";
})();
