/* govgraph maps: draws each map from the JSON its page carries (<script type="application/json">).
 *
 * Labels are data, never markup: every text reaches the page through textContent, or is drawn on
 * vis-network's canvas; tooltips are DOM elements built here (vis-network shows an element as is),
 * never HTML strings. Links are made only for http(s) URLs. Nothing here fetches anything.
 */
(function () {
  "use strict";
  var SAFE_URL = /^https?:\/\/[^\s]+$/i;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function sourceItem(s) {
    var li = el("li");
    if (s.url && SAFE_URL.test(s.url)) {
      var a = el("a", null, s.text);
      a.href = s.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      li.appendChild(a);
    } else {
      li.textContent = s.text;
    }
    return li;
  }

  /* blocks: [{h}, {sub}, {p}, {kv: [[k, v]]}, {sources: [{text, url}]}] → one element */
  function render(blocks) {
    var root = el("div", "gg-info");
    (blocks || []).forEach(function (b) {
      if (b.h) root.appendChild(el("h4", null, b.h));
      if (b.sub) root.appendChild(el("h5", null, b.sub));
      if (b.p) root.appendChild(el("p", b.cls || null, b.p));
      if (b.kv && b.kv.length) {
        var dl = el("dl");
        b.kv.forEach(function (kv) {
          dl.appendChild(el("dt", null, kv[0]));
          dl.appendChild(el("dd", null, kv[1]));
        });
        root.appendChild(dl);
      }
      if (b.sources && b.sources.length) {
        var ul = el("ul", "gg-sources");
        b.sources.forEach(function (s) { ul.appendChild(sourceItem(s)); });
        root.appendChild(ul);
      }
    });
    return root;
  }

  function strip(item) {
    var o = {};
    Object.keys(item).forEach(function (k) { if (k !== "info") o[k] = item[k]; });
    o.title = render(item.info);
    return o;
  }

  function init(box) {
    var data = JSON.parse(box.querySelector("script.gg-data").textContent);
    var canvas = box.querySelector(".gg-canvas");
    var nodes = new vis.DataSet(data.nodes.map(strip));
    var edges = new vis.DataSet(data.edges.map(strip));
    var info = {};
    data.nodes.forEach(function (n) { info["n:" + n.id] = n.info; });
    data.edges.forEach(function (e) { info["e:" + e.id] = e.info; });
    var network = new vis.Network(canvas, { nodes: nodes, edges: edges }, data.options);
    if (data.options.physics && data.options.physics.enabled) {
      /* the layout is precomputed (networkx, fixed seed): physics only relaxes it, then stops */
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: { enabled: false } });
      });
    }
    var details = document.getElementById(box.getAttribute("data-details") || "");
    var status = box.querySelector(".gg-status");

    function show(key) {
      if (!details) return;
      details.replaceChildren(render(info[key]));
    }
    function say(text) { if (status) status.textContent = text || ""; }

    network.on("click", function (p) {
      if (p.nodes.length) show("n:" + p.nodes[0]);
      else if (p.edges.length) show("e:" + p.edges[0]);
    });

    /* search: exact name, acronym or id first, then any name containing the text */
    var search = box.querySelector("input.gg-search");
    function find(text) {
      var q = String(text || "").trim().toLowerCase();
      if (!q) return null;
      var hit = null;
      data.nodes.forEach(function (n) {
        if (!hit && n.search.some(function (s) { return s.toLowerCase() === q; })) hit = n;
      });
      data.nodes.forEach(function (n) {
        if (!hit && n.search.some(function (s) { return s.toLowerCase().indexOf(q) >= 0; })) hit = n;
      });
      return hit;
    }
    function go() {
      var n = find(search.value);
      if (!n) { say("No body matches “" + search.value + "”."); return; }
      say("");
      network.selectNodes([n.id]);
      network.focus(n.id, { scale: 1.1, animation: false });
      show("n:" + n.id);
    }
    if (search) {
      search.addEventListener("change", go);
      search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); go(); } });
    }

    /* filters: relation groups (checkboxes) and lever type (select) */
    var groupBoxes = Array.prototype.slice.call(box.querySelectorAll("input.gg-group"));
    var leverSelect = box.querySelector("select.gg-lever");
    function applyFilters() {
      var on = {};
      groupBoxes.forEach(function (c) { on[c.value] = c.checked; });
      var lever = leverSelect ? leverSelect.value : "";
      var updates = data.edges.map(function (e) {
        var hidden = on[e.group] === false || (lever !== "" && e.group === "lever" && e.leverType !== lever);
        return { id: e.id, hidden: hidden };
      });
      edges.update(updates);
      if (lever !== "") {
        var holders = data.nodes.filter(function (n) { return n.leverTypes.indexOf(lever) >= 0; })
          .map(function (n) { return n.id; });
        network.selectNodes(holders);
        say(holders.length + " bod" + (holders.length === 1 ? "y holds" : "ies hold") + " a " + lever + " lever.");
      } else {
        say("");
      }
    }
    groupBoxes.forEach(function (c) { c.addEventListener("change", applyFilters); });
    if (leverSelect) leverSelect.addEventListener("change", applyFilters);

    var fit = box.querySelector("button.gg-fit");
    if (fit) fit.addEventListener("click", function () { network.unselectAll(); network.fit({ animation: false }); });

    window.govgraphMaps = window.govgraphMaps || {};
    window.govgraphMaps[data.id] = { network: network, nodes: nodes, edges: edges, data: data, find: find,
                                     strip: strip, info: info };
    return network;
  }

  /* finding buttons anywhere on the page: select their evidence on the map they name */
  function wireFindings() {
    Array.prototype.slice.call(document.querySelectorAll("button[data-gg-map]")).forEach(function (b) {
      if (b.getAttribute("data-gg-wired")) return;  /* lists redrawn by the year control are wired again */
      b.setAttribute("data-gg-wired", "1");
      b.addEventListener("click", function () {
        var m = (window.govgraphMaps || {})[b.getAttribute("data-gg-map")];
        if (!m) return;
        var wanted = JSON.parse(b.getAttribute("data-gg-nodes") || "[]");
        var ids = wanted.filter(function (id) { return m.nodes.get(id) !== null; });
        m.network.selectNodes(ids);
        if (ids.length) m.network.fit({ nodes: ids, animation: false });
        if (ids.length) {
          var box = document.getElementById("map-" + b.getAttribute("data-gg-map"));
          var details = box && document.getElementById(box.getAttribute("data-details") || "");
          var n = m.data.nodes.filter(function (x) { return x.id === ids[0]; })[0];
          if (details && n) details.replaceChildren(render(n.info));
        }
      });
    });
  }

  function start() {
    Array.prototype.slice.call(document.querySelectorAll(".gg-map")).forEach(init);
    wireFindings();
    document.dispatchEvent(new CustomEvent("govgraph:maps"));
  }
  window.govgraphWireFindings = wireFindings;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
