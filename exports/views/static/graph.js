/* The graph views: a precomputed layout drawn by vis-network with physics off, filters, search and a
   details panel whose links move the view to neighbouring nodes. */
"use strict";
(function () {
  const { readData, el, nodeHref } = window.sskgViews;
  const data = readData("sskg-data");
  const kinds = new Map(data.kinds.map((kind) => [kind.name, kind]));
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  const state = { ready: false, readyAt: null, selected: null };
  const adjacent = new Map(data.nodes.map((node) => [node.id, []]));
  for (const edge of data.edges) {
    adjacent.get(edge.from).push(edge.to);
    adjacent.get(edge.to).push(edge.from);
  }

  // Concepts and studies are read at a glance; finding labels are drawn once zoomed in.
  const FONT_SIZES = { study: 16, finding: 11 };

  function tip(text) {
    return el("div", { class: "tip" }, text);
  }

  const highlighted = new Set(data.highlight);
  const nodes = new vis.DataSet(data.nodes.map((node) => {
    const kind = kinds.get(node.kind);
    const inside = kind.shape === "box";
    return {
      id: node.id,
      label: node.short,
      x: node.x,
      y: node.y,
      shape: kind.shape,
      size: node.size,
      color: { background: kind.colour, border: "#333333", highlight: { background: kind.colour, border: "#000000" } },
      borderWidth: highlighted.has(node.id) ? 4 : 1,
      font: { color: inside ? "#ffffff" : "#222222", size: FONT_SIZES[node.kind] || 18, strokeWidth: inside ? 0 : 4, strokeColor: "#ffffff" },
      title: tip(node.label + " (" + kind.label + ")"),
    };
  }));
  const edges = new vis.DataSet(data.edges.map((edge) => ({
    id: edge.id,
    from: edge.from,
    to: edge.to,
    arrows: "to",
    title: tip(edge.label),
  })));
  const network = new vis.Network(document.getElementById("network"), { nodes, edges }, {
    physics: { enabled: false },
    layout: { improvedLayout: false },
    interaction: { hover: true, tooltipDelay: 200, hideEdgesOnDrag: data.nodes.length > 500 },
    edges: { smooth: false, width: 1, color: { color: "#b5b5b5", highlight: "#333333", hover: "#666666" },
             arrows: { to: { enabled: true, scaleFactor: 0.5 } } },
  });
  network.once("afterDrawing", () => {
    state.ready = true;
    state.readyAt = performance.now();
  });

  // -- legend, search and filters -------------------------------------------------------------------
  const counts = new Map();
  for (const node of data.nodes) counts.set(node.kind, (counts.get(node.kind) || 0) + 1);
  const legend = document.getElementById("legend");
  for (const kind of data.kinds) {
    if (!counts.has(kind.name)) continue;
    const item = el("li");
    const glyph = el("span", { class: "glyph" }, kind.glyph);
    glyph.style.color = kind.colour;
    item.append(glyph, el("span", {}, " " + kind.label + " (" + counts.get(kind.name) + ")"));
    legend.appendChild(item);
  }

  const search = document.getElementById("search");
  const searchList = document.getElementById("search-list");
  const searchStatus = document.getElementById("search-status");
  for (const node of [...data.nodes].sort((a, b) => a.label.localeCompare(b.label))) {
    searchList.appendChild(el("option", { value: node.label }));
  }
  function find() {
    const wanted = search.value.trim().toLowerCase();
    if (!wanted) return;
    const hit = data.nodes.find((node) => node.label.toLowerCase() === wanted)
      || data.nodes.find((node) => node.label.toLowerCase().includes(wanted));
    searchStatus.textContent = hit ? "" : "Nothing in this view matches.";
    if (hit) goTo(hit.id);
  }
  document.getElementById("search-go").addEventListener("click", find);
  search.addEventListener("change", find);
  search.addEventListener("keydown", (event) => { if (event.key === "Enter") find(); });

  const selects = [...document.querySelectorAll("#filters select")];
  for (const select of selects) {
    for (const [value, label] of data.facets[select.dataset.facet] || []) {
      select.appendChild(el("option", { value }, label));
    }
    select.addEventListener("change", applyFilters);
  }
  const yearFrom = document.getElementById("year-from");
  const yearTo = document.getElementById("year-to");
  for (const input of [yearFrom, yearTo]) {
    input.min = data.years[0];
    input.max = data.years[1];
    input.addEventListener("change", applyFilters);
  }
  yearFrom.value = data.years[0];
  yearTo.value = data.years[1];
  document.getElementById("filter-reset").addEventListener("click", resetFilters);

  function matches(node, chosen, from, to) {
    for (const [facet, value] of chosen) {
      if (!(node.facets[facet] || []).includes(value)) return false;
    }
    return node.year === null || (node.year >= from && node.year <= to);
  }

  function applyFilters() {
    const chosen = selects.filter((select) => select.value).map((select) => [select.dataset.facet, select.value]);
    const from = yearFrom.value === "" ? -Infinity : Number(yearFrom.value);
    const to = yearTo.value === "" ? Infinity : Number(yearTo.value);
    const active = chosen.length > 0 || from > data.years[0] || to < data.years[1];
    const visible = new Set();
    for (const node of data.nodes) {
      if (!active || (node.facets && matches(node, chosen, from, to))) visible.add(node.id);
    }
    if (active) {
      // Concepts stay when they touch evidence still shown.
      for (const node of data.nodes) {
        if (!node.facets && adjacent.get(node.id).some((other) => visible.has(other) && byId.get(other).facets)) {
          visible.add(node.id);
        }
      }
    }
    const changes = [];
    nodes.forEach((item) => {
      const hidden = !visible.has(item.id);
      if (Boolean(item.hidden) !== hidden) changes.push({ id: item.id, hidden });
    });
    nodes.update(changes);
    document.getElementById("visible-count").textContent =
      visible.size + " of " + data.nodes.length + " nodes shown" + (active ? " (filtered)" : "");
  }

  function resetFilters() {
    for (const select of selects) select.value = "";
    yearFrom.value = data.years[0];
    yearTo.value = data.years[1];
    applyFilters();
  }

  // -- details panel ----------------------------------------------------------------------------------
  const panel = document.getElementById("details");
  const panelBody = document.getElementById("details-body");
  document.getElementById("details-close").addEventListener("click", () => {
    panel.hidden = true;
    network.unselectAll();
  });

  function linkButton(id, text, kindName) {
    const kind = kinds.get(kindName);
    const inView = byId.has(id);
    if (!inView && !data.overview) {
      return el("span", { class: "left-out" }, (kind ? kind.glyph + " " : "") + text + " (not drawn: over the node cap)");
    }
    const button = el("button", { type: "button", class: inView ? "link" : "link outside", "data-target": id },
      (kind ? kind.glyph + " " : "") + text + (inView ? "" : " ↗"));
    button.addEventListener("click", () => goTo(id));
    return button;
  }

  function findingItem(finding) {
    const item = el("li", { class: "finding", "data-id": finding.id });
    item.appendChild(el("p", { class: "statement" }, finding.statement));
    const facts = [["direction", finding.direction], ["outcome", finding.outcome],
                   ["population", finding.population], ["exposures", finding.exposures.join(", ")]];
    const list = el("dl", { class: "facts" });
    for (const [name, value] of facts) {
      if (!value) continue;
      list.append(el("dt", {}, name), el("dd", { class: name }, value));
    }
    for (const estimate of finding.estimates) list.append(el("dt", {}, "effect estimate"), el("dd", { class: "estimate" }, estimate));
    item.appendChild(list);
    if (finding.stated_at.length) {
      item.appendChild(el("p", { class: "where-head" }, "Where the review states it:"));
      const where = el("ul", { class: "where" });
      for (const place of finding.stated_at) where.appendChild(el("li", {}, place));
      item.appendChild(where);
    }
    item.appendChild(linkButton(finding.id, "show this finding", "finding"));
    return item;
  }

  function showDetails(id) {
    const detail = data.details[id];
    const node = byId.get(id);
    if (!detail || !node) return;
    const kind = kinds.get(node.kind);
    panelBody.replaceChildren();
    panelBody.appendChild(el("p", { class: "kind" }, kind.glyph + " " + kind.label));
    panelBody.appendChild(el("h2", { id: "details-heading" }, detail.heading));
    const fields = el("dl", { class: "fields" });
    for (const [name, values] of detail.fields) {
      fields.appendChild(el("dt", {}, name));
      for (const value of values) fields.appendChild(el("dd", {}, value));
    }
    panelBody.appendChild(fields);
    if (detail.findings.length) {
      panelBody.appendChild(el("h3", {}, "Findings (" + detail.findings.length + ")"));
      const list = el("ol", { id: "details-findings" });
      for (const finding of detail.findings) list.appendChild(findingItem(finding));
      panelBody.appendChild(list);
    }
    if (detail.notes.length) {
      panelBody.appendChild(el("h3", {}, "Curation notes"));
      const list = el("ul", { class: "notes" });
      for (const note of detail.notes) list.appendChild(el("li", {}, note));
      panelBody.appendChild(list);
    }
    if (detail.studies.length) {
      panelBody.appendChild(el("h3", {}, "Related studies (" + detail.studies.length + ")"));
      const list = el("ul", { id: "details-studies", class: "links" });
      for (const study of detail.studies) list.appendChild(el("li")).appendChild(linkButton(study.id, study.label, "study"));
      panelBody.appendChild(list);
    }
    if (detail.links.length) {
      panelBody.appendChild(el("h3", {}, "Linked nodes (" + detail.links.length + ")"));
      const list = el("ul", { id: "details-links", class: "links" });
      for (const link of detail.links) {
        const item = el("li");
        item.append(el("span", { class: "relation" }, link.relation + ": "), linkButton(link.id, link.label, link.kind));
        list.appendChild(item);
      }
      panelBody.appendChild(list);
    }
    panel.hidden = false;
    panel.scrollTop = 0;
    state.selected = id;
  }

  function goTo(id) {
    if (!byId.has(id)) {
      if (data.overview) window.location.href = nodeHref(data.overview, id);
      return;
    }
    if (nodes.get(id).hidden) resetFilters();
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    showDetails(id);
  }

  network.on("click", (params) => {
    if (params.nodes.length) showDetails(params.nodes[0]);
  });

  function openFromHash() {
    const prefix = "#node=";
    if (window.location.hash.startsWith(prefix)) goTo(decodeURIComponent(window.location.hash.slice(prefix.length)));
  }
  window.addEventListener("hashchange", openFromHash);
  applyFilters();
  if (window.location.hash) openFromHash();
  else if (data.focus) goTo(data.focus);

  window.sskg = {
    data, network, nodes, edges, state, goTo, showDetails, applyFilters, resetFilters,
    visibleIds: () => nodes.get({ filter: (item) => !item.hidden }).map((item) => item.id),
  };
})();
