/* The link to the query page, shown only when `sskg serve` serves these views (at /views/ on its own
   origin, with the query page at /); a view opened from a file has no query page to go to. */
"use strict";
(function () {
  const link = document.getElementById("query-page");
  if (link && /^https?:$/.test(window.location.protocol) && window.location.pathname.startsWith("/views/")) link.hidden = false;
})();
