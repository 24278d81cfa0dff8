/* rolescope report: findings, roles and the trust graph, rendered on demand from the embedded data.
   The graph is drawn by the vendored cytoscape.js (canvas) with the fcose layout, at three levels:
   the accounts, one account's roles and who reaches them, one role's ways in and example chain.
   Every string from the scan is written with textContent or as a canvas label, never parsed as HTML. */
(function () {
  "use strict";

  const PAGE_SIZE = 100;
  const ACCOUNT_ROLE_LIMIT = 400;
  const ASSUMPTIONS = new Set(["trust", "grant", "admitted"]);
  const CLASS_ORDER = ["public", "unguarded", "guarded", "internal"];

  // "1 finding", "2 findings": the report's one way to put a number before a noun (rolescope.wording.count)
  function count(number, one, many) {
    return number.toLocaleString("en-US") + " " + (number === 1 ? one : many || one + "s");
  }

  function el(name, text, parent, className) {
    const element = document.createElement(name);
    if (text !== undefined && text !== null) element.textContent = text;
    if (className) element.className = className;
    if (parent) parent.appendChild(element);
    return element;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  /* ------------------------------------------------------------------ data */

  // The data is gzip-compressed JSON, base64-encoded: a tenth of its size, and no character in it can
  // end the script block.
  async function loadData() {
    const block = byId("rolescope-data");
    const binary = atob(block.textContent.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function accountLabel(data, account) {
    const name = data.accounts[account];
    return name ? account + " (" + name + ")" : account;
  }

  function requirementLabel(data, name) {
    return data.requirements[name] || name.replace(/_/g, " ");
  }

  /* ------------------------------------------------------------------ policies */

  function dump(value) {
    return JSON.stringify(value, null, 2).split("\n");
  }

  // A trust policy as indented JSON lines, the lines of the statements in `highlight` marked
  // (the same text as Python's json.dumps(indent=2)).
  function policyLines(policy, highlight) {
    if (!policy || typeof policy !== "object" || Array.isArray(policy) || !("Statement" in policy)) {
      return dump(policy === undefined ? null : policy).map((text) => [text, false]);
    }
    const lines = [["{", false]];
    const keys = Object.keys(policy);
    keys.forEach((key, position) => {
      const comma = position < keys.length - 1 ? "," : "";
      const value = policy[key];
      const prefix = "  " + JSON.stringify(key) + ": ";
      if (key === "Statement" && Array.isArray(value)) {
        lines.push([prefix + "[", false]);
        value.forEach((statement, index) => {
          const body = dump(statement);
          body[body.length - 1] += index < value.length - 1 ? "," : "";
          body.forEach((line) => lines.push(["    " + line, highlight.has(index)]));
        });
        lines.push(["  ]" + comma, false]);
        return;
      }
      const marked = key === "Statement" && highlight.has(0);
      const body = dump(value);
      lines.push([prefix + body[0] + (body.length === 1 ? comma : ""), marked]);
      body.slice(1).forEach((line, i) => lines.push(["  " + line + (i === body.length - 2 ? comma : ""), marked]));
    });
    lines.push(["}", false]);
    return lines;
  }

  function policyBlock(parent, policy, highlight) {
    const pre = el("pre", null, parent, "policy");
    const code = el("code", null, pre);
    for (const [text, marked] of policyLines(policy, highlight || new Set())) {
      el("span", text, code, marked ? "hl" : "");
      code.appendChild(document.createTextNode("\n"));
    }
    return pre;
  }

  // A role's data perimeter verdict in words, each deciding RCP statement named with its text.
  function perimeterBlock(data, parent, index) {
    const perimeter = data.perimeters[index];
    if (!perimeter) return;
    const block = el("div", null, parent, "perimeter-verdict perimeter-" + perimeter.status);
    block.dataset.status = perimeter.status;
    el("p", perimeter.words, block);
    const list = el("ul", null, block, "perimeter-statements");
    for (const statement of perimeter.statements) {
      const item = el("li", statement.label, list, "small");
      if (statement.document) {
        const more = el("details", null, item);
        el("summary", "statement", more, "muted");
        el("code", dump(statement.document).join("\n"), el("pre", null, more, "code"));
      }
    }
  }

  function pathsList(data, parent, paths) {
    const list = el("ul", null, parent, "paths");
    for (const path of paths) {
      const item = el("li", "Statement[" + path.statement + "]" + (path.sid ? " (" + path.sid + ")" : "") + ", "
        + path.scope + ": ", list);
      el("span", (path.principals || []).join(", "), item, "mono");
      item.appendChild(document.createTextNode(" — requires "));
      if (path.requires && path.requires.length) {
        path.requires.forEach((r) => el("span", requirementLabel(data, r), item, "req"));
      } else {
        el("b", "nothing", item);
      }
      if (path.example) {
        const example = el("div", "e.g. " + path.example.action + " by ", item, "muted small");
        el("span", path.example.caller, example, "mono");
      }
    }
    return list;
  }

  /* ------------------------------------------------------------------ pages of rows */

  function pager(container, total, page, onPage) {
    container.textContent = "";
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (pages === 1) return;
    const previous = el("button", "‹ previous", container, "page-prev");
    previous.type = "button";
    previous.disabled = page === 0;
    previous.addEventListener("click", () => onPage(page - 1));
    el("span", " " + (page * PAGE_SIZE + 1).toLocaleString("en-US") + "–"
      + Math.min(total, (page + 1) * PAGE_SIZE).toLocaleString("en-US") + " of " + total.toLocaleString("en-US") + " ",
    container, "muted");
    const next = el("button", "next ›", container, "page-next");
    next.type = "button";
    next.disabled = page >= pages - 1;
    next.addEventListener("click", () => onPage(page + 1));
  }

  // The current page of `state.matched` drawn into `body` row by row, the pager below it
  function drawPage(body, pagerElement, state, drawRow, redraw) {
    body.textContent = "";
    const start = state.page * PAGE_SIZE;
    state.matched.slice(start, start + PAGE_SIZE).forEach(drawRow);
    pager(pagerElement, state.matched.length, state.page, (page) => { state.page = page; redraw(); });
  }

  /* ------------------------------------------------------------------ findings */

  function findingsView(data, roles) {
    const findings = data.findings;
    const ranks = new Map(data.severities.map((s, i) => [s, i]));
    for (const f of findings) {
      const check = data.checks[f.check] || { title: f.check };
      f.title = check.title;
      f.rank = ranks.get(f.severity);
      f.search = [f.check, check.title, f.resource, f.name, f.account, data.accounts[f.account] || "", f.message || "",
        f.suppressed || ""].join(" ").toLowerCase();
    }
    const body = document.querySelector("#findings-table tbody");
    const severityBoxes = Array.from(document.querySelectorAll("#filters input[name=severity]"));
    const checkSelect = byId("filter-check");
    const accountSelect = byId("filter-account");
    const textInput = byId("filter-text");
    const suppressedBox = byId("filter-suppressed");
    const opened = new Set();
    const state = { page: 0, sort: null, descending: false, matched: findings };

    function filter() {
      const severities = new Set(severityBoxes.filter((box) => box.checked).map((box) => box.value));
      const check = checkSelect.value;
      const account = accountSelect.value;
      const text = textInput.value.trim().toLowerCase();
      const showSuppressed = suppressedBox.checked;
      let matched = findings.filter((f) => severities.has(f.severity) && (!check || f.check === check)
        && (!account || f.account === account) && (showSuppressed || !f.suppressed)
        && (!text || f.search.indexOf(text) >= 0));
      if (state.sort) {
        const key = state.sort === "severity" ? "rank" : state.sort;
        const sign = state.descending ? -1 : 1;
        matched = matched.slice().sort((a, b) => (a[key] < b[key] ? -sign : a[key] > b[key] ? sign : 0));
      }
      state.matched = matched;
      state.page = 0;
      render();
    }

    function render() {
      drawPage(body, byId("findings-pager"), state, drawFinding, render);
      byId("findings-count").textContent = "Showing " + state.matched.length + " of " + count(findings.length, "finding");
      byId("findings-empty").hidden = state.matched.length > 0;
    }

    function drawFinding(f) {
      const row = el("tr", null, body, "finding" + (f.suppressed ? " suppressed" : ""));
      row.id = "finding-" + f.id;
      Object.assign(row.dataset, { id: f.id, severity: f.severity, check: f.check, account: f.account,
        suppressed: f.suppressed ? "1" : "0" });
      row.tabIndex = 0;
      el("span", "▸", el("td", null, row, "toggle"));
      const severity = el("td", null, row);
      const badge = el("span", f.severity + (f.overridden ? "*" : ""), severity, "badge sev-" + f.severity);
      if (f.overridden) badge.title = "catalogue: " + f.overridden.default + "; " + f.overridden.reason;
      if (f.suppressed) {
        severity.appendChild(document.createTextNode(" "));
        el("span", "suppressed", severity, "badge suppressed-badge").title = f.suppressed;
      }
      const what = el("td", null, row);
      el("div", f.title, what, "title");
      el("div", f.message || "", what, "message");
      el("td", f.name, row, "mono role-cell").title = f.resource;
      el("td", accountLabel(data, f.account), row);
      const open = opened.has(f.id);
      row.setAttribute("aria-expanded", open ? "true" : "false");
      const toggle = () => {
        if (opened.has(f.id)) opened.delete(f.id); else opened.add(f.id);
        render();
      };
      row.addEventListener("click", toggle);
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
      });
      if (open) detail(f, body);
    }

    function detail(f, parent) {
      const check = data.checks[f.check] || { title: f.check, references: [], compliance: {}, remediation: {} };
      const row = el("tr", null, parent, "detail");
      row.id = "detail-" + f.id;
      el("td", null, row);
      const cell = el("td", null, row);
      cell.colSpan = 4;
      const grid = el("div", null, cell, "detail-grid");
      const left = el("div", null, grid);
      const right = el("div", null, grid);
      if (f.suppressed) {
        const note = el("p", null, left, "suppressed-note");
        el("b", "Suppressed:", note);
        note.appendChild(document.createTextNode(" " + f.suppressed));
      }
      if (f.overridden) {
        const note = el("p", null, left, "severity-note");
        el("b", "Severity " + f.severity, note);
        note.appendChild(document.createTextNode(" (catalogue: " + f.overridden.default + "): " + f.overridden.reason));
      }
      el("h4", "Why it matters", left);
      el("p", check.rationale || "", left);
      const risk = el("p", null, left);
      el("b", "Risk.", risk);
      risk.appendChild(document.createTextNode(" " + (check.risk || "")));
      const highlight = new Set(f.highlight || []);
      const heading = el("h4", "Trust policy", left);
      if (highlight.size) {
        el("span", " (statement" + (highlight.size > 1 ? "s " : " ") + Array.from(highlight).join(", ") + " highlighted)",
          heading, "muted");
      }
      const role = f.role === undefined ? null : roles[f.role];
      if (role) policyBlock(left, data.policies[role.policy], highlight);
      else el("p", "The trust policy is not in this scan.", left, "muted");
      if (f.paths !== undefined && data.paths[f.paths].length) {
        el("h4", "Ways in", left);
        pathsList(data, left, data.paths[f.paths]);
      }
      if (f.perimeter !== undefined) {
        el("h4", "Data perimeter", left);
        perimeterBlock(data, left, f.perimeter);
      }
      el("h4", "Remediation", right);
      el("p", (check.remediation || {}).text || "", right);
      const fix = f.fix === undefined ? null : data.fixes[f.fix];
      if (fix) {
        // a role setting (MaxSessionDuration) has no trust-policy diff
        const title = el("h5", fix.diff.length ? "Corrected trust policy " : "Corrected role setting ", right);
        el("span", "(closes " + fix.checks.join(", ") + " on this role)", title, "muted");
        const steps = el("ul", null, right, "fix-steps");
        fix.steps.forEach((step) => el("li", step, steps));
        fix.warnings.forEach((warning) => el("p", warning, right, "note"));
        if (fix.external_id) {
          const note = el("p", "The ExternalId was generated for this report: agree it with "
            + (fix.notify.join(", ") || "the trusted party") + " first, or choose your own with ", right, "muted small");
          el("span", "rolescope fix plan --external-id", note, "mono");
          note.appendChild(document.createTextNode("."));
        }
        const diff = fix.diff.length ? el("code", null, el("pre", null, right, "diff")) : null;
        for (const line of fix.diff) {
          const added = line.startsWith("+") && !line.startsWith("+++");
          const removed = line.startsWith("-") && !line.startsWith("---");
          el("span", line, diff, added ? "add" : removed ? "del" : "");
          diff.appendChild(document.createTextNode("\n"));
        }
        const more = el("details", null, right);
        el("summary", "Corrected policy, AWS CLI and Terraform", more);
        el("code", fix.policy, el("pre", null, more, "code"));
        el("h5", "AWS CLI", more);
        el("code", fix.cli, el("pre", null, more, "code"));
        el("h5", "Terraform", more);
        el("code", fix.terraform, el("pre", null, more, "code"));
        el("p", "Checked by rolescope's engine: the corrected policy closes the finding, raises no other, and lets in "
          + "no caller the current one does not. rolescope fix plan and fix apply apply it with a backup.", right,
        "muted small");
      } else {
        if (f.noFix) {
          const note = el("p", null, right, "muted");
          el("b", "No automatic trust-policy fix:", note);
          note.appendChild(document.createTextNode(" " + f.noFix));
        }
        const remediation = check.remediation || {};
        if (remediation.cli) {
          el("h5", "AWS CLI", right);
          const name = f.name;
          const cli = remediation.cli.replace(/\{(role_name|policy_file)\}/g,
            (_, key) => (key === "role_name" ? name : name + "-trust-policy.json"));
          el("code", cli, el("pre", null, right, "code"));
        }
        if (remediation.terraform) {
          el("h5", "Terraform", right);
          el("p", remediation.terraform, right);
        }
      }
      const frameworks = Object.keys(check.compliance || {});
      if (frameworks.length) {
        el("h4", "Compliance", right);
        const list = el("ul", null, right, "compliance-list");
        for (const framework of frameworks) {
          const item = el("li", null, list);
          el("b", framework, item);
          item.appendChild(document.createTextNode(": "));
          check.compliance[framework].forEach((req) => { el("span", req.id, item, "req").title = req.title; });
        }
      }
      if ((check.references || []).length) {
        el("h4", "References", right);
        const list = el("ul", null, right, "refs");
        for (const url of check.references) {
          const link = el("a", url, el("li", null, list));
          if (/^https:\/\//.test(url)) link.href = url;
          link.rel = "noopener noreferrer";
          link.target = "_blank";
        }
      }
      const foot = el("p", "Role: ", right, "muted small");
      el("span", f.resource, foot, "mono");
      if (role) {
        foot.appendChild(document.createTextNode(" · "));
        const link = el("button", "role details", foot, "link role-link");
        link.type = "button";
        link.addEventListener("click", (event) => { event.stopPropagation(); rolesTable.show(f.role); });
      }
      el("br", null, foot);
      foot.appendChild(document.createTextNode("Check "));
      el("span", f.check, foot, "mono");
      foot.appendChild(document.createTextNode(" · finding id "));
      el("span", f.id, foot, "mono");
      return row;
    }

    function reset() {
      severityBoxes.forEach((box) => { box.checked = true; });
      checkSelect.value = "";
      accountSelect.value = "";
      textInput.value = "";
      suppressedBox.checked = true;
    }

    [checkSelect, accountSelect, suppressedBox].concat(severityBoxes).forEach((e) => e.addEventListener("change", filter));
    textInput.addEventListener("input", filter);
    byId("filters").addEventListener("submit", (event) => event.preventDefault());
    byId("filter-reset").addEventListener("click", () => { reset(); filter(); });
    document.querySelectorAll("#findings-table button.sort").forEach((button) => {
      button.addEventListener("click", () => {
        state.descending = state.sort === button.dataset.sort ? !state.descending : false;
        state.sort = button.dataset.sort;
        document.querySelectorAll("#findings-table button.sort").forEach((b) => b.removeAttribute("aria-sort"));
        button.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
        filter();
      });
    });
    const show = (apply) => { reset(); apply(); filter(); byId("findings").scrollIntoView({ block: "start" }); };
    document.querySelectorAll("[data-filter-severity]").forEach((button) => {
      button.addEventListener("click", () => show(() => {
        severityBoxes.forEach((box) => { box.checked = box.value === button.dataset.filterSeverity; });
      }));
    });
    document.querySelectorAll("[data-filter-account]").forEach((button) => {
      button.addEventListener("click", () => show(() => { accountSelect.value = button.dataset.filterAccount; }));
    });
    filter();
    return { byText: (text) => show(() => { textInput.value = text; }) };
  }

  /* ------------------------------------------------------------------ roles */

  let rolesTable = null;

  function rolesView(data, findingsTable) {
    const roles = data.roles;
    roles.forEach((role, index) => {
      role.index = index;
      role.search = (role.name + " " + role.arn + " " + role.account + " " + (data.accounts[role.account] || "")).toLowerCase();
    });
    const body = document.querySelector("#roles-table tbody");
    const input = byId("roles-filter");
    const state = { page: 0, matched: roles, open: new Set() };

    function filter() {
      const text = input.value.trim().toLowerCase();
      state.matched = text ? roles.filter((r) => r.search.indexOf(text) >= 0) : roles;
      state.page = 0;
      render();
    }

    function render() {
      drawPage(body, byId("roles-pager"), state, drawRole, render);
      byId("roles-count").textContent = state.matched.length === roles.length ? count(roles.length, "role")
        : state.matched.length + " of " + count(roles.length, "role");
    }

    function drawRole(role) {
      const row = el("tr", null, body, "role-row");
      row.id = "role-" + role.index;
      row.dataset.arn = role.arn;
      const details = el("details", null, el("td", null, row));
      el("summary", role.name, details, "mono").title = role.arn;
      details.addEventListener("toggle", () => {
        if (details.open) { state.open.add(role.index); roleDetails(role, details); } else state.open.delete(role.index);
      });
      if (state.open.has(role.index)) details.open = true;
      el("td", accountLabel(data, role.account), row);
      el("span", role.verdict, el("td", null, row), "verdict verdict-" + role.verdict);
      const findings = el("td", null, row);
      if (role.findings) {
        const button = el("button", String(role.findings), findings, "link");
        button.type = "button";
        button.addEventListener("click", () => findingsTable.byText(role.arn.toLowerCase()));
      } else {
        findings.textContent = "0";
      }
      el("td", (role.session || 3600) + " s", row);
      el("td", (role.used || "never").slice(0, 10), row);
    }

    function roleDetails(role, details) {
      if (details.querySelector("pre")) return;
      el("p", role.arn, details, "mono small");
      const view = window.rolescope && window.rolescope.view;
      if (view && view.has(role.arn)) {
        const button = el("button", "Show in the trust graph", details, "link graph-link");
        button.type = "button";
        button.addEventListener("click", () => { view.role(role.arn); byId("graph").scrollIntoView({ block: "start" }); });
      }
      if (role.error) el("p", "Trust policy not analysed: " + role.error, details, "note");
      if (role.perimeter !== undefined) perimeterBlock(data, details, role.perimeter);
      if ((role.outside || []).length) {
        const outside = el("p", "Outside accounts: ", details);
        role.outside.forEach((a) => el("span", accountLabel(data, a), outside, "req"));
      }
      if (data.paths[role.paths] && data.paths[role.paths].length) pathsList(data, details, data.paths[role.paths]);
      policyBlock(details, data.policies[role.policy]);
    }

    input.addEventListener("input", filter);
    filter();
    return {
      show(index) {
        const role = roles[index];
        input.value = role.arn;
        state.open.add(index);
        filter();
        const row = byId("role-" + index);
        row.scrollIntoView({ block: "center" });
        row.classList.add("flash");
        setTimeout(() => row.classList.remove("flash"), 1600);
      },
      byArn: new Map(roles.map((role) => [role.arn, role.index])),
    };
  }

  /* ------------------------------------------------------------------ the trust graph */

  function graphView(data, findingsTable) {
    const graph = data.graph;
    const container = byId("trust-graph");
    const nodes = graph.nodes;
    nodes.forEach((node, index) => {
      node.index = index;
      if (!node.label) node.label = node.id.split("/").pop();
    });
    const nodeIndex = new Map(nodes.map((node) => [node.id, node]));
    const edges = graph.edges.map(([source, target, way]) => Object.assign({ source: nodes[source], target: nodes[target] },
      graph.ways[way]));
    const incoming = new Map();
    const outgoing = new Map();
    for (const edge of edges) {
      if (!incoming.has(edge.target.id)) incoming.set(edge.target.id, []);
      incoming.get(edge.target.id).push(edge);
      if (!outgoing.has(edge.source.id)) outgoing.set(edge.source.id, []);
      outgoing.get(edge.source.id).push(edge);
    }
    const rolesByAccount = new Map();
    for (const node of nodes) {
      if (node.kind !== "role" || !node.account) continue;
      if (!rolesByAccount.has(node.account)) rolesByAccount.set(node.account, []);
      rolesByAccount.get(node.account).push(node);
    }
    const openFindings = new Map(data.roles.map((role) => [role.arn, role.findings || 0]));
    const crumbs = byId("graph-crumbs");
    const accountSelect = byId("graph-account");
    const legend = Array.from(document.querySelectorAll("#graph-legend [data-edge-class]"));
    const panel = byId("graph-panel");

    if (!nodes.length || typeof cytoscape !== "function") {
      container.dataset.ready = "empty";
      return;
    }
    cytoscape.use(cytoscapeFcose);
    const cy = cytoscape({
      container: container,
      minZoom: 0.02,
      maxZoom: 6,
      wheelSensitivity: 0.4,
      boxSelectionEnabled: false,
      autoungrabify: false,
      // a large overview pans and zooms a cached picture of itself, its edges left out while it moves:
      // a frame stays under 100 ms
      textureOnViewport: graph.overview.edges.length > 1000,
      hideEdgesOnViewport: graph.overview.edges.length > 1000,
      style: graphStyle(),
    });
    window.rolescope = { graph: cy };
    cy.on("zoom", () => { container.dataset.zoom = cy.zoom().toFixed(4); });

    function home(node) {
      if (node.kind === "service") return null;
      if (node.kind === "federated") return "provider:" + node.id.split("/").pop();
      if (node.kind === "anyone") return "anyone";
      if (node.kind === "account" || node.kind === "organization") return node.id;
      return node.account ? "account:" + node.account : "other";
    }

    function homeLabel(key) {
      if (key.startsWith("account:")) return accountLabel(data, key.slice(8));
      if (key.startsWith("provider:")) return key.slice(9);
      if (key.startsWith("organization:")) return "organisation " + key.slice(13);
      return key === "anyone" ? "anyone" : "other principals";
    }

    function describeEdge(edge) {
      if (edge.kind === "member") return "member: may assume what the group may";
      if (edge.kind === "member-account") return "its members are principals of the organisation";
      const requires = edge.requires && edge.requires.length
        ? "requires " + edge.requires.map((r) => requirementLabel(data, r)).join(", ") : "no condition required";
      const statement = edge.statement === null || edge.statement === undefined ? ""
        : "Statement[" + edge.statement + "]" + (edge.sid ? " (" + edge.sid + ")" : "") + ", ";
      const how = { grant: " (its identity policy names the role)", admitted: " (admitted by name)" }[edge.kind] || "";
      const exception = edge.rcpException ? ", only by an exception of " + edge.rcpException : "";
      return statement + requires + (edge.via && edge.via !== edge.source.id ? ", via " + edge.via : "") + how + exception;
    }

    function originNames(index) {
      const set = graph.originSets[index] || [];
      const size = (graph.originSetSizes || [])[index] || set.length;
      const more = size > set.length ? " and " + (size - set.length) + " more" : "";
      return set.map((i) => graph.origins[i]).join(", ") + more;
    }

    /* levels */

    let level = null;

    // `layout(cy)` returns the layout to run; `after(cy)`, if given, places what it left out
    function show(elements, layout, state, after) {
      level = state;
      container.dataset.ready = "false";
      cy.startBatch();
      cy.elements().remove();
      cy.add(elements);
      cy.endBatch();
      applyLegend();
      container.dataset.level = state.level;
      container.dataset.focus = state.id || "";
      accountSelect.value = state.account || "";
      drawCrumbs(state);
      closePanel();
      const run = typeof layout === "function" ? layout(cy) : cy.layout(layout);
      return new Promise((resolve) => {
        run.one("layoutstop", () => {
          if (after) after(cy);
          fit();
          container.dataset.zoom = cy.zoom().toFixed(4);
          // ready once the laid-out graph has been painted
          if (state.describe) state.describe();
          requestAnimationFrame(() => requestAnimationFrame(() => {
            // when the page first became usable, in ms since navigation started (bench/html_page.py reads it)
            if (!container.dataset.readyAt) container.dataset.readyAt = performance.now().toFixed(0);
            container.dataset.ready = "true";
            resolve();
          }));
        });
        run.run();
      });
    }

    function overview() {
      const elements = [];
      for (const node of graph.overview.nodes) {
        elements.push({ group: "nodes", data: { id: node.id, label: node.label, kind: node.kind,
          size: node.kind === "scanned" ? 24 + 4 * Math.sqrt(node.roles || 0) : 22 } });
      }
      graph.overview.edges.forEach((edge, i) => {
        elements.push({ group: "edges", data: { id: "o" + i, source: edge.source, target: edge.target, cls: edge.class,
          width: 1 + 1.6 * Math.log2(1 + edge.roles), roles: edge.roles, classes: edge.classes },
        classes: edge.class });
      });
      // A large organisation's accounts trust each other in thousands of pairs: no force layout untangles
      // that (and fcose takes seconds on it). Its accounts go on rings instead, the most exposed to the
      // outside innermost, around the vendors, "anyone" and the providers that reach several of them;
      // what reaches one account only sits on a small ring around it. The edges between scanned
      // accounts are faint until a node is pointed at.
      let leaves = null;
      const layout = (cy) => {
        const large = cy.nodes().length > 80 || cy.edges().length > 600;
        if (!large) {
          leaves = cy.collection();
          return cy.layout({ name: "fcose", quality: "default", randomize: true, animate: false,
            nodeDimensionsIncludeLabels: true, nodeRepulsion: 9000, idealEdgeLength: 120, nodeSeparation: 80,
            numIter: 1500, packComponents: true });
        }
        cy.edges().filter((e) => e.source().data("kind") === "scanned" && e.target().data("kind") === "scanned")
          .addClass("faint");
        leaves = cy.nodes().filter((n) => n.data("kind") !== "scanned" && n.neighborhood().nodes().length === 1);
        const exposure = (n) => n.incomers("edge").filter((e) => e.source().data("kind") !== "scanned")
          .reduce((sum, e) => sum + e.data("roles"), 0);
        return cy.nodes().not(leaves).layout({ name: "concentric", animate: false, minNodeSpacing: 60,
          concentric: (n) => (n.data("kind") === "scanned" ? Math.round(Math.log2(1 + exposure(n))) : 100),
          levelWidth: () => 1, startAngle: Math.PI / 2 });
      };
      return show(elements, layout, { level: "overview" }, () => ringLeaves(leaves));
    }

    // pointing at a node of a large overview brings out its edges
    cy.on("mouseover", "node", (event) => event.target.connectedEdges().addClass("lit"));
    cy.on("mouseout", "node", (event) => event.target.connectedEdges().removeClass("lit"));

    function ringLeaves(leaves) {
      const around = new Map();
      leaves.forEach((leaf) => {
        const centre = leaf.neighborhood().nodes()[0];
        if (!around.has(centre.id())) around.set(centre.id(), { centre: centre, leaves: [] });
        around.get(centre.id()).leaves.push(leaf);
      });
      for (const { centre, leaves: ring } of around.values()) {
        const at = centre.position();
        const radius = 40 + 4 * ring.length;
        ring.forEach((leaf, i) => {
          const angle = (2 * Math.PI * i) / ring.length + 0.3;
          leaf.position({ x: at.x + radius * Math.cos(angle), y: at.y + radius * Math.sin(angle) });
        });
      }
    }

    function accountView(account) {
      const roles = (rolesByAccount.get(account) || []).slice();
      const reached = (role) => (incoming.get(role.id) || []).some((e) => ASSUMPTIONS.has(e.kind)
        && e.source.account !== account);
      // the roles others reach and those with findings first, when an account has too many to draw
      roles.sort((a, b) => (reached(b) - reached(a)) || ((openFindings.get(b.id) || 0) - (openFindings.get(a.id) || 0))
        || (a.id < b.id ? -1 : 1));
      const shown = roles.slice(0, ACCOUNT_ROLE_LIMIT);
      const ids = new Set(shown.map((r) => r.id));
      const elements = [{ group: "nodes", data: { id: "box:account:" + account, label: accountLabel(data, account),
        kind: "box-scanned" } }];
      const boxes = new Set(["account:" + account]);
      const sources = new Set();
      for (const role of shown) {
        elements.push(nodeElement(role, "box:account:" + account));
        for (const edge of incoming.get(role.id) || []) {
          if (!ASSUMPTIONS.has(edge.kind)) continue;
          const source = edge.source;
          if (!ids.has(source.id) && !sources.has(source.id)) {
            sources.add(source.id);
            const key = home(source) || "services";
            if (!boxes.has(key)) {
              boxes.add(key);
              elements.push({ group: "nodes", data: { id: "box:" + key, label: key === "services" ? "AWS services"
                : homeLabel(key), kind: key === "account:" + account ? "box-scanned" : "box" } });
            }
            elements.push(nodeElement(source, "box:" + key));
          }
          elements.push(edgeElement(edge));
        }
      }
      const note = roles.length > shown.length ? "the first " + shown.length + " of " + count(roles.length, "role")
        + " (those reached from outside and with findings first)" : count(roles.length, "role");
      return show(elements, { name: "fcose", quality: elements.length > 600 ? "default" : "proof", randomize: true,
        animate: false, nodeDimensionsIncludeLabels: true, nodeRepulsion: 3000, idealEdgeLength: 45,
        nodeSeparation: 40, nestingFactor: 0.1, gravity: 0.5, gravityCompound: 1.5, numIter: 2500, tile: true },
      { level: "account", account: account, id: "account:" + account, note: note });
    }

    function roleView(id) {
      const role = nodeIndex.get(id);
      const into = incoming.get(id) || [];
      const chain = role.chain === undefined ? null : graph.chains[role.chain];
      const added = new Set([id]);
      const elements = [nodeElement(role)];
      const edgeIds = new Set();
      const addEdge = (edge) => {
        const element = edgeElement(edge);
        if (!edgeIds.has(element.data.id)) { edgeIds.add(element.data.id); elements.push(element); }
      };
      const addNode = (node) => { if (!added.has(node.id)) { added.add(node.id); elements.push(nodeElement(node)); } };
      for (const edge of into) { addNode(edge.source); addEdge(edge); }
      if (chain) {
        for (const step of chain.steps || []) {
          const source = nodeIndex.get(step.source);
          const target = nodeIndex.get(step.target);
          if (!source || !target) continue;
          addNode(source);
          addNode(target);
          const edge = (outgoing.get(source.id) || []).find((e) => e.target.id === target.id && e.kind === step.kind);
          if (edge) addEdge(edge);
        }
      }
      // at this level an edge that only an RCP exception opens says so on the edge itself
      for (const element of elements) {
        if (element.group === "edges" && element.classes.indexOf("rcp-exception") >= 0) element.data.label = "RCP exception";
      }
      for (const element of elements) {
        if (element.group === "nodes" && chain && (chain.path || []).indexOf(element.data.id) >= 0) {
          element.classes = (element.classes || "") + " on-chain";
        }
      }
      const targets = new Set(elements.filter((e) => e.group === "edges").map((e) => e.data.target));
      const roots = (cy) => cy.nodes().filter((n) => !targets.has(n.id()));
      return show(elements, (cy) => cy.layout({ name: "breadthfirst", directed: true, spacingFactor: 1.1, padding: 30,
        roots: roots(cy).length ? roots(cy) : undefined }),
      { level: "role", account: role.account, id: id, describe: () => describeRole(role) });
    }

    function nodeElement(node, parent) {
      const findings = openFindings.get(node.id) || 0;
      const data = { id: node.id, label: node.label.length > 40 ? node.label.slice(0, 39) + "…" : node.label,
        kind: node.kind };
      if (parent) data.parent = parent;
      return { group: "nodes", data: data, classes: node.kind + (findings ? " has-findings" : "") };
    }

    function edgeElement(edge) {
      return { group: "edges", data: { id: "e" + edge.source.index + ">" + edge.target.index + ":" + edge.kind
        + ":" + (edge.statement === undefined ? "" : edge.statement), source: edge.source.id, target: edge.target.id,
      cls: edge.class, width: edge.class === "internal" ? 1.2 : 2 },
      classes: edge.class + (edge.rcpException ? " rcp-exception" : "") };
    }

    function drawCrumbs(state) {
      crumbs.textContent = "";
      const link = (text, action) => {
        const button = el("button", text, crumbs, "crumb link");
        button.type = "button";
        button.addEventListener("click", action);
      };
      link("All accounts", () => overview());
      if (state.account) {
        el("span", " › ", crumbs, "muted");
        if (state.level === "account") el("b", accountLabel(data, state.account), crumbs, "crumb-here");
        else link(accountLabel(data, state.account), () => accountView(state.account));
      }
      if (state.level === "role") {
        el("span", " › ", crumbs, "muted");
        el("b", nodeIndex.get(state.id).label, crumbs, "crumb-here");
      }
      if (state.note) el("span", " — " + state.note, crumbs, "muted small");
    }

    /* the details panel */

    function closePanel() {
      panel.hidden = true;
    }

    function openPanel(title, kind, id) {
      byId("panel-title").textContent = title;
      byId("panel-kind").textContent = kind;
      byId("panel-id").textContent = id || "";
      for (const part of ["panel-links", "panel-reach", "panel-in", "panel-out"]) byId(part).textContent = "";
      byId("panel-in-title").textContent = "Can be assumed by";
      byId("panel-out-title").textContent = "Can assume";
      panel.hidden = false;
    }

    function panelButton(text, action) {
      const button = el("button", text, byId("panel-links"));
      button.type = "button";
      button.addEventListener("click", action);
      return button;
    }

    function edgeItem(list, other, edge, onClick) {
      const item = el("li", null, list);
      const name = el(onClick ? "button" : "b", other.label, item, onClick ? "link" : "");
      if (onClick) { name.type = "button"; name.addEventListener("click", onClick); }
      el("span", " — " + describeEdge(edge), item, "edge-text");
      el("span", " " + edge.class, item, "muted").title = data.edgeClasses[edge.class] || "";
    }

    function describeRole(role) {
      const findings = openFindings.get(role.id) || 0;
      openPanel(role.label, "role in " + accountLabel(data, role.account) + (findings ? " · " + count(findings, "open finding") : ""),
        role.id);
      const roleIndex = rolesTable.byArn.get(role.id);
      if (roleIndex !== undefined) panelButton("Role details", () => rolesTable.show(roleIndex));
      if (findings) panelButton("Show its findings", () => findingsTable.byText(role.id.toLowerCase()));
      const reach = byId("panel-reach");
      if (role.origins === undefined) {
        el("p", "No principal outside its account can reach it.", reach, "muted");
      } else {
        el("p", "Reachable from outside by: " + originNames(role.origins), reach);
        if (role.indirect !== undefined) {
          el("p", "Only through chains of assumptions: " + originNames(role.indirect), reach, "warn");
        }
      }
      const chain = role.chain === undefined ? null : graph.chains[role.chain];
      if (chain) {
        el("p", "Example chain (" + count(chain.hops || (chain.path || []).length - 1, "assumption") + "): "
          + (chain.path || []).map((id) => (nodeIndex.get(id) || { label: id }).label).join(" → "), reach, "chain small");
        const hops = el("ol", null, reach, "hops small");
        for (const step of chain.steps || []) {
          const source = nodeIndex.get(step.source) || { label: step.source };
          const target = nodeIndex.get(step.target) || { label: step.target };
          const item = el("li", source.label + " → " + target.label + ": ", hops);
          if (step.kind === "member" || step.kind === "member-account") {
            el("span", "a member of the group, nothing to carry", item, "muted");
          } else if (step.requires && step.requires.length) {
            el("span", "the request must carry ", item);
            step.requires.forEach((r) => el("span", requirementLabel(data, r), item, "req"));
          } else {
            el("b", "the request needs nothing", item);
          }
        }
        el("p", chain.explanation || "", reach, "muted small");
      }
      listEdges(role);
    }

    // Every edge in and out is listed, the classes the legend hides and same-account ones too: a role
    // that somebody can assume is never "nobody's".
    function listEdges(node) {
      const ends = [["panel-in", incoming, "source", "no principal in this graph"],
        ["panel-out", outgoing, "target", "nothing"]];
      for (const [list, edges, end, none] of ends) {
        const items = byId(list);
        for (const edge of edges.get(node.id) || []) {
          const other = edge[end];
          edgeItem(items, other, edge, other.kind === "role" ? () => roleView(other.id) : null);
        }
        if (!items.children.length) el("li", none, items, "muted");
      }
    }

    function describeNode(node) {
      openPanel(node.label, node.kind + (node.account ? " in " + accountLabel(data, node.account) : ""), node.id);
      const reach = byId("panel-reach");
      if (node.kind === "group" && node.members) {
        el("p", count(node.members.roles, "role") + " and " + count(node.members.users, "user") + " are members.", reach);
      }
      listEdges(node);
    }

    function describeOverviewNode(id) {
      const node = graph.overview.nodes.find((n) => n.id === id);
      openPanel(node.label, { scanned: "scanned account", outside: "account outside the scan", provider: "identity provider",
        organization: "the organisation", anyone: "anyone" }[node.kind] || node.kind, id);
      byId("panel-in-title").textContent = "Reaches roles in";
      byId("panel-out-title").textContent = "Reached by";
      const list = (items, end) => {
        for (const edge of items) {
          const other = end === "target" ? edge.target : edge.source;
          const item = el("li", null, byId(end === "target" ? "panel-in" : "panel-out"));
          const label = homeLabel(other);
          if (other.startsWith("account:") && rolesByAccount.has(other.slice(8))) {
            const button = el("button", label, item, "link");
            button.type = "button";
            button.addEventListener("click", () => accountView(other.slice(8)));
          } else {
            el("b", label, item);
          }
          el("span", ": " + count(edge.roles, "role") + " (" + Object.entries(edge.classes).map(([c, n]) => n + " " + c)
            .join(", ") + ")", item);
        }
      };
      list(graph.overview.edges.filter((e) => e.source === id), "target");
      list(graph.overview.edges.filter((e) => e.target === id), "source");
      if (!byId("panel-in").children.length) el("li", "no role", byId("panel-in"), "muted");
      if (!byId("panel-out").children.length) el("li", "nobody outside it", byId("panel-out"), "muted");
      if (node.kind === "scanned") panelButton("Show its roles", () => accountView(node.account));
    }

    cy.on("tap", "node", (event) => {
      const id = event.target.id();
      if (level.level === "overview") {
        const node = graph.overview.nodes.find((n) => n.id === id);
        if (node && node.kind === "scanned") accountView(node.account); else describeOverviewNode(id);
        return;
      }
      if (id.startsWith("box:")) return;
      const node = nodeIndex.get(id);
      if (node.kind === "role" && node.id !== level.id) roleView(id);
      else if (node.kind === "role") describeRole(node);
      else describeNode(node);
    });
    cy.on("tap", (event) => { if (event.target === cy) closePanel(); });
    byId("panel-close").addEventListener("click", closePanel);
    accountSelect.addEventListener("change", () => (accountSelect.value ? accountView(accountSelect.value) : overview()));

    /* zoom and legend */

    // the whole level in view, but a level of a few nodes no larger than life
    function fit() {
      cy.fit(undefined, 30);
      if (cy.zoom() > 1.5) {
        cy.zoom(1.5);
        cy.center();
      }
    }

    function zoomBy(factor) {
      cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    }
    byId("zoom-in").addEventListener("click", () => zoomBy(1.3));
    byId("zoom-out").addEventListener("click", () => zoomBy(1 / 1.3));
    byId("zoom-fit").addEventListener("click", fit);

    // an edge is hidden when any legend entry it belongs to is off (a class, or "RCP exception")
    function applyLegend() {
      const hidden = legend.filter((b) => b.getAttribute("aria-pressed") !== "true").map((b) => "." + b.dataset.edgeClass);
      cy.edges().removeClass("off");
      if (hidden.length) cy.edges(hidden.join(", ")).addClass("off");
    }
    legend.forEach((button) => {
      button.addEventListener("click", () => {
        button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
        applyLegend();
      });
    });

    chainsList(data, nodeIndex, (id) => roleView(id));
    return { ready: overview(), overview: overview, account: accountView, role: roleView,
      has: (id) => nodeIndex.has(id) };
  }

  function chainsList(data, nodeIndex, onRole) {
    const list = byId("chain-list");
    const details = byId("graph-chains");
    if (!list || !details) return;
    // a thousand chains are drawn when the list is opened, not before
    details.addEventListener("toggle", () => {
      if (!details.open || list.children.length) return;
      for (const chain of data.graph.chains) {
        const item = el("li", null, list);
        (chain.path || []).forEach((id, i) => {
          const node = nodeIndex.get(id) || { label: id };
          if (i) item.appendChild(document.createTextNode(" → "));
          if (node.kind === "role") {
            const button = el("button", node.label, item, "link mono");
            button.type = "button";
            button.title = id;
            button.addEventListener("click", () => { onRole(id); byId("graph").scrollIntoView({ block: "start" }); });
          } else {
            el("span", node.label, item, "mono").title = id;
          }
          if (node.account) el("span", " (" + (data.accounts[node.account] || node.account) + ")", item, "muted");
        });
        if (chain.explanation) el("div", chain.explanation, item, "muted small");
      }
    });
  }

  function graphStyle() {
    const colour = { unguarded: "#d62728", guarded: "#2ca02c", public: "#7b0000", internal: "#9a9a9a" };
    const style = [
      { selector: "node", style: { label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3,
        "min-zoomed-font-size": 7, width: 16, height: 16, "background-color": "#6b7280", color: "#1f2937" } },
      { selector: "node[size]", style: { width: "data(size)", height: "data(size)" } },
      { selector: "node[kind = 'scanned']", style: { shape: "round-rectangle", "background-color": "#2457c5",
        "font-weight": "bold" } },
      { selector: "node[kind = 'outside']", style: { "background-color": "#374151" } },
      { selector: "node[kind = 'provider'], node.federated", style: { shape: "hexagon", "background-color": "#b45309" } },
      { selector: "node[kind = 'anyone'], node.anyone", style: { shape: "star", "background-color": "#7b0000" } },
      { selector: "node[kind = 'organization'], node.organization", style: { shape: "octagon", "background-color": "#1e3a8a" } },
      { selector: "node.role", style: { "background-color": "#2457c5" } },
      { selector: "node.role.has-findings", style: { "background-color": "#c0392b" } },
      { selector: "node.group", style: { shape: "round-rectangle", width: 26, "background-color": "#0e7490" } },
      { selector: "node.user", style: { "background-color": "#0f766e" } },
      { selector: "node.service", style: { shape: "diamond", "background-color": "#7c3aed" } },
      { selector: "node.account", style: { shape: "rectangle", "background-color": "#374151" } },
      { selector: "node.on-chain", style: { "border-width": 3, "border-color": "#f59e0b" } },
      { selector: ":parent", style: { "background-color": "#eef2f8", "background-opacity": 0.6, "border-color": "#d5dce8",
        "border-width": 1, shape: "round-rectangle", "text-valign": "top", "font-size": 13, "font-weight": "bold",
        "padding": 12 } },
      { selector: ":parent[kind = 'box']", style: { "background-color": "#fdf1f1", "border-color": "#efcccc" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#111" } },
      { selector: "edge", style: { width: "data(width)", "curve-style": "bezier", "target-arrow-shape": "triangle",
        "arrow-scale": 0.8, opacity: 0.8, "line-color": "#9a9a9a", "target-arrow-color": "#9a9a9a" } },
      // faint edges are drawn the cheap way (no curve, no arrow) until pointed at
      { selector: "edge.faint", style: { opacity: 0.12, "curve-style": "haystack", "haystack-radius": 0 } },
      { selector: "edge.lit", style: { opacity: 1, "z-index": 10, "curve-style": "bezier" } },
      { selector: "edge.off", style: { display: "none" } },
    ];
    for (const name of CLASS_ORDER) {
      style.push({ selector: "edge." + name, style: { "line-color": colour[name], "target-arrow-color": colour[name] } });
    }
    style.push({ selector: "edge.public", style: { "line-style": "dashed" } });
    style.push({ selector: "edge.rcp-exception", style: { "line-style": "dotted", width: 3 } });
    style.push({ selector: "edge.rcp-exception[label]", style: { label: "data(label)", "font-size": 10,
      color: "#b45309", "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8 } });
    return style;
  }

  /* ------------------------------------------------------------------ start */

  loadData().then((data) => {
    const findingsTable = findingsView(data, data.roles);
    rolesTable = rolesView(data, findingsTable);
    const view = graphView(data, findingsTable);
    if (view) window.rolescope = Object.assign(window.rolescope || {}, { view: view });
  }).catch((error) => {
    byId("trust-graph").dataset.ready = "error";
    throw error;
  });
})();
