/* Helpers shared by the views. Data reaches the page only as JSON in a non-executed script element,
   and reaches the DOM only through textContent and attributes, never as markup. */
"use strict";
window.sskgViews = {
  readData(id) {
    return JSON.parse(document.getElementById(id).textContent);
  },
  el(tag, attributes, text) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      element.setAttribute(name, value);
    }
    if (text !== undefined && text !== null) {
      element.textContent = text;
    }
    return element;
  },
  nodeHref(page, id) {
    return page + "#node=" + encodeURIComponent(id);
  },
};
