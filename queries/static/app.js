/* The query page: YASGUI (vendored in /static/vendor) talking only to this server.
 * Completion comes from this graph's prefixes and ontology (never prefix.cc or LOV); the catalogue opens in tabs
 * with a form for the parameters a query declares; the query is checked (undefined sskg: terms) as it is edited;
 * result tables show labels beside ids and download as the same CSV as `sskg query --format csv`; each run puts
 * the query in the URL and in a history kept in this browser. Server data reaches the page as JSON and the DOM
 * through textContent, or through `escapeHtml` where YASR's table wants markup.
 */
"use strict";

(function () {
  const ENDPOINT = window.location.origin + "/sparql";
  const HISTORY_KEY = "sskg-history";
  const HISTORY_SIZE = 30;
  const CHECK_DELAY_MS = 400;
  const SUGGESTIONS = 60;
  const state = { catalogue: [], prefixes: {}, checks: new Map(), labels: new Map(), noRows: new Map(), yasgui: null, ready: false };
  window.sskgWorkbench = state;

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function getJson(url, body) {
    const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const response = await fetch(url, options);
    if (!response.ok) throw new Error((await response.text()) || response.statusText);
    return response.json();
  }

  // --- IRIs ----------------------------------------------------------------------------------------

  const BASE = "https://w3id.org/sskg/";

  /** Where an IRI leads: sskg resources browse on this server, other web IRIs link out, anything else nowhere. */
  function browseHref(iri) {
    if (iri.startsWith(BASE)) {
      const rest = iri.slice(BASE.length);
      return /[?#]/.test(rest) ? "/resource?iri=" + encodeURIComponent(iri) : "/id/" + rest;
    }
    return /^https?:\/\//.test(iri) ? iri : null;
  }

  function compact(iri, prefixes) {
    let best = null;
    for (const [prefix, namespace] of Object.entries(prefixes)) {
      if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) best = [prefix, namespace];
    }
    if (!best) return "<" + iri + ">";
    const local = iri.slice(best[1].length);
    return /^[A-Za-z0-9_.-]*$/.test(local) ? best[0] + ":" + local : "<" + iri + ">";
  }

  // --- completion: this graph's prefixes, the ontology's classes and properties with their labels ----

  function registerCompleters(Yasqe, completions) {
    const stock = Yasqe.Autocompleters;
    const prefixLines = Object.entries(completions.prefixes).map(([prefix, iri]) => `${prefix}: <${iri}>`).sort();
    Yasqe.registerAutocompleter({ ...stock.prefixes, name: "prefixes", get: () => prefixLines, persistenceId: null });
    const termCompleter = (name, terms) => ({
      ...stock[name], name, bulk: false, autoShow: true, persistenceId: null,
      get: (yasqe, token) => matchingTerms(terms, token),
      postprocessHints: (yasqe, hints) => hints.map((hint) => withLabel(yasqe, hint, terms)),
    });
    Yasqe.registerAutocompleter(termCompleter("class", completions.classes));
    Yasqe.registerAutocompleter(termCompleter("property", completions.properties));
  }

  /** Terms whose IRI starts with what was typed, or (within the typed namespace) whose name or label holds it. */
  function matchingTerms(terms, token) {
    const typed = (token && token.autocompletionString) || "";
    const cut = Math.max(typed.lastIndexOf("/"), typed.lastIndexOf("#")) + 1;
    const namespace = typed.slice(0, cut);
    const word = typed.slice(cut).toLowerCase();
    const found = terms.filter((term) => term.iri.startsWith(typed) ||
      (word && term.iri.startsWith(namespace) && (term.iri.slice(cut).toLowerCase().includes(word) || term.label.toLowerCase().includes(word))));
    return found.slice(0, SUGGESTIONS).map((term) => term.iri);
  }

  function withLabel(yasqe, hint, terms) {
    const queryPrefixes = yasqe.getPrefixesFromQuery();
    const text = hint.text.replace(/^<|>$/g, "");
    const colon = text.indexOf(":");
    const expanded = colon > 0 && queryPrefixes[text.slice(0, colon)] ? queryPrefixes[text.slice(0, colon)] + text.slice(colon + 1) : text;
    const term = terms.find((candidate) => candidate.iri === expanded);
    return term && term.label ? { ...hint, displayText: `${hint.text}   ${term.label}` } : hint;
  }

  // --- result tables: labels beside ids, local links, the CLI's CSV ------------------------------------

  function labelledTable(Table) {
    return class LabelledTable extends Table {
      async draw(config) {
        this.view = await labelledView(this.yasr);
        return super.draw(config);
      }

      withView(run) {
        const results = this.yasr.results;
        if (!this.view || !results) return run();
        this.yasr.results = this.view;
        try {
          return run();
        } finally {
          this.yasr.results = results;
        }
      }

      getRows() {
        return this.withView(() => super.getRows());
      }

      /** Sorting and filtering read a cell's plain value: YASR would first pass it through DOMPurify, whose HTML
       *  parse of a value holding markup (even inertly) is reported as a blocked inline handler under our CSP. */
      getColumns() {
        return this.withView(() => super.getColumns()).map((column, index) => index === 0 ? column : {
          ...column,
          render: (data, type, row, meta) => (data === "" || (type && type !== "filter" && type !== "sort") ? column.render(data, type, row, meta) : data.value),
        });
      }

      getCellContent(binding, prefixes) {
        if (binding.type !== "uri") return super.getCellContent(binding, prefixes);
        const href = browseHref(binding.value);
        const shown = escapeHtml(compact(binding.value, { ...state.prefixes, ...(prefixes || {}) }));
        const external = href && !href.startsWith("/") ? " rel='noopener noreferrer' target='_blank'" : "";
        return href ? `<div><span><a class='iri' href='${escapeHtml(href)}'${external}>${shown}</a></span></div>` : `<div><span>${shown}</span></div>`;
      }

      /** A literal's value as a reader wants it; its datatype is in the tooltip, its language beside it. */
      formatLiteral(binding) {
        const value = escapeHtml(binding.value);
        if (binding["xml:lang"]) return `${value} <sup>@${escapeHtml(binding["xml:lang"])}</sup>`;
        return binding.datatype ? `<span title='${escapeHtml(compact(binding.datatype, state.prefixes))}'>${value}</span>` : value;
      }

      download(filename) {
        return {
          getData: () => csvOf(this.view || this.yasr.results),
          contentType: "text/csv",
          title: "Download result as CSV",
          filename: `${filename || "queryResults"}.csv`,
        };
      }
    };
  }

  /** The results with a `<column>_label` column after each column of ids that has a label (as the CLI shows). */
  async function labelledView(yasr) {
    const results = yasr.results;
    if (!results || !results.getVariables() || !results.getBindings()) return null;
    const variables = results.getVariables();
    const bindings = results.getBindings();
    const idColumns = (await checkOf(tabOf(yasr)))?.id_columns || {};
    const idOf = (variable, binding) => {
      if (!binding) return null;
      if (binding.type === "uri") return binding.value;
      return idColumns[variable] && binding.type === "literal" && binding.value ? idColumns[variable] + binding.value : null;
    };
    const wanted = new Set();
    for (const row of bindings) for (const variable of variables) {
      const iri = idOf(variable, row[variable]);
      if (iri && !state.labels.has(iri)) wanted.add(iri);
    }
    if (wanted.size) {
      try {
        const found = (await getJson("/labels", { iris: [...wanted].slice(0, 5000) })).labels;
        for (const iri of wanted) state.labels.set(iri, found[iri] || null);
      } catch (error) {
        console.warn("labels are not available:", error.message);
      }
    }
    const shownVariables = [];
    const labelOf = {};
    for (const variable of variables) {
      shownVariables.push(variable);
      const name = variable + "_label";
      if (!variables.includes(name) && !shownVariables.includes(name) && bindings.some((row) => state.labels.get(idOf(variable, row[variable])))) {
        shownVariables.push(name);
        labelOf[name] = variable;
      }
    }
    const shownBindings = bindings.map((row) => {
      const copy = { ...row };
      for (const [name, variable] of Object.entries(labelOf)) {
        const label = state.labels.get(idOf(variable, row[variable]));
        if (label) copy[name] = { type: "literal", value: label };
      }
      return copy;
    });
    return Object.create(results, { getVariables: { value: () => shownVariables }, getBindings: { value: () => shownBindings } });
  }

  /** CSV as Python's csv module writes it (what `sskg query --format csv` prints). */
  function csvOf(results) {
    if (!results) return "";
    const cell = (text) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    const line = (cells) => (cells.length === 1 && cells[0] === "" ? '""' : cells.map(cell).join(","));
    const variables = results.getVariables();
    const rows = results.getBindings().map((row) => line(variables.map((variable) => (row[variable] ? row[variable].value : ""))));
    return [line(variables), ...rows].join("\n") + "\n";
  }

  // --- the query being edited: lint warnings, parameters, id columns --------------------------------

  function tabOf(yasr) {
    return Object.values(state.yasgui._tabs).find((tab) => tab.getYasr() === yasr) || state.yasgui.getTab();
  }

  function argsOf(tab) {
    const args = tab.getRequestConfig().args;
    return Array.isArray(args) ? args : [];
  }

  function paramsOf(tab) {
    const params = {};
    for (const arg of argsOf(tab)) if (arg.name.startsWith("param.")) params[arg.name.slice(6)] = arg.value;
    return params;
  }

  function setParam(tab, name, value) {
    const args = argsOf(tab).filter((arg) => arg.name !== "param." + name);
    if (value !== "") args.push({ name: "param." + name, value });
    tab.setRequestConfig({ args });
  }

  function checkOf(tab) {
    const key = tab.getId();
    const query = tab.getQuery();
    const params = paramsOf(tab);
    const signature = JSON.stringify([query, params]);
    const known = state.checks.get(key);
    if (known && known.signature === signature) return known.promise;
    const promise = getJson("/check", { query, params }).catch((error) => ({ error: error.message, warnings: [], parameters: [], id_columns: {} }));
    state.checks.set(key, { signature, promise });
    return promise;
  }

  let checkTimer = null;
  function scheduleCheck(tab) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(() => showCheck(tab), CHECK_DELAY_MS);
  }

  async function showCheck(tab) {
    const result = await checkOf(tab);
    if (state.yasgui.getTab() !== tab) return;
    showWarnings(tab, result);
    showParameters(tab, result);
  }

  /** The lint warnings; after a run that found no rows, also that the undefined terms may be why. */
  function showWarnings(tab, result) {
    const warnings = result.warnings || [];
    document.getElementById("lint-list").replaceChildren(...warnings.map((warning) => element("li", {}, warning.message)));
    const note = document.getElementById("lint-zero");
    note.hidden = !(warnings.length && state.noRows.get(tab.getId()) === tab.getQuery());
    const names = warnings.map((warning) => warning.prefixed).join(", ");
    note.textContent = `The query found no rows, and it uses ${names}, which the sskg ontology does not define.`;
    document.getElementById("lint").hidden = warnings.length === 0;
  }

  function showParameters(tab, result) {
    const panel = document.getElementById("parameters");
    const parameters = result.parameters || [];
    panel.hidden = parameters.length === 0;
    if (!parameters.length) return;
    const entry = state.catalogue.find((item) => item.query === tab.getQuery());
    document.getElementById("parameters-note").textContent = (entry ? entry.description + " " : "") +
      "Give each value by label, id or IRI. The query text is yours to edit; the form sets the parameters its header declares (# param: …).";
    const fields = document.getElementById("parameters-fields");
    const active = document.activeElement && document.activeElement.id;
    fields.replaceChildren(...parameters.map((parameter) => parameterField(tab, parameter)));
    if (active && document.getElementById(active)) document.getElementById(active).focus();
    const problem = parameters.map((parameter) => parameter.error).find(Boolean) || result.parameter_error;
    const error = document.getElementById("parameters-error");
    error.textContent = problem || "";
    error.hidden = !problem;
  }

  function parameterField(tab, parameter) {
    const id = "param-" + parameter.name;
    const row = element("div", { class: "field" });
    row.append(element("label", { for: id }, parameter.name), element("span", { class: "note" }, parameter.description));
    const attributes = { id, name: parameter.name, type: parameter.type === "year" || parameter.type === "integer" ? "number" : "text" };
    const input = element("input", attributes);
    input.value = parameter.value ?? "";
    input.placeholder = parameter.default ? "default: " + (labelOfChoice(parameter, parameter.default) || parameter.default) : "";
    if (parameter.choices.length) {
      const list = element("datalist", { id: id + "-choices" });
      list.append(...parameter.choices.map((choice) => element("option", { value: choice.label }, choice.prefixed)));
      input.setAttribute("list", list.id);
      row.append(list);
    }
    input.addEventListener("input", () => {
      setParam(tab, parameter.name, input.value.trim());
      scheduleCheck(tab);
    });
    row.append(input);
    const resolved = parameter.resolved && !parameter.error ? "→ " + (labelOfChoice(parameter, parameter.resolved.prefixed) || parameter.resolved.prefixed) : "";
    row.append(element("span", { class: "resolved" }, resolved));
    return row;
  }

  function labelOfChoice(parameter, prefixed) {
    const choice = parameter.choices.find((item) => item.prefixed === prefixed);
    return choice ? `${choice.label} (${choice.prefixed})` : null;
  }

  // --- catalogue and history -----------------------------------------------------------------------

  function openQuery(name, query, args) {
    const tab = state.yasgui.addTab(true, { name, yasqe: { value: query }, requestConfig: { ...requestDefaults(), args: args || [] } },
                                    { avoidDuplicateTabs: true });
    showCheck(tab);
    return tab;
  }

  function showCatalogue() {
    const list = document.getElementById("catalogue");
    const filter = document.getElementById("catalogue-filter").value.trim().toLowerCase();
    const shown = state.catalogue.filter((entry) => !filter || (entry.title + " " + entry.description + " " + entry.name).toLowerCase().includes(filter));
    list.replaceChildren(...shown.map((entry) => {
      const button = element("button", { type: "button", class: "entry", "data-name": entry.name, title: entry.description }, entry.title);
      if (entry.parameters.length) button.append(element("span", { class: "note" }, " · " + entry.parameters.map((p) => p.name).join(", ")));
      button.addEventListener("click", () => openQuery(entry.title, entry.query));
      return element("li", {}).appendChild(button).parentNode;
    }));
  }

  function readHistory() {
    try {
      const items = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  function remember(tab, rows) {
    const item = { name: tab.getName(), query: tab.getQuery(), args: argsOf(tab), rows, at: new Date().toISOString() };
    const items = [item, ...readHistory().filter((old) => old.query !== item.query || JSON.stringify(old.args) !== JSON.stringify(item.args))];
    try {
      window.localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, HISTORY_SIZE)));
    } catch (error) {
      console.warn("history is not saved:", error.message);
    }
    showHistory();
  }

  function showHistory() {
    const items = readHistory();
    const list = document.getElementById("history");
    list.replaceChildren(...items.map((item) => {
      const params = (item.args || []).map((arg) => `${arg.name.slice(6)}=${arg.value}`).join(", ");
      const button = element("button", { type: "button", class: "entry", title: item.query }, item.name);
      button.append(element("span", { class: "note" }, ` · ${item.rows ?? "?"} rows${params ? " · " + params : ""} · ${item.at.slice(0, 16).replace("T", " ")}`));
      button.addEventListener("click", () => openQuery(item.name, item.query, item.args));
      return element("li", {}).appendChild(button).parentNode;
    }));
    if (!items.length) list.append(element("li", { class: "note" }, "Nothing yet."));
    document.getElementById("history-clear").hidden = !items.length;
  }

  // --- YASGUI ----------------------------------------------------------------------------------------

  function requestDefaults() {
    return { endpoint: ENDPOINT, method: "POST", headers: {}, acceptHeaderSelect: "application/sparql-results+json",
             acceptHeaderGraph: "text/turtle", namedGraphs: [], defaultGraphs: [] };
  }

  const FIRST_QUERY = `PREFIX sskg: <https://w3id.org/sskg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# The included studies and the countries they were carried out in.
SELECT ?study ?country WHERE {
  ?study a sskg:IncludedStudy ;
         sskg:conductedIn ?country .
}
ORDER BY ?study
`;

  function startYasgui() {
    const Yasgui = window.Yasgui;
    const yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: requestDefaults(),
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }], keys: [] },
      persistenceId: "sskg-workbench",
      // A link may name any endpoint and headers; this page only ever asks this server.
      populateFromUrl: (config) => ({ ...config, requestConfig: { ...config.requestConfig, ...requestDefaults(), args: config.requestConfig.args || [] } }),
      yasqe: { value: FIRST_QUERY, createShortLink: undefined, resizeable: true, editorHeight: "260px" },
      yasr: { prefixes: state.prefixes, defaultPlugin: "table", pluginOrder: ["table", "response"] },
    });
    state.yasgui = yasgui;
    for (const tab of Object.values(yasgui._tabs)) tab.setRequestConfig({ ...requestDefaults(), args: argsOf(tab) });
    yasgui.on("tabSelect", (_, tabId) => setTimeout(() => showCheck(yasgui.getTab(tabId)), 0));
    yasgui.on("tabChange", (_, tab) => scheduleCheck(tab));
    yasgui.on("queryBefore", (_, tab) => {
      state.noRows.delete(tab.getId());
      tab.setRequestConfig({ endpoint: ENDPOINT });
    });
    // YASGUI tells of a response before it hands it to YASR: read the results once it has.
    yasgui.on("queryResponse", (_, tab) => setTimeout(() => afterResponse(tab), 0));
    showCheck(yasgui.getTab());  // a tab opened from a link runs its query: YASGUI does that itself
  }

  function afterResponse(tab) {
    const results = tab.getYasr().results;
    const rows = results && results.getBindings() ? results.getBindings().length : null;
    window.history.replaceState(null, "", tab.getShareableLink(window.location.origin + "/"));
    if (results && !results.hasError()) remember(tab, rows);
    if (rows === 0) state.noRows.set(tab.getId(), tab.getQuery());
    showCheck(tab);
  }

  async function start() {
    const Yasgui = window.Yasgui;
    const [catalogue, completions] = await Promise.all([getJson("/catalogue"), getJson("/completions")]);
    state.catalogue = catalogue;
    state.prefixes = completions.prefixes;
    document.getElementById("views-nav").hidden = !completions.views;
    registerCompleters(Yasgui.Yasqe, completions);
    Yasgui.Yasr.registerPlugin("table", labelledTable(Yasgui.Yasr.plugins.table));
    document.getElementById("catalogue-filter").addEventListener("input", showCatalogue);
    document.getElementById("history-clear").addEventListener("click", () => {
      window.localStorage.removeItem(HISTORY_KEY);
      showHistory();
    });
    document.getElementById("parameters-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.yasgui.getTab().query();
    });
    if (window.matchMedia("(max-width: 860px)").matches) document.getElementById("catalogue-box").open = false;  // the editor first
    showCatalogue();
    showHistory();
    startYasgui();
    state.ready = true;
    state.readyAt = performance.now();
  }

  start().catch((error) => {
    const message = element("p", { class: "error", role: "alert" }, "The page could not start: " + error.message);
    document.querySelector("main").prepend(message);
  });
})();
