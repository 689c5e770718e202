/* lpip-map.js: draws every <div class="lpip-map"> on the page with Leaflet.
 *
 * Each map element names its GeoJSON (data-geojson); the features carry their own fill colour,
 * value in words and interval, so this script only draws and explains them. No tile layer is
 * added unless the element names a tile URL (data-tiles): by default no request leaves the site.
 * A page opened from disk cannot fetch files, so a data script may hand the GeoJSON over in
 * window.LPIP_MAP_DATA[url] instead.
 */
(function () {
  "use strict";

  var NO_DATA = -1;
  var HIGHLIGHT = { weight: 3, color: "#000000" };

  function loadData(url) {
    var preloaded = window.LPIP_MAP_DATA && window.LPIP_MAP_DATA[url];
    if (preloaded) {
      return Promise.resolve(preloaded);
    }
    return fetch(url).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function line(parent, tag, text, className) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (className) {
      node.className = className;
    }
    parent.appendChild(node);
    return node;
  }

  // Built from text nodes, never HTML strings, so a name cannot inject markup.
  function tooltipContent(props, unit) {
    var box = document.createElement("div");
    box.className = "lpip-map-tooltip";
    line(box, "strong", props.name + " (" + props.code + ")");
    if (props["class"] === NO_DATA || props.value === null) {
      line(box, "div", "No data");
      return box;
    }
    line(box, "div", props.value_text);
    if (props.interval) {
      line(box, "div", "Confidence interval: " + props.interval, "lpip-map-interval");
    }
    if (unit && props.value_text.indexOf(unit) === -1) {
      line(box, "div", "Unit: " + unit, "lpip-map-unit");
    }
    line(box, "div", "Class: " + props.class_label, "lpip-map-class");
    return box;
  }

  function spokenLabel(props) {
    var text = props.name + ": " + (props.value === null ? "no data" : props.value_text);
    return props.interval ? text + " (interval " + props.interval + ")" : text;
  }

  function areaStyle(level) {
    var lsoa = level === "lsoa";
    return function (feature) {
      var noData = feature.properties["class"] === NO_DATA;
      return {
        fillColor: feature.properties.fill,
        fillOpacity: 0.9,
        // Small areas are outlined in their own colour: white edges would wash out the map.
        color: noData ? "#737373" : (lsoa ? feature.properties.fill : "#ffffff"),
        weight: lsoa ? 0.5 : 1,
        dashArray: noData ? "3 3" : null
      };
    };
  }

  function makeFocusable(layer, props) {
    var element = layer.getElement && layer.getElement();
    if (!element) {
      return;
    }
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "img");
    element.setAttribute("aria-label", spokenLabel(props));
    element.addEventListener("focus", function () { layer.fire("mouseover"); layer.openTooltip(); });
    element.addEventListener("blur", function () { layer.fire("mouseout"); layer.closeTooltip(); });
  }

  function bindArea(geo, element, focusable) {
    var unit = element.getAttribute("data-unit") || "";
    return function (feature, layer) {
      var props = feature.properties;
      layer.bindTooltip(tooltipContent(props, unit), { sticky: true, direction: "top" });
      layer.on("mouseover", function () {
        layer.setStyle(HIGHLIGHT);
        layer.bringToFront();
      });
      layer.on("mouseout", function () { geo.current.resetStyle(layer); });
      if (focusable) {
        layer.on("add", function () { makeFocusable(layer, props); });
      }
    };
  }

  function addLegend(map, element) {
    var legend = document.getElementById(element.getAttribute("data-legend"));
    if (!legend) {
      return;
    }
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "lpip-map-legend-control");
      box.appendChild(legend);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
  }

  function addTiles(map, element) {
    var url = element.getAttribute("data-tiles");
    if (url) {
      L.tileLayer(url, { attribution: escapeText(element.getAttribute("data-tile-attribution") || "") }).addTo(map);
    }
  }

  function escapeText(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node.innerHTML;
  }

  function showError(element, url, error) {
    element.classList.add("lpip-map-error");
    element.textContent = "The map data (" + url + ") could not be loaded: " + error.message +
      ". Open this page through a web server (for example `lpip atlas serve`).";
  }

  function draw(element) {
    var url = element.getAttribute("data-geojson");
    var focusable = element.getAttribute("data-focusable") === "true";
    if (!element.clientHeight) {
      element.style.height = "32rem"; // Leaflet needs a height; lpip-map.css normally gives it
    }
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution(escapeText(element.getAttribute("data-attribution") || ""));
    addTiles(map, element);
    var geo = { current: null };
    return loadData(url).then(function (data) {
      geo.current = L.geoJSON(data, {
        style: areaStyle(element.getAttribute("data-level")),
        onEachFeature: bindArea(geo, element, focusable)
      }).addTo(map);
      map.fitBounds(geo.current.getBounds(), { padding: [8, 8] });
      addLegend(map, element);
      element.setAttribute("data-drawn", String(data.features.length));
    }).catch(function (error) {
      map.remove();
      showError(element, url, error);
    });
  }

  function drawAll() {
    if (typeof L === "undefined") {
      document.querySelectorAll(".lpip-map").forEach(function (element) {
        showError(element, element.getAttribute("data-geojson"), new Error("Leaflet is not loaded"));
      });
      return;
    }
    document.querySelectorAll(".lpip-map").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
