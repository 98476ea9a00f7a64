/* Helpers shared by the views. Data reaches the page only as JSON in a non-executed script element,
   and reaches the DOM only through textContent and attributes, never as markup. */
"use strict";
(function () {
  const FILTER_KEYS = ["theme", "support", "population", "design", "country"];
  const FILTER_NAMES = { theme: "theme", support: "support type", population: "population", design: "design", country: "country" };
  // Letters that Unicode does not decompose into a base letter and a mark.
  const LETTERS = { "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i" };

  function el(tag, attributes, text) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== undefined && value !== null) element.setAttribute(name, value);
    }
    if (text !== undefined && text !== null) element.textContent = text;
    return element;
  }

  /* Case and diacritics folded: "Bjørnestad", "BJORNESTAD" and "bjornestad" are the same word. */
  function fold(text) {
    return String(text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[øæœßłđðþı]/g, (letter) => LETTERS[letter]);
  }

  /* Arrays compared item by item, for sorting by several keys. */
  function compare(a, b) {
    for (let i = 0; i < a.length; i += 1) {
      if (a[i] < b[i]) return -1;
      if (a[i] > b[i]) return 1;
    }
    return 0;
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : (many || one + "s"));
  }

  // -- state in the address: #key=value&key=value, values URI-encoded ---------------------------------
  function readHash() {
    const state = {};
    for (const part of window.location.hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      const key = at < 0 ? part : part.slice(0, at);
      try {
        state[decodeURIComponent(key)] = at < 0 ? "" : decodeURIComponent(part.slice(at + 1));
      } catch (error) {
        // A hand-edited address with a broken escape: that key is ignored.
      }
    }
    return state;
  }

  function hashOf(state, keys) {
    const parts = [];
    for (const key of keys) {
      const value = state[key];
      if (value !== undefined && value !== null && value !== "") parts.push(key + "=" + encodeURIComponent(value));
    }
    return parts.length ? "#" + parts.join("&") : "";
  }

  /* A new history entry when the state changes, so back and forward step through it. */
  function writeHash(state, keys) {
    const hash = hashOf(state, keys);
    if (hash === window.location.hash || (!hash && !window.location.hash)) return;
    const url = window.location.pathname + window.location.search + hash;
    window.history.pushState(null, "", hash || url);
  }

  // -- filters: the same controls and the same rule on every page -------------------------------------
  function yearOptions(select, years) {
    for (let year = years[0]; year <= years[1]; year += 1) select.appendChild(el("option", { value: String(year) }, String(year)));
  }

  function makeFilters(root, data, onChange) {
    const selects = new Map();
    for (const key of FILTER_KEYS) {
      const select = root.querySelector('select[data-facet="' + key + '"]');
      if (!select) continue;
      for (const [value, label] of data.facets[key] || []) select.appendChild(el("option", { value }, label));
      select.disabled = !(data.facets[key] || []).length;
      select.addEventListener("change", onChange);
      selects.set(key, select);
    }
    const from = root.querySelector('select[data-facet="from"]');
    const to = root.querySelector('select[data-facet="to"]');
    yearOptions(from, data.years);
    yearOptions(to, data.years);
    from.value = String(data.years[0]);
    to.value = String(data.years[1]);
    from.addEventListener("change", onChange);
    to.addEventListener("change", onChange);
    const labelOf = (key, value) => ((data.facets[key] || []).find((pair) => pair[0] === value) || [value, value])[1];
    return {
      values() {
        const chosen = {};
        for (const [key, select] of selects) if (select.value) chosen[key] = select.value;
        if (Number(from.value) > data.years[0]) chosen.from = from.value;
        if (Number(to.value) < data.years[1]) chosen.to = to.value;
        return chosen;
      },
      set(state) {
        for (const [key, select] of selects) {
          select.value = state[key] && [...select.options].some((option) => option.value === state[key]) ? state[key] : "";
        }
        const year = (value, fallback) => (/^\d{4}$/.test(value || "") && Number(value) >= data.years[0] && Number(value) <= data.years[1] ? value : String(fallback));
        from.value = year(state.from, data.years[0]);
        to.value = year(state.to, data.years[1]);
      },
      reset() {
        this.set({});
      },
      /* Does a study (its facets and year) pass the chosen filters? */
      matches(study, chosen) {
        for (const key of FILTER_KEYS) {
          if (chosen[key] && !(study.facets[key] || []).includes(chosen[key])) return false;
        }
        const low = chosen.from ? Number(chosen.from) : -Infinity;
        const high = chosen.to ? Number(chosen.to) : Infinity;
        return study.year === null ? !(chosen.from || chosen.to) : study.year >= low && study.year <= high;
      },
      /* The chosen filters in words: "theme: …; years 2010–2019". */
      describe(chosen) {
        const parts = [];
        for (const key of FILTER_KEYS) {
          if (chosen[key]) parts.push(FILTER_NAMES[key] + ": " + labelOf(key, chosen[key]));
        }
        if (chosen.from || chosen.to) parts.push("years " + (chosen.from || data.years[0]) + "–" + (chosen.to || data.years[1]));
        return parts.join("; ");
      },
    };
  }

  // -- effect on recovery: colour, glyph and words together ------------------------------------------
  function effectBadge(effect) {
    const badge = el("span", { class: "effect", "data-effect": effect.name });
    const chip = el("span", { class: "chip", "aria-hidden": "true", "data-effect": effect.name }, effect.glyph);
    badge.append(chip, el("span", { class: "effect-label" }, effect.label));
    return badge;
  }

  /* The effects with their counts; findings with no effect derived are listed too, when there are any. */
  function effectLegend(list, effects, counts, notDerived) {
    list.replaceChildren();
    const shown = counts && counts.get(notDerived.name) ? [...effects, notDerived] : effects;
    for (const effect of shown) {
      const item = el("li", { "data-effect": effect.name });
      item.appendChild(effectBadge(effect));
      if (counts) item.appendChild(el("span", { class: "legend-count" }, " (" + (counts.get(effect.name) || 0) + ")"));
      list.appendChild(item);
    }
  }

  // -- studies and findings, as both pages show them ---------------------------------------------------
  async function copyText(text, status) {
    let done = false;
    try {
      await navigator.clipboard.writeText(text);
      done = true;
    } catch (error) {
      const area = el("textarea", { "aria-hidden": "true", class: "offscreen", readonly: "" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      done = document.execCommand("copy");
      area.remove();
    }
    status.textContent = done ? "Citation copied." : "Could not copy: select the citation and copy it by hand.";
  }

  function citationBlock(study) {
    const block = el("div", { class: "citation-block" });
    block.appendChild(el("p", { class: "citation" }, study.citation));
    const actions = el("p", { class: "citation-actions" });
    const copy = el("button", { type: "button", class: "copy" }, "Copy citation");
    const status = el("span", { class: "status copy-status", role: "status" });
    copy.addEventListener("click", () => copyText(study.citation, status));
    actions.appendChild(copy);
    for (const link of study.links) {
      actions.appendChild(el("a", { href: link.href, class: "external", rel: "noreferrer noopener", target: "_blank" }, link.text));
    }
    actions.appendChild(status);
    block.appendChild(actions);
    return block;
  }

  /* A study's aim, sample, design and country, as a list of facts. */
  function studyFacts(study) {
    const facts = el("dl", { class: "facts" });
    const design = study.design + (study.designs.length ? " (" + study.designs.join(", ") + ")" : "");
    for (const [name, value] of [["aim", study.aim], ["sample", study.sample.join("; ")], ["design", design], ["country", study.country]]) {
      if (value) facts.append(el("dt", {}, name), el("dd", {}, value));
    }
    return facts;
  }

  function findingBlock(finding, effects, extra) {
    const item = el("li", { class: "finding", "data-effect": finding.effect });
    item.appendChild(el("p", { class: "statement" }, finding.statement));
    const effect = effects.get(finding.effect);
    const facts = el("dl", { class: "facts" });
    const add = (name, value, css) => {
      if (!value) return;
      facts.append(el("dt", {}, name), typeof value === "string" ? el("dd", { class: css }, value) : el("dd", { class: css }).appendChild(value).parentNode);
    };
    add("effect on recovery", effectBadge(effect), "effect-on-recovery");
    add("direction found", finding.direction + (finding.direction_basis ? " (" + finding.direction_basis + ")" : ""), "direction");
    add("outcome", finding.outcome_label + (finding.polarity ? " (" + finding.polarity + ")" : ""), "outcome");
    add("exposure", finding.exposure_labels.join(", "), "exposures");
    add("population", finding.population, "population");
    for (const estimate of finding.estimates) add("numbers", estimate, "estimate");
    item.appendChild(facts);
    if (finding.reading) item.appendChild(el("p", { class: "reading" }, finding.reading));
    if (finding.places.length) {
      item.appendChild(el("p", { class: "where-head" }, "Where the review states it:"));
      const where = el("ul", { class: "where" });
      for (const place of finding.places) where.appendChild(el("li", {}, place));
      item.appendChild(where);
    }
    if (extra) item.appendChild(extra);
    return item;
  }

  // -- CSV a spreadsheet opens safely (no cell is read as a formula) ------------------------------------
  function csvCell(value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csv(header, rows) {
    return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  function download(name, text) {
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const link = el("a", { href: url, download: name, class: "offscreen" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function fileSlug(text) {
    return fold(text).replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "cell";
  }

  // -- search: folded words, author + year, concepts and studies before findings --------------------------
  /* items: {id, kind, label, extra, rank, weight}: rank 0 concepts, 1 studies, 2 findings break ties of match
     quality, then the weight (a concept's number of studies), then the shorter label. */
  function makeSearch(parts, items, choose) {
    const { input, button, list, status } = parts;
    const words = (text) => fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    const index = items.map((item) => ({ item, label: fold(item.label), words: words(item.label + " " + (item.extra || "")) }));
    let shown = [];
    let active = -1;

    function quality(entry, query, tokens) {
      if (entry.label === query) return 0;
      if (entry.label.startsWith(query)) return 1;
      const labelWords = words(entry.item.label);
      if (tokens.every((token) => labelWords.some((word) => word.startsWith(token)))) return 2;
      if (tokens.every((token) => entry.words.some((word) => word.startsWith(token)))) return 3;
      if (query.length >= 3 && (entry.label.includes(query) || entry.words.join(" ").includes(query))) return 4;
      return null;
    }

    function matches(text) {
      const query = fold(text).trim().replace(/\s+/g, " ");
      const tokens = words(text);
      if (!tokens.length) return [];
      const found = [];
      for (const entry of index) {
        const score = quality(entry, query, tokens);
        if (score !== null) found.push([entry.item.rank === 2 ? 1 : 0, score, entry.item.rank, -(entry.item.weight || 0), entry.item.label.length, entry.item]);
      }
      found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3] || a[4] - b[4] || a[5].label.localeCompare(b[5].label));
      return found.map((row) => row[5]);
    }

    function short(text, length) {
      return text.length <= length ? text : text.slice(0, length).replace(/\s+\S*$/, "") + "…";
    }

    function render(found) {
      shown = found.slice(0, 8);
      active = -1;
      list.replaceChildren();
      shown.forEach((item, position) => {
        const option = el("li", { role: "option", id: "suggestion-" + position, "aria-selected": "false", "data-id": item.id });
        option.append(el("span", { class: "suggestion-label" }, short(item.label, 64)), el("span", { class: "kind" }, item.kindLabel));
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => pick(item));
        list.appendChild(option);
      });
      list.hidden = !shown.length;
      input.setAttribute("aria-expanded", String(!list.hidden));
      input.removeAttribute("aria-activedescendant");
    }

    function noMatch(text) {
      status.textContent = "No study, concept or finding matches “" + text.trim() + "”. Try an author's surname (Bjornestad), " +
        "a year (2017) or a word such as “peer”.";
    }

    function pick(item) {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.value = item.label;
      status.textContent = "";
      choose(item);
    }

    function find() {
      const text = input.value;
      if (!text.trim()) return;
      const found = matches(text);
      if (!found.length) {
        render([]);
        noMatch(text);
        return;
      }
      pick(active >= 0 ? shown[active] : found[0]);
    }

    function move(step) {
      if (!shown.length) return;
      active = (active + step + shown.length) % shown.length;
      [...list.children].forEach((option, position) => option.setAttribute("aria-selected", String(position === active)));
      input.setAttribute("aria-activedescendant", "suggestion-" + active);
    }

    input.addEventListener("input", () => {
      const text = input.value;
      const found = text.trim() ? matches(text) : [];
      render(found);
      if (text.trim() && !found.length) noMatch(text);
      else status.textContent = found.length ? plural(found.length, "match", "matches") + (found.length > 8 ? ", the first 8 shown" : "") : "";
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
      else if (event.key === "Enter") { find(); event.preventDefault(); }
      else if (event.key === "Escape") { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    });
    input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; input.setAttribute("aria-expanded", "false"); }, 150));
    button.addEventListener("click", find);
    return { matches, find };
  }

  // -- a side panel that is a bottom sheet on a phone ----------------------------------------------------
  function openPanel(panel, heading) {
    collapse(panel, false);
    panel.hidden = false;
    panel.scrollTop = 0;
    document.body.classList.add("panel-open");
    if (heading) heading.focus({ preventScroll: true });
  }

  function closePanel(panel) {
    panel.hidden = true;
    document.body.classList.remove("panel-open");
  }

  /* On a phone the sheet folds down to its bar, so the whole graph can be used with the choice kept. */
  function collapse(panel, folded) {
    const button = panel.querySelector(".collapse");
    if (!button) return;
    panel.classList.toggle("collapsed", folded);
    button.setAttribute("aria-expanded", folded ? "false" : "true");
    button.textContent = (folded ? "Show the " : "Hide the ") + button.textContent.replace(/^(Show|Hide) the /, "");
  }

  function wireCollapse(panel) {
    const button = panel.querySelector(".collapse");
    if (button) button.addEventListener("click", () => collapse(panel, !panel.classList.contains("collapsed")));
  }

  /* The panel's close button and Escape: `close` forgets the choice and returns the id whose list
     button takes the focus back, if any. */
  function wireClose(button, panel, close) {
    wireCollapse(panel);
    button.addEventListener("click", () => {
      const back = close();
      const target = back ? document.querySelector('#node-list button[data-id="' + CSS.escape(back) + '"]') : null;
      if (target) target.focus();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) button.click();
    });
  }

  window.sskgViews = {
    FILTER_KEYS, el, fold, compare, plural, readHash, hashOf, writeHash, makeFilters, effectBadge, effectLegend,
    citationBlock, studyFacts, findingBlock, csv, download, fileSlug, makeSearch, openPanel, closePanel, wireClose, collapse,
    readData(id) {
      return JSON.parse(document.getElementById(id).textContent);
    },
    nodeHref(page, id) {
      return page + "#node=" + encodeURIComponent(id);
    },
  };
})();
