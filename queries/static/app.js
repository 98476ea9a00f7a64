"use strict";
// The query page. Text from the server reaches the page only through textContent and DOM
// properties, never innerHTML, so a label such as <img onerror=...> shows as text.

const BASE = "https://w3id.org/sskg/";
const XSD = "http://www.w3.org/2001/XMLSchema#";
const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

const form = document.getElementById("query-form");
const select = document.getElementById("catalogue");
const description = document.getElementById("description");
const parameters = document.getElementById("parameters");
const parameterInputs = document.getElementById("parameter-inputs");
const queryBox = document.getElementById("query");
const statusLine = document.getElementById("status");
const errorBox = document.getElementById("error");
const results = document.getElementById("results");
let catalogue = [];

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// sskg IRIs browse on this server; other web IRIs link out; anything else (javascript:, file:) is no link.
function browseHref(iri) {
  if (iri.startsWith(BASE)) {
    const rest = iri.slice(BASE.length);
    return /[?#]/.test(rest) ? "/resource?iri=" + encodeURIComponent(iri) : "/id/" + rest;
  }
  return /^https?:\/\//i.test(iri) ? iri : null;
}

function termNode(term) {
  if (term.type === "uri") {
    const href = browseHref(term.value);
    if (!href) return element("span", term.value);
    const link = element("a", term.value);
    link.href = href;
    if (!href.startsWith("/")) link.rel = "noopener noreferrer";
    return link;
  }
  if (term.type === "bnode") return element("span", "_:" + term.value, "note");
  const literal = element("span", term.value);
  const lang = term["xml:lang"];
  if (lang) literal.title = "@" + lang;
  else if (term.datatype) literal.title = term.datatype.replace(XSD, "xsd:");
  return literal;
}

async function loadCatalogue() {
  const response = await fetch("/catalogue", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(await response.text());
  catalogue = await response.json();
  for (const entry of catalogue) {
    const option = element("option", entry.title);
    option.value = entry.name;
    select.append(option);
  }
}

function chooseQuery() {
  const entry = catalogue.find((candidate) => candidate.name === select.value);
  parameterInputs.replaceChildren();
  queryBox.readOnly = Boolean(entry);
  description.textContent = entry ? entry.description : "";
  parameters.hidden = !entry || entry.parameters.length === 0;
  if (!entry) return;
  queryBox.value = entry.query;
  for (const parameter of entry.parameters) {
    const input = element("input");
    input.id = "param-" + parameter.name;
    input.name = parameter.name;
    input.placeholder = parameter.default ?? "";
    const label = element("label", `${parameter.name} (${parameter.type})`);
    label.htmlFor = input.id;
    parameterInputs.append(label, input, element("span", parameter.description, "note"));
  }
}

// A catalogue query runs by name with its parameters bound by the server; anything else is POSTed as text.
function buildRequest() {
  const headers = { Accept: ACCEPT };
  if (select.value) {
    const params = new URLSearchParams({ name: select.value });
    for (const input of parameterInputs.querySelectorAll("input")) {
      if (input.value.trim()) params.append("param." + input.name, input.value.trim());
    }
    return ["/sparql?" + params, { headers }];
  }
  return ["/sparql", { method: "POST", headers, body: new URLSearchParams({ query: queryBox.value }) }];
}

function showTable(data) {
  const variables = data.head.vars;
  const table = element("table");
  const head = table.createTHead().insertRow();
  for (const variable of variables) head.append(element("th", variable));
  const body = table.createTBody();
  for (const binding of data.results.bindings) {
    const row = body.insertRow();
    for (const variable of variables) {
      const cell = row.insertCell();
      if (binding[variable]) cell.append(termNode(binding[variable]));
    }
  }
  results.append(table);
  const count = data.results.bindings.length;
  return `${count} row${count === 1 ? "" : "s"}`;
}

function showResponse(contentType, text) {
  if (!contentType.includes("json")) {
    results.append(element("pre", text));
    return "graph";
  }
  const data = JSON.parse(text);
  if ("boolean" in data) {
    results.append(element("p", String(data.boolean), "boolean"));
    return "yes/no answer";
  }
  return showTable(data);
}

async function run(event) {
  event.preventDefault();
  results.replaceChildren();
  errorBox.hidden = true;
  statusLine.textContent = "Running…";
  const started = performance.now();
  try {
    const response = await fetch(...buildRequest());
    const text = await response.text();
    if (!response.ok) {
      statusLine.textContent = "";
      errorBox.textContent = `${response.status}: ${text}`;
      errorBox.hidden = false;
      return;
    }
    const summary = showResponse(response.headers.get("Content-Type") || "", text);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const truncated = response.headers.get("Sskg-Truncated");
    statusLine.textContent = `${summary} in ${seconds} s` + (truncated ? ` (${truncated})` : "");
  } catch (error) {
    statusLine.textContent = "";
    errorBox.textContent = String(error);
    errorBox.hidden = false;
  }
}

form.addEventListener("submit", run);
select.addEventListener("change", chooseQuery);
queryBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
});
loadCatalogue().catch((error) => {
  errorBox.textContent = "Could not load the query catalogue: " + error.message;
  errorBox.hidden = false;
});
