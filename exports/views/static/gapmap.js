/* The evidence-and-gap map: support strategies × outcome families or recovery-capital kinds. Each
   cell's square has the area of its number of studies and is split by its findings' effect on
   recovery; the filters, the column mode and the chosen cell live in the address. */
"use strict";
(function () {
  const { el, plural, readHash, writeHash, makeFilters, effectBadge, effectLegend, citationBlock, findingBlock,
          csv, download, fileSlug, openPanel, closePanel, wireClose, nodeHref, readData } = window.sskgViews;
  const data = readData("sskg-data");
  const effects = new Map(data.effects.map((effect) => [effect.name, effect]));
  const effectOrder = [...data.effects.map((effect) => effect.name), data.not_derived.name];
  const rows = new Map(data.rows.map((row) => [row.id, row]));
  const groupNames = new Map(data.groups);
  const HASH_KEYS = ["mode", "theme", "support", "population", "design", "country", "from", "to", "row", "col"];
  const MAX_SIDE = 44;  // px: the side of the square of the fullest cell
  const state = { ready: false, readyAt: null, mode: data.modes[0].name, filters: {}, cell: null };
  const table = document.getElementById("gap-table");
  const panel = document.getElementById("cell-panel");
  const panelBody = document.getElementById("cell-body");
  const totals = document.getElementById("gap-totals");
  const empty = document.getElementById("gap-empty");
  effects.set(data.not_derived.name, data.not_derived);

  const filters = makeFilters(document.getElementById("filter-controls"), data, () => update(true));
  if (window.matchMedia("(max-width: 760px)").matches) {
    // On a phone the map comes first: filters and the note open on demand.
    document.getElementById("filter-box").open = false;
    document.getElementById("how-to-read").open = false;
  }

  function mode() {
    return data.modes.find((item) => item.name === state.mode);
  }

  /* cell key → the findings in it, of studies that pass the filters, for one mode */
  function cellsOf(modeName, chosen) {
    const cells = new Map();
    for (const [id, finding] of Object.entries(data.findings)) {
      if (chosen && !filters.matches(data.studies[finding.study], chosen)) continue;
      for (const [row, column] of finding.cells[modeName] || []) {
        const key = row + "\n" + column;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(id);
      }
    }
    return cells;
  }

  const fullest = new Map(data.modes.map((item) => {
    let most = 1;
    for (const ids of cellsOf(item.name, null).values()) most = Math.max(most, studiesOf(ids).length);
    return [item.name, most];
  }));

  function studiesOf(ids) {
    return [...new Set(ids.map((id) => data.findings[id].study))].sort();
  }

  function effectCounts(ids) {
    const counts = new Map();
    for (const id of ids) counts.set(data.findings[id].effect, (counts.get(data.findings[id].effect) || 0) + 1);
    return effectOrder.filter((name) => counts.has(name)).map((name) => [effects.get(name), counts.get(name)]);
  }

  function linked(row, column) {
    return state.mode !== "capital" || row.capital.includes(column.id);
  }

  function side(studies) {
    return Math.max(10, Math.round(MAX_SIDE * Math.sqrt(studies / fullest.get(state.mode))));
  }

  function mark(studies, counts) {
    const square = el("span", { class: "mark", "aria-hidden": "true" });
    square.style.width = square.style.height = side(studies) + "px";
    for (const [effect, count] of counts) {
      const stripe = el("span", { class: "stripe", "data-effect": effect.name });
      stripe.style.flexGrow = String(count);
      stripe.style.backgroundColor = effect.colour;
      square.appendChild(stripe);
    }
    return square;
  }

  function cellLabel(row, column, studies, ids) {
    if (!linked(row, column)) return row.label + " × " + column.label + ": the review does not link this strategy to this kind of capital";
    if (!studies.length) return row.label + " × " + column.label + ": no study, an evidence gap";
    const parts = effectCounts(ids).map(([effect, count]) => count + " " + effect.label);
    return row.label + " × " + column.label + ": " + plural(studies.length, "study", "studies") + ", " +
      plural(ids.length, "finding") + " (" + parts.join(", ") + ")";
  }

  function cell(row, column, cells) {
    const ids = cells.get(row.id + "\n" + column.id) || [];
    const studies = studiesOf(ids);
    const counts = effectCounts(ids);
    const td = el("td", { "data-row": row.id, "data-col": column.id, "data-label": column.label,
      "data-studies": String(studies.length), "data-findings": String(ids.length),
      "data-effects": counts.map(([effect, count]) => effect.name + ":" + count).join(",") });
    const button = el("button", { type: "button", class: "cell-button", "data-column": column.label,
      "aria-label": cellLabel(row, column, studies, ids) });
    if (!linked(row, column)) {
      td.classList.add("not-linked");
      button.appendChild(el("span", { class: "gap-text" }, "not linked"));
    } else if (!studies.length) {
      td.classList.add("gap");
      button.appendChild(el("span", { class: "gap-text" }, "no study"));
    } else {
      button.appendChild(mark(studies.length, counts));
      const text = el("span", { class: "cell-text", "aria-hidden": "true" });
      text.appendChild(el("span", { class: "count" }, plural(studies.length, "study", "studies")));
      text.appendChild(el("span", { class: "effect-counts" }, counts.map(([effect, count]) => effect.glyph + count).join(" ")));
      button.appendChild(text);
    }
    button.addEventListener("click", () => choose(row.id, column.id));
    td.appendChild(button);
    if (state.cell && state.cell[0] === row.id && state.cell[1] === column.id) td.classList.add("chosen");
    return td;
  }

  function rowHeader(row, group, cells) {
    const th = el("th", { scope: "row" });
    th.appendChild(el("a", { href: nodeHref(data.overview, row.id) }, row.label));
    // The catalogue counts the studies that examine a strategy; a cell, those with findings on it.
    const examining = row.examined.filter((studyId) => filters.matches(data.studies[studyId], state.filters));
    const reporting = new Set(mode().columns.flatMap((column) => studiesOf(cells.get(row.id + "\n" + column.id) || [])));
    if (state.mode === data.modes[0].name && examining.length > reporting.size) {
      th.appendChild(el("span", { class: "row-note examined", "data-examined": String(examining.length) },
        plural(examining.length, "study examines", "studies examine") + " it; the findings of " + reporting.size + " are on it"));
    }
    const others = row.groups.filter((other) => other !== group);
    if (others.length) {
      th.appendChild(el("span", { class: "row-note" }, "also under " + others.map((other) => groupNames.get(other).toLowerCase()).join(", ") + "; counted once in the totals"));
    }
    if (state.mode === "capital" && !row.capital.length) {
      th.appendChild(el("span", { class: "row-note" }, "the review links it to no kind of capital"));
    }
    return th;
  }

  function render(cells) {
    const current = mode();
    table.replaceChildren();
    table.appendChild(el("caption", { class: "offscreen" }, "Support strategies by " + current.label.toLowerCase()));
    const head = el("thead");
    const headRow = el("tr");
    headRow.appendChild(el("th", { scope: "col" }, "Strategy"));
    for (const column of current.columns) headRow.appendChild(el("th", { scope: "col" }, column.label));
    head.appendChild(headRow);
    table.appendChild(head);
    for (const [group, groupLabel] of data.groups) {
      const members = data.rows.filter((row) => row.groups.includes(group));
      if (!members.length) continue;
      const body = el("tbody", { "data-group": group });
      const title = el("tr", { class: "group" });
      title.appendChild(el("th", { colspan: String(current.columns.length + 1), scope: "rowgroup" }, groupLabel));
      body.appendChild(title);
      for (const row of members) {
        const tr = el("tr", { "data-row": row.id });
        tr.appendChild(rowHeader(row, group, cells));
        for (const column of current.columns) tr.appendChild(cell(row, column, cells));
        body.appendChild(tr);
      }
      table.appendChild(body);
    }
  }

  /* Totals over distinct strategies, studies and findings: a strategy in two groups counts once. */
  function summarise(cells, chosen) {
    const current = mode();
    const studies = new Set();
    const findings = new Set();
    const strategies = new Set();
    let filled = 0;
    let gaps = 0;
    for (const row of data.rows) {
      for (const column of current.columns) {
        if (!linked(row, column)) continue;
        const ids = cells.get(row.id + "\n" + column.id) || [];
        if (!ids.length) {
          gaps += 1;
          continue;
        }
        filled += 1;
        strategies.add(row.id);
        for (const id of ids) {
          findings.add(id);
          studies.add(data.findings[id].study);
        }
      }
    }
    const described = filters.describe(chosen);
    totals.textContent = (described ? "Filtered (" + described + "): " : "All studies: ") +
      plural(studies.size, "study", "studies") + " report " + plural(findings.size, "finding") + " on " +
      strategies.size + " of " + data.rows.length + " strategies; they fill " + filled + " of " + (filled + gaps) +
      " cells, and " + plural(gaps, "cell is a gap", "cells are gaps") + " (no study).";
    document.querySelector("header .subtitle").textContent = "Support strategies × " + current.label.toLowerCase() +
      (described ? " · filtered: " + described : " · all studies");
    effectLegend(document.getElementById("gap-legend"), data.effects, effectTotals(findings), data.not_derived);
    const none = studies.size === 0 && described;
    empty.hidden = !none;
    empty.textContent = none ? "No study matches these filters (" + described + "). Widen them: choose “any” in a filter, " +
      "stretch the years, or press “Show all studies”." : "";
    return { studies, findings, filled, gaps };
  }

  function effectTotals(findings) {
    const counts = new Map();
    for (const id of findings) counts.set(data.findings[id].effect, (counts.get(data.findings[id].effect) || 0) + 1);
    return counts;
  }

  function sizeKey() {
    const holder = document.getElementById("gap-sizes");
    holder.replaceChildren();
    const most = fullest.get(state.mode);
    for (const count of [...new Set([1, Math.ceil(most / 2), most])]) {
      const item = el("span", { class: "size" });
      const square = el("span", { class: "mark key", "aria-hidden": "true" });
      square.style.width = square.style.height = side(count) + "px";
      item.append(square, " " + plural(count, "study", "studies"));
      holder.appendChild(item);
    }
  }

  // -- the chosen cell -------------------------------------------------------------------------------
  function showCell(cells) {
    if (!state.cell) {
      closePanel(panel);
      return;
    }
    const [rowId, columnId] = state.cell;
    const row = rows.get(rowId);
    const column = mode().columns.find((item) => item.id === columnId);
    if (!row || !column) {
      state.cell = null;
      closePanel(panel);
      return;
    }
    const ids = cells.get(rowId + "\n" + columnId) || [];
    const studies = studiesOf(ids);
    panelBody.replaceChildren();
    const heading = el("h2", { id: "cell-heading", tabindex: "-1" }, row.label + " × " + column.label);
    panelBody.appendChild(heading);
    const described = filters.describe(state.filters);
    if (!linked(row, column)) {
      panelBody.appendChild(el("p", {}, "The review does not say that " + row.label + " builds " + column.label + ", so this cell holds no evidence by design."));
    } else if (!studies.length) {
      panelBody.appendChild(el("p", { class: "gap-note" }, "No study in this cell: an evidence gap" + (described ? " under the current filters (" + described + ")." : ".")));
      if (row.examined.length) {
        panelBody.appendChild(el("p", {}, plural(row.examined.length, "study examines", "studies examine") + " " + row.label + " without a finding on this column."));
      }
    } else {
      panelBody.appendChild(el("p", { class: "cell-summary" }, plural(studies.length, "study", "studies") + ", " + plural(ids.length, "finding") +
        (described ? " (filtered: " + described + ")" : "") + "."));
      const save = el("button", { type: "button", id: "cell-download" }, "Download this cell as CSV");
      save.addEventListener("click", () => download(fileSlug(row.label + "-" + column.label) + ".csv", csvOf(new Map([[rowId + "\n" + columnId, ids]]))));
      panelBody.appendChild(save);
      const list = el("ol", { id: "cell-studies", class: "studies" });
      for (const studyId of studies) {
        const study = data.studies[studyId];
        const item = el("li", { "data-study": studyId, "data-key": study.key });
        item.appendChild(el("h3", {}, study.label));
        item.appendChild(citationBlock(study));
        item.appendChild(el("a", { href: nodeHref(data.overview, studyId), class: "into-graph" }, "Show " + study.label + " in the evidence graph"));
        const found = el("ul", { class: "findings" });
        for (const id of ids.filter((finding) => data.findings[finding].study === studyId)) {
          const entry = findingBlock(data.findings[id], effects);
          entry.dataset.id = id;
          found.appendChild(entry);
        }
        item.appendChild(found);
        list.appendChild(item);
      }
      panelBody.appendChild(list);
    }
    openPanel(panel, state.focusPanel ? heading : null);
    state.focusPanel = false;
  }

  function choose(rowId, columnId) {
    state.cell = [rowId, columnId];
    state.focusPanel = true;
    update(true);
  }

  wireClose(document.getElementById("cell-close"), panel, () => {
    state.cell = null;
    update(true);
    return null;
  });

  // -- CSV: one row per finding and cell; a strategy in two groups is one row with both groups ---------
  const CSV_HEADER = ["strategy", "strategy_groups", "column", "study_key", "study", "year", "citation", "finding",
                      "effect_on_recovery", "effect_basis", "direction_found", "outcome", "numbers", "where_stated"];

  function csvOf(cells) {
    const current = mode();
    const lines = [];
    for (const row of data.rows) {
      for (const column of current.columns) {
        for (const id of cells.get(row.id + "\n" + column.id) || []) {
          const finding = data.findings[id];
          const study = data.studies[finding.study];
          lines.push([row.label, row.groups.map((group) => groupNames.get(group)).join("; "), column.label, study.key,
            study.label, study.year, study.citation, finding.statement, effects.get(finding.effect).label,
            finding.reading ? "curators' reading" : "stated in the review", finding.direction,
            finding.outcome_label, finding.estimates.join("; "), finding.places.join(" | ")]);
        }
      }
    }
    return csv(CSV_HEADER, lines);
  }

  document.getElementById("gap-download").addEventListener("click", () => {
    const described = filters.describe(state.filters);
    download("gap-map-" + state.mode + (described ? "-filtered" : "") + ".csv", csvOf(cellsOf(state.mode, state.filters)));
  });
  document.getElementById("filter-reset").addEventListener("click", () => {
    filters.reset();
    update(true);
  });

  // -- mode, address and updates --------------------------------------------------------------------------
  const modes = document.getElementById("gap-modes");
  for (const item of data.modes) {
    const label = el("label");
    const input = el("input", { type: "radio", name: "gap-mode", value: item.name });
    input.addEventListener("change", () => {
      state.mode = item.name;
      update(true);
    });
    label.append(input, " " + item.label);
    modes.appendChild(label);
  }

  function update(remember) {
    state.filters = filters.values();
    for (const input of modes.querySelectorAll("input")) input.checked = input.value === state.mode;
    const cells = cellsOf(state.mode, state.filters);
    render(cells);
    sizeKey();
    state.summary = summarise(cells, state.filters);
    showCell(cells);
    if (remember) {
      writeHash({ mode: state.mode === data.modes[0].name ? "" : state.mode, ...state.filters,
                  row: state.cell ? state.cell[0] : "", col: state.cell ? state.cell[1] : "" }, HASH_KEYS);
    }
  }

  function fromHash() {
    const wanted = readHash();
    state.mode = data.modes.some((item) => item.name === wanted.mode) ? wanted.mode : data.modes[0].name;
    filters.set(wanted);
    state.cell = wanted.row && wanted.col ? [wanted.row, wanted.col] : null;
    update(false);
  }

  window.addEventListener("popstate", fromHash);
  window.addEventListener("hashchange", fromHash);
  fromHash();
  state.ready = true;
  state.readyAt = performance.now();
  window.sskgGap = { data, state, update, choose, cellsOf, csvOf, filters };
})();
