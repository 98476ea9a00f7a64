/* A focused graph view (a study, a concept's neighbourhood, a query's rows): its nodes one by one at
   a precomputed layout, drawn by vis-network with physics off; filters, search, a list of the same
   nodes and a details panel whose links move the view, or lead to the overview for what it leaves out. */
"use strict";
(function () {
  const { el, compare, plural, readHash, writeHash, makeFilters, citationBlock, studyFacts, findingBlock, makeSearch, openPanel,
          closePanel, wireClose, collapse, nodeHref, readData } = window.sskgViews;
  const data = readData("sskg-data");
  const kinds = new Map(data.kinds.map((kind) => [kind.name, kind]));
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  const effects = new Map(data.effects.map((effect) => [effect.name, effect]));
  effects.set(data.not_derived.name, data.not_derived);
  const HASH_KEYS = ["node", "theme", "support", "population", "design", "country", "from", "to"];
  const state = { ready: false, readyAt: null, selected: null, filters: {} };
  const adjacent = new Map(data.nodes.map((node) => [node.id, []]));
  for (const edge of data.edges) {
    adjacent.get(edge.from).push(edge.to);
    adjacent.get(edge.to).push(edge.from);
  }
  // Concepts and studies are read at a glance; finding labels are drawn once zoomed in.
  const FONT_SIZES = { study: 16, finding: 11 };
  const INSIDE = new Set(["box", "ellipse"]);  // shapes vis-network draws their label inside

  const tip = (text) => el("div", { class: "tip" }, text);
  const highlighted = new Set(data.highlight);
  const nodes = new vis.DataSet(data.nodes.map((node) => {
    const kind = kinds.get(node.kind);
    const inside = INSIDE.has(kind.shape);
    return {
      id: node.id, label: node.short, x: node.x, y: node.y, shape: kind.shape, size: node.size,
      color: { background: kind.colour, border: "#333333", highlight: { background: kind.colour, border: "#000000" } },
      borderWidth: highlighted.has(node.id) ? 4 : 1,
      font: { color: inside && node.kind === "study" ? "#ffffff" : "#1a1a1a", size: FONT_SIZES[node.kind] || 14,
              strokeWidth: inside ? 0 : 4, strokeColor: "#ffffff" },
      title: tip(node.label + " (" + kind.label + ")"),
    };
  }));
  const edges = new vis.DataSet(data.edges.map((edge) => ({
    id: edge.id, from: edge.from, to: edge.to, arrows: "to", title: tip(edge.label),
  })));
  const container = document.getElementById("network");
  const network = new vis.Network(container, { nodes, edges }, {
    physics: { enabled: false },
    layout: { improvedLayout: false },
    interaction: { hover: true, tooltipDelay: 200, hideEdgesOnDrag: data.nodes.length > 500 },
    edges: { smooth: false, width: 1, color: { color: "#9a9a9a", highlight: "#1a1a1a", hover: "#4d4d4d" },
             arrows: { to: { enabled: true, scaleFactor: 0.5 } } },
  });
  network.once("afterDrawing", () => {
    state.ready = true;
    state.readyAt = performance.now();
  });

  // -- labels: at least 11 px on screen and never over one another ------------------------------------------
  const MIN_PX = 11.5;
  const priority = (node) => [highlighted.has(node.id) || node.id === state.selected ? 0 : 1, node.kind === "study" ? 0 : node.kind === "finding" ? 2 : 1, -node.size, node.id];

  /* Fonts grow as the view zooms out, so a label is never under MIN_PX on screen; then, in order of
     priority (the view's own nodes, studies, concepts by links, findings), a label that would cover one
     already drawn is left out (the node keeps its tooltip, and the list beside names it). */
  function readableLabels() {
    const scale = network.getScale();
    const shown = data.nodes.filter((node) => !nodes.get(node.id).hidden);
    nodes.update(shown.map((node) => ({ id: node.id, label: node.short,
      font: { size: Math.max(FONT_SIZES[node.kind] || 14, MIN_PX / scale) } })));
    network.redraw();  // vis-network measures the labels as it draws
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    // A label beside its shape (not inside a box) also keeps off the other nodes' shapes.
    const shapes = shown.filter((node) => !INSIDE.has(kinds.get(node.kind).shape)).map((node) => {
      const drawn = network.body.nodes[node.id];
      return { id: node.id, left: drawn.x - drawn.shape.width / 2, right: drawn.x + drawn.shape.width / 2,
               top: drawn.y - drawn.shape.height / 2, bottom: drawn.y + drawn.shape.height / 2 };
    });
    const kept = [];
    const dropped = [];
    for (const node of [...shown].sort((a, b) => compare(priority(a), priority(b)))) {
      const box = network.body.nodes[node.id].labelModule.size;
      const rect = { left: box.left, top: box.top, right: box.left + box.width, bottom: box.top + box.height };
      const beside = !INSIDE.has(kinds.get(node.kind).shape);
      if (kept.some((other) => meets(rect, other)) || (beside && shapes.some((shape) => shape.id !== node.id && meets(rect, shape)))) dropped.push(node.id);
      else kept.push(rect);
    }
    if (dropped.length) nodes.update(dropped.map((id) => ({ id, label: "" })));
  }

  let relabel = null;
  network.on("zoom", () => {
    clearTimeout(relabel);
    relabel = setTimeout(readableLabels, 150);
  });

  /* The whole view in sight: fitting again after the labels have grown brings their ends in too. */
  function fitView() {
    for (let round = 0; round < 3; round += 1) {
      network.fit({ animation: false });
      readableLabels();
    }
  }

  // -- filters and legend ---------------------------------------------------------------------------------
  const filters = makeFilters(document.getElementById("filter-controls"), data, () => update(true));
  if (window.matchMedia("(max-width: 760px)").matches) document.getElementById("filter-box").open = false;
  document.getElementById("filter-reset").addEventListener("click", () => {
    filters.reset();
    update(true);
  });
  document.getElementById("fit").addEventListener("click", fitView);

  function visibleSet() {
    const active = Object.keys(state.filters).length > 0;
    const visible = new Set();
    for (const node of data.nodes) {
      if (!active || (node.facets && filters.matches(node, state.filters))) visible.add(node.id);
    }
    if (active) {
      // Concepts stay when they touch evidence still shown.
      for (const node of data.nodes) {
        if (!node.facets && adjacent.get(node.id).some((other) => visible.has(other) && byId.get(other).facets)) visible.add(node.id);
      }
    }
    return visible;
  }

  function legend(visible) {
    const counts = new Map();
    for (const id of visible) counts.set(byId.get(id).kind, (counts.get(byId.get(id).kind) || 0) + 1);
    const list = document.getElementById("legend");
    list.replaceChildren();
    for (const kind of data.kinds) {
      if (!data.nodes.some((node) => node.kind === kind.name)) continue;
      const item = el("li", { "data-kind": kind.name });
      const glyph = el("span", { class: "glyph", "aria-hidden": "true" }, kind.glyph);
      glyph.style.color = kind.colour;
      item.append(glyph, el("span", {}, " " + kind.label + " (" + (counts.get(kind.name) || 0) + ")"));
      list.appendChild(item);
    }
  }

  function renderList(visible) {
    const holder = document.getElementById("node-list");
    holder.replaceChildren();
    for (const kind of data.kinds) {
      const members = data.nodes.filter((node) => node.kind === kind.name && visible.has(node.id));
      if (!members.length) continue;
      holder.appendChild(el("h3", {}, kind.label + " (" + members.length + ")"));
      const list = el("ul", { class: "node-list" });
      for (const node of members) {
        const button = el("button", { type: "button", "data-id": node.id, "aria-current": state.selected === node.id ? "true" : "false" });
        button.append(el("span", { class: "glyph", "aria-hidden": "true" }, kind.glyph), el("span", {}, node.label));
        button.addEventListener("click", () => goTo(node.id, true));
        list.appendChild(el("li").appendChild(button).parentNode);
      }
      holder.appendChild(list);
    }
  }

  // -- details panel ------------------------------------------------------------------------------------------
  const panel = document.getElementById("details");
  const panelBody = document.getElementById("details-body");

  function linkButton(id, text, kindName) {
    const kind = kinds.get(kindName);
    if (!byId.has(id)) {
      return el("a", { href: nodeHref(data.overview, id), class: "outside" }, (kind ? kind.glyph + " " : "") + text + " (in the overview)");
    }
    const button = el("button", { type: "button", class: "link", "data-target": id }, (kind ? kind.glyph + " " : "") + text);
    button.addEventListener("click", () => goTo(id, true));
    return button;
  }

  function fieldList(fields) {
    const list = el("dl", { class: "fields" });
    for (const [name, values] of fields) {
      list.appendChild(el("dt", {}, name));
      for (const value of values) list.appendChild(el("dd", {}, value));
    }
    return list;
  }

  function showDetails(id, focus) {
    const detail = data.details[id];
    const node = byId.get(id);
    if (!detail || !node) return;
    const kind = kinds.get(node.kind);
    panelBody.replaceChildren();
    panelBody.appendChild(el("p", { class: "kind" }, kind.glyph + " " + kind.label));
    const heading = el("h2", { id: "details-heading", tabindex: "-1" }, detail.heading);
    panelBody.appendChild(heading);
    if (node.kind === "study") {
      const study = detail.record;
      panelBody.appendChild(citationBlock(study));
      panelBody.appendChild(studyFacts(study));
      panelBody.appendChild(el("h3", {}, "Findings (" + detail.findings.length + ")"));
      const list = el("ol", { id: "details-findings", class: "findings" });
      for (const finding of detail.findings) {
        const item = findingBlock(finding, effects, linkButton(finding.id, "show this finding", "finding"));
        item.dataset.id = finding.id;
        list.appendChild(item);
      }
      panelBody.appendChild(list);
    } else if (node.kind === "finding") {
      const list = el("ul", { class: "findings" });
      list.appendChild(findingBlock(detail.record, effects));
      panelBody.appendChild(list);
    }
    panelBody.appendChild(fieldList(detail.fields));
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
    openPanel(panel, focus ? heading : null);
  }

  wireClose(document.getElementById("details-close"), panel, () => {
    const back = state.selected;
    state.selected = null;
    update(true);
    return back;
  });

  // -- choosing a node, search, address -------------------------------------------------------------------------
  function goTo(id, remember) {
    if (!byId.has(id)) {
      window.location.href = nodeHref(data.overview, id);
      return;
    }
    state.selected = id;
    if (!visibleSet().has(id)) filters.reset();
    update(remember, true);
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    readableLabels();
  }

  network.on("click", (params) => {
    if (params.nodes.length) goTo(params.nodes[0], true);
  });

  const rank = { study: 1, finding: 2 };
  makeSearch({
    input: document.getElementById("search"), button: document.getElementById("search-go"),
    list: document.getElementById("suggestions"), status: document.getElementById("search-status"),
  }, data.nodes.map((node) => {
    const record = node.kind === "study" ? data.details[node.id].record : null;
    return { id: node.id, kind: node.kind, kindLabel: kinds.get(node.kind).label, label: node.label, rank: rank[node.kind] ?? 0,
             extra: record ? [record.authors.join(" "), record.year, record.title, record.key].join(" ") : "" };
  }), (item) => goTo(item.id, true));

  function update(remember, focus) {
    state.filters = filters.values();
    const visible = visibleSet();
    const changes = [];
    nodes.forEach((item) => {
      const hidden = !visible.has(item.id);
      if (Boolean(item.hidden) !== hidden) changes.push({ id: item.id, hidden });
    });
    nodes.update(changes);
    const described = filters.describe(state.filters);
    document.getElementById("visible-count").textContent = visible.size + " of " + plural(data.nodes.length, "node") + " shown" +
      (described ? " (filtered: " + described + ")" : "");
    const empty = document.getElementById("empty");
    empty.hidden = visible.size > 0;
    empty.textContent = visible.size ? "" : "Nothing in this view matches these filters (" + described +
      "). Widen them: choose “any” in a filter, stretch the years, or press “Show all studies”.";
    if (changes.length) fitView();
    legend(visible);
    renderList(visible);
    if (state.selected && visible.has(state.selected)) {
      network.selectNodes([state.selected]);
      showDetails(state.selected, focus);
    } else {
      network.unselectAll();
      closePanel(panel);
    }
    if (remember) writeHash({ node: state.selected || "", ...state.filters }, HASH_KEYS);
  }

  function fromHash() {
    const wanted = readHash();
    filters.set(wanted);
    state.selected = byId.has(wanted.node) ? wanted.node : (window.location.hash ? null : data.focus);
    update(false);
    fitView();  // the whole view on opening, its node chosen
  }

  window.addEventListener("popstate", fromHash);
  window.addEventListener("hashchange", fromHash);
  fromHash();
  // On a phone the view opens on its graph: its node's details wait folded in the sheet's bar.
  if (window.matchMedia("(max-width: 760px)").matches && !panel.hidden) collapse(panel, true);

  window.sskg = {
    data, network, nodes, edges, state, goTo, showDetails, update, filters,
    visibleIds: () => nodes.get({ filter: (item) => !item.hidden }).map((item) => item.id),
  };
})();
