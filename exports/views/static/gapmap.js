/* The evidence-and-gap map: strategies × outcome families or recovery-capital kinds, with the
   directions of the findings in each cell; a click lists the cell's studies. */
"use strict";
(function () {
  const { readData, el, nodeHref } = window.sskgViews;
  const data = readData("sskg-data");
  const directions = new Map(data.directions.map((direction) => [direction.id, direction]));
  const state = { ready: false, mode: data.modes[0].name, design: "", country: "" };
  const table = document.getElementById("gap-table");
  const panel = document.getElementById("cell-panel");

  function kept(entry) {
    const study = data.studies[entry.study];
    return (!state.design || study.design.includes(state.design)) && (!state.country || study.country.includes(state.country));
  }

  function entriesOf(rowId, columnId) {
    const byColumn = data.cells[state.mode][rowId] || {};
    return (byColumn[columnId] || []).filter(kept);
  }

  function directionCounts(entries) {
    const counts = new Map();
    for (const entry of entries) {
      for (const direction of entry.directions) counts.set(direction, (counts.get(direction) || 0) + 1);
    }
    return data.directions.filter((direction) => counts.has(direction.id)).map((direction) => [direction, counts.get(direction.id)]);
  }

  function bar(entries) {
    const counts = directionCounts(entries);
    const total = counts.reduce((sum, [, count]) => sum + count, 0);
    const element = el("div", { class: "bar" });
    for (const [direction, count] of counts) {
      const segment = el("span", { class: "segment", title: count + " " + direction.label, "data-direction": direction.id });
      segment.style.width = (100 * count / total) + "%";
      segment.style.backgroundColor = direction.colour;
      element.appendChild(segment);
    }
    return element;
  }

  function cell(row, column) {
    const entries = entriesOf(row.id, column.id);
    const td = el("td", { class: entries.length ? "cell" : "cell gap", tabindex: "0",
      "data-row": row.id, "data-col": column.id, "data-count": String(entries.length) });
    if (entries.length) {
      td.appendChild(el("span", { class: "count" }, entries.length + (entries.length === 1 ? " study" : " studies")));
      td.appendChild(bar(entries));
    } else {
      td.appendChild(el("span", { class: "gap-mark" }, "gap"));
    }
    const open = () => showCell(row, column);
    td.addEventListener("click", open);
    td.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    return td;
  }

  function render() {
    const mode = data.modes.find((item) => item.name === state.mode);
    table.replaceChildren();
    const head = el("thead");
    const headRow = el("tr");
    headRow.appendChild(el("th", { scope: "col" }, "Strategy"));
    for (const column of mode.columns) headRow.appendChild(el("th", { scope: "col" }, column.label));
    head.appendChild(headRow);
    table.appendChild(head);
    for (const [group, groupLabel] of data.groups) {
      const rows = data.rows.filter((row) => row.group === group);
      if (!rows.length) continue;
      const body = el("tbody", { "data-group": group });
      const title = el("tr", { class: "group" });
      title.appendChild(el("th", { colspan: String(mode.columns.length + 1), scope: "rowgroup" }, groupLabel));
      body.appendChild(title);
      for (const row of rows) {
        const tr = el("tr");
        const th = el("th", { scope: "row" });
        th.appendChild(el("a", { href: nodeHref(data.overview, row.id) }, row.label));
        tr.appendChild(th);
        for (const column of mode.columns) tr.appendChild(cell(row, column));
        body.appendChild(tr);
      }
      table.appendChild(body);
    }
  }

  function showCell(row, column) {
    const entries = entriesOf(row.id, column.id);
    panel.replaceChildren();
    panel.appendChild(el("h2", {}, row.label + " × " + column.label));
    if (!entries.length) {
      panel.appendChild(el("p", { class: "gap-note" }, "No study in this cell: an evidence gap" +
        (state.design || state.country ? " under the current filters." : ".")));
      return;
    }
    panel.appendChild(el("p", {}, entries.length + (entries.length === 1 ? " study" : " studies")));
    const list = el("ul", { id: "cell-studies" });
    for (const entry of entries) {
      const study = data.studies[entry.study];
      const item = el("li", { "data-study": entry.study, "data-key": study.key });
      item.appendChild(el("a", { href: nodeHref(data.overview, entry.study) }, study.label));
      item.appendChild(el("p", { class: "citation" }, study.citation));
      const summary = directionCounts([entry]).map(([direction, count]) => count + " " + direction.label).join(", ");
      item.appendChild(el("p", { class: "directions" }, summary ? "Findings: " + summary : "No findings in this cell."));
      list.appendChild(item);
    }
    panel.appendChild(list);
  }

  const modes = document.getElementById("gap-modes");
  for (const mode of data.modes) {
    const label = el("label");
    const input = el("input", { type: "radio", name: "gap-mode", value: mode.name });
    input.checked = mode.name === state.mode;
    input.addEventListener("change", () => { state.mode = mode.name; render(); });
    label.append(input, " " + mode.label);
    modes.appendChild(label);
  }
  for (const facet of ["design", "country"]) {
    const select = document.getElementById("gap-" + facet);
    for (const [value, label] of data.facets[facet]) select.appendChild(el("option", { value }, label));
    select.addEventListener("change", () => { state[facet] = select.value; render(); });
  }
  const legend = document.getElementById("gap-legend");
  for (const direction of data.directions) {
    const swatch = el("span", { class: "swatch" });
    swatch.style.backgroundColor = direction.colour;
    const item = el("li");
    item.append(swatch, " " + direction.label);
    legend.appendChild(item);
  }
  render();
  state.ready = true;
  window.sskgGap = { data, state, render, showCell };
})();
