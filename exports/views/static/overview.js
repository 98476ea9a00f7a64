/* The overview: themes → what the studies examined → outcomes, aggregated in the page from studies
   and findings, laid out in three columns that fit the screen, and re-counted and re-laid out on
   every filter. Findings are folded into the lines from an exposure to an outcome, one line per
   effect on recovery. The address holds the chosen node, the opened groups and the filters. */
"use strict";
(function () {
  const { el, compare, plural, readHash, writeHash, makeFilters, effectBadge, effectLegend, citationBlock, studyFacts, findingBlock,
          makeSearch, openPanel, closePanel, wireClose, readData } = window.sskgViews;
  const data = readData("sskg-data");
  const concepts = data.concepts;
  const kinds = new Map(data.kinds.map((kind) => [kind.kind, kind]));
  const effects = new Map(data.effects.map((effect) => [effect.name, effect]));
  effects.set(data.not_derived.name, data.not_derived);
  const effectOrder = [...data.effects.map((effect) => effect.name), data.not_derived.name];
  const groups = new Map(data.groups.map((group) => [group.id, group]));
  const themeOrder = new Map(data.themes.map((theme, position) => [theme, position]));
  const familyOrder = new Map(data.families.map((family, position) => [family, position]));
  const kindOrder = new Map(data.groups.map((group, position) => [group.kind, position]));
  const HASH_KEYS = ["node", "open", "theme", "support", "population", "design", "country", "from", "to"];
  const FONT = 14;  // px at scale 1; the opening scale keeps it at 11 px or more on screen
  const MAX_SCALE = 1.3;
  const narrow = () => window.matchMedia("(max-width: 760px)").matches;
  const narrowCanvas = () => (document.getElementById("network").clientWidth || 800) < 600;
  const state = { ready: false, readyAt: null, selected: null, filters: {}, open: new Set(), explicitOpen: false, graph: null };

  const container = document.getElementById("network");
  const nodes = new vis.DataSet([]);
  const edges = new vis.DataSet([]);
  const network = new vis.Network(container, { nodes, edges }, {
    physics: { enabled: false },
    layout: { improvedLayout: false },
    interaction: { hover: true, tooltipDelay: 150, multiselect: false, keyboard: false },
    nodes: { shape: "box", margin: { top: 6, bottom: 6, left: 8, right: 8 }, font: { size: FONT, face: "system-ui, sans-serif", color: "#1a1a1a", align: "left" } },
    edges: { smooth: false, selectionWidth: 2, hoverWidth: 1 },
  });

  // -- aggregation ---------------------------------------------------------------------------------------
  function defaultOpen() {
    return new Set(narrow() ? [] : ["group:strategy", "group:support-type"]);  // largest first
  }

  /* The node that stands for a concept now: itself, or its closed group or family; null if not drawn. */
  function shownAs(concept) {
    const entry = concepts[concept];
    if (!entry || entry.layer === undefined) return null;
    if (entry.layer === 0) return concept;
    return state.open.has(entry.group) ? concept : entry.group;
  }

  function visibleStudies() {
    return Object.keys(data.studies).filter((id) => filters.matches(data.studies[id], state.filters)).sort();
  }

  function aggregate() {
    const graph = { nodes: new Map(), edges: new Map(), studies: visibleStudies(), findings: new Set() };
    const node = (id) => {
      if (!graph.nodes.has(id)) graph.nodes.set(id, { id, studies: new Set(), findings: new Set(), members: new Set() });
      return graph.nodes.get(id);
    };
    const edge = (key, from, to, effect) => {
      if (!graph.edges.has(key)) graph.edges.set(key, { id: key, from, to, effect, studies: new Set(), findings: new Set() });
      return graph.edges.get(key);
    };
    for (const studyId of graph.studies) {
      const study = data.studies[studyId];
      const theme = study.theme_node;
      for (const findingId of study.findings) {
        const finding = data.findings[findingId];
        graph.findings.add(findingId);
        const outcome = finding.outcome ? shownAs(finding.outcome) : null;
        const exposures = [...new Set(finding.about.map(shownAs).filter(Boolean))];
        for (const concept of [...finding.about, finding.outcome]) {
          const drawnAs = concept ? shownAs(concept) : null;
          if (drawnAs && drawnAs !== concept && exposures.length) node(drawnAs).members.add(concept);
        }
        if (theme && exposures.length) {
          node(theme).studies.add(studyId);
          node(theme).findings.add(findingId);
        }
        for (const exposure of exposures) {
          node(exposure).studies.add(studyId);
          node(exposure).findings.add(findingId);
          if (theme) edge("t\n" + theme + "\n" + exposure, theme, exposure, null).studies.add(studyId);
          if (outcome) {
            const line = edge("e\n" + exposure + "\n" + outcome + "\n" + finding.effect, exposure, outcome, finding.effect);
            line.studies.add(studyId);
            line.findings.add(findingId);
          }
        }
        if (outcome && exposures.length) {
          node(outcome).studies.add(studyId);
          node(outcome).findings.add(findingId);
        }
      }
    }
    return graph;
  }

  // -- what a node looks like ---------------------------------------------------------------------------
  function kindOf(id) {
    if (groups.has(id)) return groups.get(id).kind;
    return concepts[id] ? concepts[id].kind : null;
  }

  function layerOf(id) {
    return groups.has(id) ? 1 : concepts[id].layer;
  }

  function isGroup(id) {
    return groups.has(id) || (concepts[id] && concepts[id].kind === "family");
  }

  function titleOf(id) {
    return groups.has(id) ? groups.get(id).label : concepts[id].label;
  }

  const FACE = "system-ui, sans-serif";
  const measurer = document.createElement("canvas").getContext("2d");
  measurer.font = FONT + "px " + FACE;

  /* Lines of at most `width` px in the canvas font, so vis-network never wraps them again. */
  function wrap(text, width) {
    const lines = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
      const longer = line ? line + " " + word : word;
      if (line && measurer.measureText(longer).width > width) {
        lines.push(line);
        line = word;
      } else {
        line = longer;
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  function labelLines(id, info, width) {
    const lines = wrap(kinds.get(kindOf(id)).glyph + " " + titleOf(id), width);
    const count = isGroup(id) ? info.members.size + " inside · " + plural(info.studies.size, "study", "studies") + " ▸"
      : plural(info.studies.size, "study", "studies");
    const last = lines[lines.length - 1] + " · " + count;
    if (measurer.measureText(last).width <= width) lines[lines.length - 1] = last;
    else lines.push(...wrap(count, width));
    return lines;
  }

  function counts(info) {
    return plural(info.studies.size, "study", "studies") + " · " + plural(info.findings.size, "finding");
  }

  // -- layout: three columns that fit the canvas -------------------------------------------------------
  /* Node ids per column; a phone's canvas leaves the themes out (they are a filter and in the list). */
  function columns(graph, drawing) {
    const placed = [[], [], []];
    for (const id of graph.nodes.keys()) placed[layerOf(id)].push(id);
    if (drawing && narrowCanvas()) placed[0] = [];
    placed[0].sort((a, b) => (themeOrder.get(a) ?? 99) - (themeOrder.get(b) ?? 99));
    const exposureKey = (id) => [kindOrder.get(kindOf(id)) ?? 9, groups.has(id) ? 0 : 1, -graph.nodes.get(id).studies.size, concepts[id] ? concepts[id].label : ""];
    placed[1].sort((a, b) => compare(exposureKey(a), exposureKey(b)));
    const outcomeKey = (id) => {
      const family = concepts[id].kind === "family" ? id : concepts[id].group;
      return [familyOrder.get(family) ?? 99, concepts[id].kind === "family" ? 0 : 1, concepts[id].label];
    };
    placed[2].sort((a, b) => compare(outcomeKey(a), outcomeKey(b)));
    return placed;
  }

  // vis-network draws a 14 px label line 14 px high, and a box 20 px taller than its lines (margins, border).
  const LINE = FONT;
  const BOX = 20;
  const GAP = 7;        // between boxes of a column
  const MARGINS = 16;   // left and right margins of a box's text
  const EXTRA = 40;     // a box is drawn this much wider than its text: margins, border and vis-network's own
  const PAD = 24;       // px of canvas left free around the drawing
  const SCALES = [1.1, 1, 0.94, 0.88, 0.82];  // tried in turn: the first whose layout fits the canvas wins

  /* Three columns (two on a phone, where themes are left to the list and the filter), each box one
     measured label: the largest scale at which the whole drawing fits the canvas, at least 0.82
     (14 px × 0.82 = 11.5 px on screen, room for a scroll bar that narrows the canvas) unless the columns are too tall even then. */
  function layout(graph) {
    const width = container.clientWidth || 800;
    const height = container.clientHeight || 600;
    const placed = columns(graph, true).filter((column) => column.length);
    const gap = width < 600 ? 50 : 70;
    let made = null;
    for (const scale of SCALES) {
      const room = (width - PAD) / scale;
      const text = Math.round(Math.max(96, Math.min(250, (room - (placed.length - 1) * gap) / Math.max(1, placed.length) - EXTRA)));
      made = columnsAt(graph, placed, text, gap, width, height);
      made.fits = made.tallest * scale <= height - PAD;
      if (made.fits) break;
    }
    return made;
  }

  function columnsAt(graph, placed, text, gap, width, height) {
    const positions = new Map();
    const labels = new Map();
    const heights = placed.map((column) => column.map((id) => {
      const lines = labelLines(id, graph.nodes.get(id), text);
      labels.set(id, lines.join("\n"));
      return lines.length * LINE + BOX;
    }));
    const totals = heights.map((column) => column.reduce((sum, h) => sum + h + GAP, -GAP));
    const tallest = Math.max(...totals, 1);
    // Spread the columns so the drawing takes the canvas's shape, within limits.
    const drawn = text + EXTRA;
    const spread = Math.min(360, Math.max(gap, (tallest * (width - PAD) / (height - PAD) - placed.length * drawn) / Math.max(1, placed.length - 1)));
    const middle = (placed.length - 1) / 2;
    placed.forEach((column, index) => {
      const x = (index - middle) * (drawn + spread);
      let y = -totals[index] / 2;
      column.forEach((id, row) => {
        const h = heights[index][row];
        positions.set(id, { x, y: y + h / 2 });
        y += h + GAP;
      });
    });
    return { positions, labels, boxWidth: text + MARGINS, tallest };
  }

  // -- drawing ----------------------------------------------------------------------------------------------
  function tip(text) {
    return el("div", { class: "tip" }, text);
  }

  function draw(graph) {
    const { positions, labels, boxWidth } = layout(graph);
    const drawnNodes = [];
    for (const [id, info] of graph.nodes) {
      if (!positions.has(id)) continue;
      const kind = kinds.get(kindOf(id));
      const grouped = isGroup(id);
      drawnNodes.push({
        id, label: labels.get(id), x: positions.get(id).x, y: positions.get(id).y, fixed: true,
        widthConstraint: { minimum: boxWidth },  // no maximum: the lines above are the wrapping
        color: { background: kind.fill, border: kind.border, highlight: { background: "#ffffff", border: "#1a1a1a" }, hover: { background: "#ffffff", border: kind.border } },
        borderWidth: grouped ? 2 : 1.5, borderWidthSelected: 3,
        shapeProperties: { borderDashes: grouped ? [6, 3] : false, borderRadius: 4 },
        title: tip(titleOf(id) + ": " + counts(info) + (grouped ? ". Click to open it." : ". Click for its studies and findings.")),
      });
    }
    const pairs = new Map();
    for (const line of graph.edges.values()) {
      if (!positions.has(line.from) || !positions.has(line.to)) continue;
      const pair = line.from + "\n" + line.to;
      pairs.set(pair, (pairs.get(pair) || []).concat([line]));
    }
    const drawnEdges = [];
    for (const lines of pairs.values()) {
      lines.sort((a, b) => effectOrder.indexOf(a.effect) - effectOrder.indexOf(b.effect));
      lines.forEach((line, position) => {
        const bend = lines.length > 1 ? (position - (lines.length - 1) / 2) * 0.18 : 0;
        const smooth = bend ? { enabled: true, type: bend > 0 ? "curvedCW" : "curvedCCW", roundness: Math.abs(bend) } : false;
        if (line.effect === null) {
          drawnEdges.push({ id: line.id, from: line.from, to: line.to, width: 1 + 1.2 * Math.sqrt(line.studies.size), smooth,
            color: { color: "#a6a6a6", highlight: "#4d4d4d", hover: "#4d4d4d" },
            title: tip(concepts[line.from].label + " → " + (labels.get(line.to) || "").split("\n")[0].slice(2) + ": " + plural(line.studies.size, "study", "studies")) });
          return;
        }
        const effect = effects.get(line.effect);
        drawnEdges.push({
          id: line.id, from: line.from, to: line.to, width: 1.5 + 2 * Math.sqrt(line.studies.size), smooth,
          dashes: effect.dashes.length ? effect.dashes : false,
          color: { color: effect.colour, highlight: effect.colour, hover: effect.colour },
          shadow: effect.name === "unclear-effect" ? { enabled: true, color: "#4d4d4d", size: 3, x: 0, y: 0 } : false,
          title: tip(plural(line.findings.size, "finding") + " from " + plural(line.studies.size, "study", "studies") + ", " +
            effect.label + ". Click for them."),
        });
      });
    }
    nodes.clear();
    edges.clear();
    nodes.add(drawnNodes);
    edges.add(drawnEdges);
  }

  /* Everything drawn in view, as large as fits (vis-network's own fit leaves a wide margin); unless the
     reader asks for the whole (`all`), never so small that labels fall under 11 px: a drawing too tall for
     that is panned instead. */
  function fit(all) {
    state.moved = false;
    const ids = nodes.getIds();
    if (!ids.length) return;
    let left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    for (const id of ids) {
      const box = network.getBoundingBox(id);
      left = Math.min(left, box.left);
      right = Math.max(right, box.right);
      top = Math.min(top, box.top);
      bottom = Math.max(bottom, box.bottom);
    }
    const whole = Math.min(MAX_SCALE, (container.clientWidth - PAD) / (right - left), (container.clientHeight - PAD) / (bottom - top));
    const scale = all === true ? whole : Math.max(whole, SCALES[SCALES.length - 1]);
    network.moveTo({ position: { x: (left + right) / 2, y: (top + bottom) / 2 }, scale, animation: false });
  }

  // -- legend, counts, list ------------------------------------------------------------------------------------
  function legend(graph) {
    const list = document.getElementById("legend-kinds");
    list.replaceChildren();
    // Kinds drawn on the canvas, each with the concepts of that kind it stands for (a closed group's members too).
    const shown = new Map();
    for (const id of nodes.getIds()) {
      const kind = kindOf(id);
      if (!shown.has(kind)) shown.set(kind, new Set());
      for (const member of groups.has(id) ? graph.nodes.get(id).members : [id]) shown.get(kind).add(member);
    }
    for (const kind of data.kinds) {
      if (!shown.has(kind.kind)) continue;
      const item = el("li", { "data-kind": kind.kind, "data-count": String(shown.get(kind.kind).size) });
      const glyph = el("span", { class: "glyph swatch-box", "aria-hidden": "true" }, kind.glyph);
      glyph.style.backgroundColor = kind.fill;
      glyph.style.borderColor = kind.border;
      item.append(glyph, " " + kind.label + " (" + shown.get(kind.kind).size + ")");
      list.appendChild(item);
    }
    const byEffect = new Map();
    for (const id of graph.findings) byEffect.set(data.findings[id].effect, (byEffect.get(data.findings[id].effect) || 0) + 1);
    effectLegend(document.getElementById("legend-effects"), data.effects, byEffect, data.not_derived);
    for (const item of document.querySelectorAll("#legend-effects li")) {
      const sample = el("span", { class: "line-sample", "aria-hidden": "true" });
      const effect = effects.get(item.dataset.effect);
      sample.style.borderTopColor = effect.colour;
      sample.style.borderTopStyle = effect.dashes.length ? (effect.dashes[0] <= 3 ? "dotted" : "dashed") : "solid";
      item.prepend(sample);
    }
  }

  function describeShown(graph) {
    const described = filters.describe(state.filters);
    const total = Object.keys(data.studies).length;
    document.getElementById("visible-count").textContent = (described ? "Filtered: " : "") +
      graph.studies.length + " of " + plural(total, "study", "studies") + ", " + plural(graph.findings.size, "finding") +
      (described ? " (" + described + ")" : "");
    document.querySelector("header .subtitle").textContent = "Themes → what the studies examined → outcomes · " +
      (described ? "filtered: " + described : "all " + total + " studies, " + Object.keys(data.findings).length + " findings");
    const empty = document.getElementById("empty");
    empty.hidden = graph.nodes.size > 0;
    empty.textContent = graph.nodes.size ? "" : "No study matches these filters" + (described ? " (" + described + ")" : "") +
      ". Widen them: choose “any” in a filter, stretch the years, or press “Show all studies”.";
  }

  function listItem(id, info) {
    const kind = kinds.get(kindOf(id));
    const grouped = isGroup(id);
    const button = el("button", { type: "button", "data-id": id, "aria-current": state.selected === id ? "true" : "false" });
    if (grouped) button.setAttribute("aria-expanded", "false");
    button.append(el("span", { class: "glyph", "aria-hidden": "true" }, kind.glyph), el("span", {}, titleOf(id)),
      el("span", { class: "count" }, plural(info.studies.size, "study", "studies")));
    button.addEventListener("click", () => select(id, true));
    return el("li").appendChild(button).parentNode;
  }

  function renderList(graph) {
    const holder = document.getElementById("node-list");
    holder.replaceChildren();
    const names = ["Themes of the review", "What the studies examined", "Outcomes"];
    columns(graph).forEach((column, index) => {
      holder.appendChild(el("h3", {}, names[index] + " (" + column.length + ")"));
      const list = el("ul", { class: "node-list" });
      for (const id of column) list.appendChild(listItem(id, graph.nodes.get(id)));
      holder.appendChild(list);
    });
    const open = [...state.open].filter((id) => groups.has(id) || familyOrder.has(id));
    if (open.length) {
      holder.appendChild(el("h3", {}, "Opened groups"));
      const list = el("ul", { class: "node-list" });
      for (const id of open) {
        const button = el("button", { type: "button", "aria-expanded": "true", "data-id": id }, "Close " + (groups.has(id) ? groups.get(id).label : concepts[id].label).toLowerCase());
        button.addEventListener("click", () => toggle(id));
        list.appendChild(el("li").appendChild(button).parentNode);
      }
      holder.appendChild(list);
    }
  }

  function renderUndrawn() {
    const holder = document.getElementById("undrawn");
    for (const part of data.undrawn) {
      const block = el("details", { class: "undrawn-kind" });
      block.appendChild(el("summary", {}, part.label + " (" + part.ids.length + ")"));
      block.appendChild(el("p", { class: "hint" }, part.why));
      const list = el("ul", { class: "links" });
      for (const id of part.ids) {
        const button = el("button", { type: "button", class: "link", "data-id": id }, concepts[id].label);
        button.addEventListener("click", () => select(id, true));
        list.appendChild(el("li").appendChild(button).parentNode);
      }
      block.appendChild(list);
      holder.appendChild(block);
    }
  }

  // -- details panel ---------------------------------------------------------------------------------------------
  const panel = document.getElementById("details");
  const panelBody = document.getElementById("details-body");
  const listSection = document.getElementById("node-list-section");

  function heading(text, kindLabel) {
    panelBody.replaceChildren();
    if (kindLabel) panelBody.appendChild(el("p", { class: "kind" }, kindLabel));
    const h = el("h2", { id: "details-heading", tabindex: "-1" }, text);
    panelBody.appendChild(h);
    return h;
  }

  function studyButton(studyId) {
    const study = data.studies[studyId];
    const button = el("button", { type: "button", class: "link", "data-target": studyId }, study.label);
    button.addEventListener("click", () => select(studyId, true));
    return button;
  }

  /* Findings listed under each of their studies. */
  function findingsByStudy(findingIds) {
    const byStudy = new Map();
    for (const id of findingIds) {
      const study = data.findings[id].study;
      byStudy.set(study, (byStudy.get(study) || []).concat([id]));
    }
    const list = el("ol", { class: "studies", id: "details-studies" });
    for (const studyId of [...byStudy.keys()].sort((a, b) => data.studies[a].label.localeCompare(data.studies[b].label))) {
      const item = el("li", { "data-study": studyId });
      item.appendChild(el("h3", {}).appendChild(studyButton(studyId)).parentNode);
      const found = el("ul", { class: "findings" });
      for (const id of byStudy.get(studyId).sort()) found.appendChild(findingBlock(data.findings[id], effects)).dataset.id = id;
      item.appendChild(found);
      list.appendChild(item);
    }
    return list;
  }

  function effectSummary(findingIds) {
    const byEffect = new Map();
    for (const id of findingIds) byEffect.set(data.findings[id].effect, (byEffect.get(data.findings[id].effect) || 0) + 1);
    const list = el("ul", { class: "legend effect-summary" });
    for (const name of effectOrder) {
      if (!byEffect.has(name)) continue;
      const item = el("li");
      item.append(effectBadge(effects.get(name)), " " + byEffect.get(name));
      list.appendChild(item);
    }
    return list;
  }

  /* How many studies examine a strategy, and which of them report no finding on it (their findings name
     another strategy they examine): the catalogue counts the first, the boxes and the gap map the second. */
  function examinedNote(id, info) {
    const entry = concepts[id];
    const examining = entry.examined.filter((studyId) => filters.matches(data.studies[studyId], state.filters));
    const withFindings = info ? info.studies : new Set();
    const without = examining.filter((studyId) => !withFindings.has(studyId));
    const note = el("p", { class: "examined", "data-examined": String(examining.length) },
      plural(examining.length, "study examines", "studies examine") + " " + entry.label + "; " +
      plural(withFindings.size, "study reports", "studies report") + " findings on it, and the box counts those.");
    if (without.length) {
      note.append(" " + without.map((studyId) => data.studies[studyId].label).join(", ") + (without.length === 1 ? " examines" : " examine") +
        " it too, but " + (without.length === 1 ? "its findings name" : "their findings name") + " another strategy.");
    }
    return note;
  }

  function showConcept(id) {
    const graph = state.graph;
    const info = graph.nodes.get(id);
    const kind = kinds.get(kindOf(id));
    const entry = concepts[id];
    const h = heading(groups.has(id) ? groups.get(id).label : entry.label, groups.has(id) ? "group" : (kind ? kind.one : entry.kind.replace("-", " ")));
    if (entry && entry.definition) panelBody.appendChild(el("p", { class: "definition" }, entry.definition));
    if (entry && entry.polarity) panelBody.appendChild(el("p", {}, "For recovery: " + entry.polarity + "."));
    if (entry && entry.groups && entry.groups.length) panelBody.appendChild(el("p", {}, "Classified as: " + entry.groups.join(", ") + "."));
    if (entry && entry.capital && entry.capital.length) panelBody.appendChild(el("p", {}, "Builds: " + entry.capital.join(", ") + "."));
    if (entry && entry.examined) panelBody.appendChild(examinedNote(id, info));
    if (entry && entry.gap) panelBody.appendChild(el("p").appendChild(el("a", { href: entry.gap }, "See " + entry.label + " on the evidence-and-gap map")).parentNode);
    if (!info) {
      const elsewhere = data.undrawn.find((part) => part.ids.includes(id));
      panelBody.appendChild(el("p", { class: "hint" }, elsewhere ? elsewhere.why : "Not drawn with the current filters."));
      if (entry && entry.kind === "population" && data.facets.population.some((pair) => pair[0] === id)) {
        const button = el("button", { type: "button" }, "Show the studies of this population");
        button.addEventListener("click", () => {
          filters.set({ ...state.filters, population: id });
          update(true);
        });
        panelBody.appendChild(button);
      }
      return h;
    }
    panelBody.appendChild(el("p", { class: "cell-summary" }, counts(info) + (filters.describe(state.filters) ? " under the current filters." : ".")));
    panelBody.appendChild(effectSummary(info.findings));
    panelBody.appendChild(findingsByStudy(info.findings));
    return h;
  }

  function showEdge(id) {
    const line = state.graph.edges.get(id);
    const from = concepts[line.from] ? concepts[line.from].label : groups.get(line.from).label;
    const to = concepts[line.to] ? concepts[line.to].label : groups.get(line.to).label;
    const h = heading(from + " → " + to, line.effect ? "findings, " + effects.get(line.effect).label : "studies under a theme");
    panelBody.appendChild(el("p", {}, (line.effect ? plural(line.findings.size, "finding") + " from " : "") + plural(line.studies.size, "study", "studies") + "."));
    if (line.effect) {
      panelBody.appendChild(findingsByStudy(line.findings));
    } else {
      const list = el("ul", { class: "links" });
      for (const studyId of [...line.studies].sort()) list.appendChild(el("li").appendChild(studyButton(studyId)).parentNode);
      panelBody.appendChild(list);
    }
    return h;
  }

  function showStudy(id, focusFinding) {
    const study = data.studies[id];
    const h = heading(study.label, "study");
    panelBody.appendChild(citationBlock(study));
    const facts = studyFacts(study);
    if (study.theme_node) facts.append(el("dt", {}, "theme"), el("dd", {}, concepts[study.theme_node].label));
    panelBody.appendChild(facts);
    panelBody.appendChild(el("h3", {}, "Findings (" + study.findings.length + ")"));
    const list = el("ol", { id: "details-findings", class: "findings" });
    for (const findingId of study.findings) {
      const item = findingBlock(data.findings[findingId], effects);
      item.dataset.id = findingId;
      if (findingId === focusFinding) item.classList.add("focused");
      list.appendChild(item);
    }
    panelBody.appendChild(list);
    if (!filters.matches(study, state.filters)) panelBody.appendChild(el("p", { class: "hint" }, "This study is outside the current filters, so the graph does not draw it."));
    return h;
  }

  /* Nodes and lines a study's findings (or one finding) run through, as drawn now. */
  function highlight(findingIds) {
    const graph = state.graph;
    const nodeIds = new Set();
    const edgeIds = [];
    for (const id of findingIds) {
      const finding = data.findings[id];
      const study = data.studies[finding.study];
      const outcome = finding.outcome ? shownAs(finding.outcome) : null;
      for (const exposure of new Set(finding.about.map(shownAs).filter(Boolean))) {
        for (const key of ["t\n" + study.theme_node + "\n" + exposure, "e\n" + exposure + "\n" + outcome + "\n" + finding.effect]) {
          if (graph.edges.has(key)) edgeIds.push(key);
        }
        nodeIds.add(exposure);
        if (outcome) nodeIds.add(outcome);
        if (study.theme_node) nodeIds.add(study.theme_node);
      }
    }
    network.setSelection({ nodes: [...nodeIds].filter((id) => nodes.get(id)), edges: edgeIds.filter((id) => edges.get(id)) },
      { unselectAll: true, highlightEdges: false });
  }

  // -- choosing --------------------------------------------------------------------------------------------
  function toggle(id) {
    if (state.open.has(id)) state.open.delete(id);
    else state.open.add(id);
    state.explicitOpen = true;
    if (state.selected === id) state.selected = null;
    update(true);
  }

  /* Select a node, study, finding, group or line by id; `remember` adds a history entry. */
  function select(id, remember) {
    const entry = concepts[id];
    if (isGroup(id)) {
      if (!state.open.has(id)) {
        state.open.add(id);
        state.explicitOpen = true;
        state.selected = null;
        update(remember);
        return;
      }
    }
    if (entry && entry.layer !== undefined && entry.layer > 0 && !state.open.has(entry.group)) {
      state.open.add(entry.group);  // a member of a closed group: open it so the node is drawn
      state.explicitOpen = true;
    }
    state.selected = id;
    update(remember, true);
  }

  function showSelected(focusPanel) {
    const id = state.selected;
    const graph = state.graph;
    let h = null;
    network.unselectAll();
    if (!id) {
      closePanel(panel);
      listSection.hidden = false;
      return;
    }
    if (data.studies[id]) {
      h = showStudy(id);
      highlight(data.studies[id].findings);
    } else if (data.findings[id]) {
      h = showStudy(data.findings[id].study, id);
      highlight([id]);
      const focused = panelBody.querySelector("li.focused");
      if (focused) setTimeout(() => focused.scrollIntoView({ block: "nearest" }), 0);
    } else if (graph.edges.has(id)) {
      h = showEdge(id);
      if (edges.get(id)) network.setSelection({ nodes: [], edges: [id] }, { highlightEdges: false });
    } else if (concepts[id] || groups.has(id)) {
      h = showConcept(id);
      if (nodes.get(id)) {
        network.selectNodes([id]);
        network.focus(id, { scale: network.getScale(), animation: false });
      }
    } else {
      h = heading("Not in this graph", "");
      panelBody.appendChild(el("p", {}, "The address names something this graph does not hold: " + id));
    }
    listSection.hidden = !narrow();
    openPanel(panel, focusPanel ? h : null);
    // On a phone the panel is a sheet over the lower half: bring the graph to the top, above it.
    if (narrow() && focusPanel) container.parentElement.scrollIntoView({ block: "start" });
  }

  wireClose(document.getElementById("details-close"), panel, () => {
    const back = state.selected;
    state.selected = null;
    update(true);
    return back;
  });

  // vis-network rescales the view when the canvas changes size (the page around it fills in, the sheet
  // opens, the window turns): fit again, at the chosen node.
  // It tells of the new size before it rescales, so the fit waits for that; a view the reader has moved stays.
  network.on("zoom", () => { state.moved = true; });
  network.on("dragEnd", () => { state.moved = true; });
  network.on("resize", () => setTimeout(() => {
    if (state.moved) return;
    fit();
    if (state.selected && nodes.get(state.selected)) network.focus(state.selected, { scale: network.getScale(), animation: false });
  }, 0));

  network.on("click", (params) => {
    if (params.nodes.length) {
      const id = params.nodes[0];
      if (isGroup(id)) toggle(id);
      else select(id, true);
    } else if (params.edges.length) {
      state.selected = params.edges[0];
      update(true, true);
    }
  });

  // -- search ----------------------------------------------------------------------------------------------------
  const searchItems = [];
  for (const [id, entry] of Object.entries(concepts)) {
    const kind = kinds.get(entry.kind);
    searchItems.push({ id, kind: entry.kind, kindLabel: kind ? kind.one : entry.kind.replace("-", " "),
                       label: entry.label, rank: 0, weight: entry.studies });
  }
  for (const [id, study] of Object.entries(data.studies)) {
    searchItems.push({ id, kind: "study", kindLabel: "study", label: study.label, rank: 1,
      extra: [study.authors.join(" "), study.year, study.title, study.key].join(" ") });
  }
  for (const [id, finding] of Object.entries(data.findings)) {
    searchItems.push({ id, kind: "finding", kindLabel: "finding of " + data.studies[finding.study].label, label: finding.statement, rank: 2 });
  }
  const search = makeSearch({
    input: document.getElementById("search"), button: document.getElementById("search-go"),
    list: document.getElementById("suggestions"), status: document.getElementById("search-status"),
  }, searchItems, (item) => select(item.id, true));

  // -- filters, address, updates ------------------------------------------------------------------------------
  const filters = makeFilters(document.getElementById("filter-controls"), data, () => update(true));
  if (narrow()) document.getElementById("filter-box").open = false;  // on a phone the graph comes first
  document.getElementById("filter-reset").addEventListener("click", () => {
    filters.reset();
    update(true);
  });
  document.getElementById("fit").addEventListener("click", () => fit(true));
  document.getElementById("open-all").addEventListener("click", () => {
    for (const group of data.groups) state.open.add(group.id);
    for (const family of data.families) state.open.add(family);
    state.explicitOpen = true;
    update(true);
  });

  function update(remember, focusPanel) {
    state.filters = filters.values();
    state.graph = aggregate();
    // Unless the reader chose, groups open by default only while the drawing stays readable on this screen
    // (the largest first), but never the group of the node the address names.
    const keep = state.selected && concepts[state.selected] ? concepts[state.selected].group : null;
    const closable = [...state.open].filter((id) => id !== keep);
    while (!state.explicitOpen && closable.length && !layout(state.graph).fits) {
      state.open.delete(closable.shift());
      state.graph = aggregate();
    }
    draw(state.graph);
    legend(state.graph);
    describeShown(state.graph);
    renderList(state.graph);
    fit();  // once the page around the canvas is filled in: a scroll bar it brings narrows the canvas
    showSelected(focusPanel);
    if (remember) {
      writeHash({ node: state.selected || "", ...state.filters,
                  open: state.explicitOpen ? ([...state.open].sort().join(" ") || "-") : "" }, HASH_KEYS);
    }
  }

  function fromHash() {
    const wanted = readHash();
    filters.set(wanted);
    if (wanted.open) {
      state.open = new Set(wanted.open === "-" ? [] : wanted.open.split(" ").filter((id) => groups.has(id) || familyOrder.has(id)));
      state.explicitOpen = true;
    } else {
      state.open = defaultOpen();
      state.explicitOpen = false;
    }
    state.selected = wanted.node || null;
    const entry = state.selected ? concepts[state.selected] : null;
    if (entry && entry.layer > 0 && !state.open.has(entry.group)) state.open.add(entry.group);
    update(false);
  }

  renderUndrawn();
  network.once("afterDrawing", () => {
    state.ready = true;
    state.readyAt = performance.now();
  });
  window.addEventListener("popstate", fromHash);
  window.addEventListener("hashchange", fromHash);
  fromHash();

  window.sskg = {
    data, network, nodes, edges, state, select, update, search, filters,
    visibleIds: () => nodes.getIds(),
  };
})();
