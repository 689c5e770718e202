/* atlas-map.js: the atlas's home map. Every district indicator on one map, chosen from a
 * list, with district names and the sub-regions outlined.
 *
 * The data is set by maps/home.data.js (window.LPIP_ATLAS_MAP), a script rather than a JSON
 * file so that the page also works opened straight from the folder (file://), where
 * browsers refuse fetch. Text is put in with text nodes, never HTML strings. No tiles: no
 * request leaves the site.
 */
(function () {
  "use strict";

  var NO_DATA = -1;
  var HIGHLIGHT = { weight: 3, color: "#000000" };

  function line(parent, tag, text, className) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (className) { node.className = className; }
    parent.appendChild(node);
    return node;
  }

  function showError(element, message) {
    element.classList.add("lpip-map-error");
    element.textContent = message;
  }

  function swatch(colour, hatch) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "lpip-map-swatch");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "12");
    svg.setAttribute("aria-hidden", "true");
    var rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", "18");
    rect.setAttribute("height", "12");
    rect.setAttribute("fill", colour);
    rect.setAttribute("stroke", "#8c8c8c");
    svg.appendChild(rect);
    if (hatch) {
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", "M0 12 L12 0 M6 12 L18 0 M-6 12 L6 0");
      path.setAttribute("stroke", "#737373");
      svg.appendChild(path);
    }
    return svg;
  }

  function HomeMap(element, data) {
    this.element = element;
    this.data = data;
    this.layers = {};
    data.layers.forEach(function (layer) { this.layers[layer.id] = layer; }, this);
    this.legend = document.getElementById(element.getAttribute("data-legend"));
    this.caption = document.getElementById(element.getAttribute("data-caption"));
    this.alt = document.getElementById(element.getAttribute("data-alt"));
    this.link = document.getElementById(element.getAttribute("data-link"));
    this.current = null;
  }

  HomeMap.prototype.draw = function () {
    var self = this;
    var map = L.map(this.element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet");
    this.map = map;
    this.areas = L.geoJSON(this.data.districts, {
      style: function (feature) { return self.style(feature); },
      onEachFeature: function (feature, layer) { self.bind(feature, layer); }
    }).addTo(map);
    L.geoJSON(this.data.outlines, {
      interactive: false,
      style: function () { return { color: "#000000", weight: 3, fill: false, opacity: 1 }; }
    }).addTo(map);
    this.labels = L.layerGroup(this.data.labels.map(function (item) {
      var box = document.createElement("span");
      box.textContent = item[1];
      return L.marker([item[2], item[3]], {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "atlas-map-label", html: box, iconSize: null })
      });
    }));
    map.fitBounds(this.areas.getBounds(), { padding: [8, 8] });
    map.on("zoomend", function () { if (map.hasLayer(self.labels)) { self.declutter(); } });
    this.element.setAttribute("data-drawn", String(this.data.districts.features.length));
  };

  HomeMap.prototype.style = function (feature) {
    var value = this.current && this.current.values[feature.properties.code];
    var noData = !value || value[4] === NO_DATA;
    return {
      fillColor: value ? value[1] : "#f0f0f0", fillOpacity: 0.9, color: noData ? "#737373" : "#ffffff",
      weight: 1, dashArray: noData ? "3 3" : null
    };
  };

  HomeMap.prototype.tooltip = function (props) {
    var box = document.createElement("div");
    box.className = "lpip-map-tooltip";
    line(box, "strong", props.name + " (" + props.code + ")");
    var value = this.current && this.current.values[props.code];
    if (!value || value[4] === NO_DATA) {
      line(box, "div", "No data");
      return box;
    }
    line(box, "div", value[0]);
    if (value[3]) { line(box, "div", "Confidence interval: " + value[3], "lpip-map-interval"); }
    line(box, "div", "Class: " + value[2], "lpip-map-class");
    return box;
  };

  HomeMap.prototype.spoken = function (props) {
    var value = this.current && this.current.values[props.code];
    return props.name + ": " + (!value || value[4] === NO_DATA ? "no data" : value[0]);
  };

  HomeMap.prototype.bind = function (feature, layer) {
    var self = this;
    var props = feature.properties;
    layer.bindTooltip(function () { return self.tooltip(props); }, { sticky: true, direction: "top" });
    layer.on("mouseover", function () { layer.setStyle(HIGHLIGHT); layer.bringToFront(); });
    layer.on("mouseout", function () { self.areas.resetStyle(layer); });
    layer.on("add", function () {
      var element = layer.getElement && layer.getElement();
      if (!element || self.data.districts.features.length > 400) { return; }
      element.setAttribute("tabindex", "0");
      element.setAttribute("role", "img");
      element.setAttribute("aria-label", self.spoken(props));
      element.addEventListener("focus", function () { layer.fire("mouseover"); layer.openTooltip(); });
      element.addEventListener("blur", function () { layer.fire("mouseout"); layer.closeTooltip(); });
    });
  };

  HomeMap.prototype.show = function (id) {
    var layer = this.layers[id];
    if (!layer) { return; }
    var self = this;
    this.current = layer;
    this.areas.setStyle(function (feature) { return self.style(feature); });
    this.areas.eachLayer(function (area) {
      var element = area.getElement && area.getElement();
      if (element && element.hasAttribute("aria-label")) {
        element.setAttribute("aria-label", self.spoken(area.feature.properties));
      }
    });
    this.showLegend(layer);
    if (this.caption) {
      this.caption.textContent = "";
      line(this.caption, "strong", layer.title);
      this.caption.appendChild(document.createTextNode(" (" + layer.subtitle + "). " + layer.attribution));
    }
    if (this.alt) { this.alt.textContent = layer.alt; }
    if (this.link) {
      this.link.setAttribute("href", "indicators/" + encodeURIComponent(layer.id) + ".html");
      this.link.textContent = "The page of " + layer.title + ": every district ranked, a chart and downloads";
    }
    this.element.setAttribute("data-indicator", id);
    this.element.setAttribute("aria-label", "Interactive map: " + layer.title);
  };

  HomeMap.prototype.showLegend = function (layer) {
    if (!this.legend) { return; }
    this.legend.textContent = "";
    line(this.legend, "p", layer.legend_title, "lpip-map-legend-title");
    var list = document.createElement("ul");
    layer.legend.forEach(function (entry) {
      var item = document.createElement("li");
      item.appendChild(swatch(entry.colour, entry.hatch));
      item.appendChild(document.createTextNode(" "));
      line(item, "span", entry.label, "lpip-map-range");
      item.appendChild(document.createTextNode(" "));
      line(item, "span", "(" + entry.count + ")", "lpip-map-count");
      list.appendChild(item);
    });
    this.legend.appendChild(list);
    var key = document.createElement("p");
    key.className = "atlas-map-outline-key";
    key.appendChild(swatch("#ffffff", false)).querySelector("rect").setAttribute("stroke", "#000000");
    key.querySelector("rect").setAttribute("stroke-width", "3");
    key.appendChild(document.createTextNode(" Sub-region boundary"));
    if (this.data.outlines.features.length) { this.legend.appendChild(key); }
  };

  HomeMap.prototype.setLabels = function (on) {
    if (on) { this.labels.addTo(this.map); this.declutter(); } else { this.labels.remove(); }
  };

  // Names come largest district first; a name that would overlap one already shown is hidden
  // until the reader zooms in far enough for it to fit.
  HomeMap.prototype.declutter = function () {
    var shown = [];
    this.labels.eachLayer(function (marker) {
      var element = marker.getElement && marker.getElement();
      var text = element && element.firstChild;
      if (!text) { return; }
      text.style.visibility = "visible";
      var box = text.getBoundingClientRect();
      var clash = shown.some(function (other) {
        return box.left < other.right && box.right > other.left && box.top < other.bottom && box.bottom > other.top;
      });
      if (clash) { text.style.visibility = "hidden"; } else { shown.push(box); }
    });
  };

  function chosenFromHash(map) {
    var match = /indicator=([^&]+)/.exec(window.location.hash);
    var id = match ? decodeURIComponent(match[1]) : null;
    return id && map.layers[id] ? id : map.data.first;
  }

  function start() {
    var element = document.getElementById("home-map");
    if (!element) { return; }
    if (typeof L === "undefined") { showError(element, "The map library (assets/leaflet/leaflet.js) did not load."); return; }
    var data = window.LPIP_ATLAS_MAP;
    if (!data) { showError(element, "The map data (maps/home.data.js) did not load."); return; }
    var map = new HomeMap(element, data);
    map.draw();
    var chooser = document.getElementById("map-indicator");
    var names = document.getElementById("map-labels");
    var first = chosenFromHash(map);
    if (first) { map.show(first); }
    if (chooser && first) {
      chooser.value = first;
      chooser.addEventListener("change", function () {
        map.show(chooser.value);
        try {
          window.history.replaceState(null, "", "#indicator=" + encodeURIComponent(chooser.value));
        } catch (error) {
          // Some browsers refuse history changes on pages opened from disk; the map has changed anyway.
        }
      });
    }
    if (names) {
      names.checked = !!data.showLabels;
      map.setLabels(names.checked);
      names.addEventListener("change", function () { map.setLabels(names.checked); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
