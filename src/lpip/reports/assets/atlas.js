/* atlas.js: the search box of the evidence atlas. It reads the index that search.js sets
 * (window.LPIP_SEARCH_INDEX; a script, so that it also works on a page opened from the
 * folder, file://), else the JSON named by the input's data-index attribute, and lists the
 * pages whose words contain every typed term. No library, no network beyond the site. */
(function () {
  "use strict";
  var input = document.getElementById("search");
  if (!input) { return; }
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var entries = [];
  var LIMIT = 12;

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function matches(terms) {
    return entries.filter(function (entry) {
      return terms.every(function (term) { return entry.haystack.indexOf(term) !== -1; });
    });
  }

  function show(found) {
    list.textContent = "";
    found.slice(0, LIMIT).forEach(function (entry) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = entry.title + " (" + entry.kind + ")";
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function update() {
    var terms = normalise(input.value).split(/\s+/).filter(Boolean);
    if (!terms.length) { show([]); status.textContent = ""; return; }
    var found = matches(terms);
    show(found);
    status.textContent = found.length === 0 ? "No matches." :
      found.length + (found.length === 1 ? " match" : " matches") + (found.length > LIMIT ? ", showing " + LIMIT : "") + ".";
  }

  var loaded = window.LPIP_SEARCH_INDEX ? Promise.resolve(window.LPIP_SEARCH_INDEX) :
    fetch(input.getAttribute("data-index")).then(function (response) { return response.json(); });
  loaded
    .then(function (data) {
      entries = data.map(function (entry) {
        entry.haystack = normalise(entry.title + " " + entry.words + " " + entry.kind);
        return entry;
      });
      input.addEventListener("input", update);
      update();
    })
    .catch(function () { status.textContent = "The search index could not be loaded; use the lists below."; });
})();
