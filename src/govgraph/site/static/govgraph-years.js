/* govgraph year control: redraws a country's map, findings and indicators for the chosen year from
 * the pictures the page carries (<script type="application/json" class="gg-years-data">).
 *
 * Each picture lists indices into tables of distinct node and edge records (their tooltip blocks and
 * the findings are tables too); every body has one
 * place on a layout shared by all years (a body already drawn keeps where it is). What is new since
 * the picture before is outlined in green; what is gone is listed. The map's table (its text
 * alternative) and the lever filter's counts follow the drawn year. Text goes through textContent
 * only; nothing is fetched.
 */
(function () {
  "use strict";
  var ADDED = "#1a7f37";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function findingsList(items, mapId) {
    if (!items.length) return el("p", null, "No finding fires with the default thresholds.");
    var ul = el("ul", "gg-findings");
    items.forEach(function (f) {
      var li = el("li");
      li.appendChild(el("span", "gg-sev " + f.severity, f.severity));
      li.appendChild(document.createTextNode(f.statement));
      if (f.nodes && f.nodes.length) {
        var b = el("button", null, "show");
        b.type = "button";
        b.setAttribute("data-gg-map", mapId);
        b.setAttribute("data-gg-nodes", JSON.stringify(f.nodes));
        li.appendChild(b);
      }
      li.appendChild(el("br"));
      li.appendChild(el("span", "gg-fid", f.id));
      ul.appendChild(li);
    });
    return ul;
  }

  /* order rows as Python does (mapmodel.text_alternative): by each key in turn, case-folded first */
  function byKeys(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return -1;
      if (a[i] > b[i]) return 1;
    }
    return 0;
  }

  function row(cells, head) {
    var tr = el("tr");
    cells.forEach(function (text, i) {
      var cell = el(i === 0 && head ? "th" : "td", null, text);
      if (i === 0 && head) cell.setAttribute("scope", "row");
      tr.appendChild(cell);
    });
    return tr;
  }

  /* the map's table: one row per drawn body (the lead body first) and one per drawn tie */
  function mapTable(years, mapId, nodes, edges) {
    var box = document.querySelector("#map-" + mapId + " details.gg-map-table");
    if (!box) return;
    var byId = {};
    nodes.forEach(function (n) { byId[n.id] = n; });
    function name(id) { return byId[id] ? byId[id].fullName : String(id); }
    var bodies = nodes.map(function (n) {
      var cells = [n.fullName, years.kinds[n.kind || ""] || years.kinds[""], n.lead ? "lead body" : "",
                   n.leverText || "", n.weak || ""];
      return { key: [n.lead ? 0 : 1, n.fullName.toLowerCase(), n.fullName], cells: cells };
    }).sort(function (a, b) { return byKeys(a.key, b.key); });
    var ties = edges.map(function (e) {
      var from = name(e.from), to = name(e.to), relation = years.relations[e.type] || years.relations[""];
      return { key: [from.toLowerCase(), relation, to.toLowerCase(), from, to], cells: [from, relation, to] };
    }).sort(function (a, b) { return byKeys(a.key, b.key); });
    var tables = box.querySelectorAll("table");
    [bodies, ties].forEach(function (rows, i) {
      if (!tables[i]) return;
      var body = el("tbody");
      rows.forEach(function (r) { body.appendChild(row(r.cells, i === 0)); });
      tables[i].querySelector("tbody").replaceWith(body);
    });
    box.querySelector("summary").textContent = "The map as a table: " + bodies.length + " bodies and " +
      ties.length + " ties";
  }

  /* the table's captions say the year drawn (the rows change only with the picture) */
  function mapCaptions(years, mapId, year) {
    var title = years.title + ", as of " + year + "-06-30";
    var captions = document.querySelectorAll("#map-" + mapId + " details.gg-map-table caption");
    ["Bodies", "Ties"].forEach(function (what, i) {
      if (captions[i]) captions[i].textContent = what + " on the map " + title;
    });
  }

  /* the lever filter: the year's lever types and counts; a chosen type the year lacks stays, at 0 */
  function leverOptions(years, select, counts) {
    var chosen = select.value;
    var all = select.options[0];
    var options = [all];
    var has = false;
    counts.forEach(function (tc) {
      if (tc[0] === chosen) has = true;
      var o = el("option", null, (years.leverLabels[tc[0]] || tc[0]) + " (" + tc[1] + ")");
      o.value = tc[0];
      options.push(o);
    });
    if (chosen && !has) {
      var gone = el("option", null, (years.leverLabels[chosen] || chosen) + " (0)");
      gone.value = chosen;
      options.push(gone);
    }
    select.replaceChildren.apply(select, options);
    select.value = chosen;
  }

  function names(records, ids) {
    var byId = {};
    records.forEach(function (n) { byId[n.id] = n; });
    return ids.map(function (id) { return byId[id] ? String(byId[id].label).replace(/^★ /, "") : id; });
  }

  function init(box) {
    var years = JSON.parse(box.querySelector("script.gg-years-data").textContent);
    var mapId = years.map;
    var m = (window.govgraphMaps || {})[mapId];
    if (!m) return;
    var input = box.querySelector("input.gg-year");
    var output = box.querySelector("output.gg-year-value");
    var changes = box.querySelector(".gg-year-changes");
    var shown = null;  /* the picture drawn by the control (null: the page's own first map) */

    /* records as the map draws them: each is a list of indices into the value table (in the order
       of its kind's keys; -1: absent), tooltip blocks indices into the block table */
    function unpack(kind) {
      var keys = years.keys[kind];
      return years.records[kind].map(function (r) {
        var o = {};
        r.forEach(function (v, i) { if (v >= 0) o[keys[i]] = years.values[v]; });
        if (o.info) o.info = o.info.map(function (i) { return years.blocks[i]; });
        return o;
      });
    }
    var nodeRecords = unpack("node"), edgeRecords = unpack("edge"), findingRecords = unpack("finding");
    function pictureNodes(k) { return years.pictures[k].nodes.map(function (i) { return nodeRecords[i]; }); }
    function pictureEdges(k) { return years.pictures[k].edges.map(function (i) { return edgeRecords[i]; }); }
    function findings(ids) { return ids.map(function (i) { return findingRecords[i]; }); }

    function draw(year) {
      var at = years.years.indexOf(year);
      if (at < 0) return;
      var k = years.pick[at];
      output.textContent = String(year);
      input.setAttribute("aria-valuetext", String(year));
      var pic = years.pictures[k];
      var lede = document.getElementById("lede-" + mapId);
      if (lede) lede.textContent = "As of " + year + "-06-30" +
        (pic.changed ? " (the data last changed on " + pic.changed + ")" : "") + ". " + pic.view.lede;
      mapCaptions(years, mapId, year);
      if (k === shown) return;
      /* the page's own table lists the picture it opens with, which the control draws first when
         the build is for 30 June (years.start); otherwise the table is the build's own day */
      var first = shown === null && years.start;
      shown = k;
      var nodes = pictureNodes(k), edges = pictureEdges(k);
      var before = k > 0 ? { nodes: pictureNodes(k - 1), edges: pictureEdges(k - 1) } : null;
      var had = {}, hadEdge = {}, now = {}, nowEdge = {};
      if (before) {
        before.nodes.forEach(function (n) { had[n.id] = true; });
        before.edges.forEach(function (e) { hadEdge[e.id] = true; });
      }
      nodes.forEach(function (n) { now[n.id] = true; });
      edges.forEach(function (e) { nowEdge[e.id] = true; });

      var kept = m.network.getPositions(m.nodes.getIds());
      m.network.setOptions({ physics: { enabled: false } });
      var visNodes = nodes.map(function (n) {
        var o = m.strip(n);
        var p = kept[n.id] || years.positions[n.id] || [0, 0];
        o.x = p.x !== undefined ? p.x : p[0];
        o.y = p.y !== undefined ? p.y : p[1];
        if (before && !had[n.id]) {
          o.color = Object.assign({}, n.color, { border: ADDED });
          o.borderWidth = 5;
          o.added = true;
        }
        return o;
      });
      var visEdges = edges.map(function (e) {
        var o = m.strip(e);
        if (before && !hadEdge[e.id]) {
          o.color = Object.assign({}, e.color, { color: ADDED });
          o.width = (e.width || 1) + 2;
          o.added = true;
        }
        return o;
      });
      m.edges.clear();
      m.nodes.clear();
      m.nodes.add(visNodes);
      m.edges.add(visEdges);
      m.data.nodes = nodes;
      m.data.edges = edges;
      Object.keys(m.info).forEach(function (key) { delete m.info[key]; });
      nodes.forEach(function (n) { m.info["n:" + n.id] = n.info; });
      edges.forEach(function (e) { m.info["e:" + e.id] = e.info; });
      var perGroup = {};
      edges.forEach(function (e) { perGroup[e.group] = (perGroup[e.group] || 0) + 1; });
      Array.prototype.forEach.call(document.querySelectorAll("#map-" + mapId + " input.gg-group"), function (c) {
        var text = c.nextSibling;  /* " hierarchy (6)": the count follows the year */
        if (text && text.nodeType === 3) text.textContent = text.textContent.replace(/\(\d+\)\s*$/, "(" + (perGroup[c.value] || 0) + ")");
      });
      var lever = document.querySelector("#map-" + mapId + " select.gg-lever");
      if (lever) {
        leverOptions(years, lever, pic.levers || []);
        lever.dispatchEvent(new Event("change"));
      }
      if (!first) mapTable(years, mapId, nodes, edges);

      var view = pic.view;
      var comp = document.getElementById("completeness-" + mapId);
      if (comp) comp.textContent = view.completeness;
      var fl = document.getElementById("findings-" + mapId);
      if (fl) fl.replaceChildren(findingsList(findings(view.findings), mapId));
      var fc = document.getElementById("findings-count-" + mapId);
      if (fc) fc.textContent = String(view.findings.length);
      var gl = document.getElementById("gaps-" + mapId);
      if (gl) gl.replaceChildren(findingsList(findings(view.gaps), mapId));
      var gc = document.getElementById("gaps-count-" + mapId);
      if (gc) gc.textContent = String(view.gaps.length);
      var gp = document.getElementById("gaps-panel-" + mapId);
      if (gp) gp.hidden = !view.gaps.length;
      var rows = document.querySelectorAll("#indicators-" + mapId + " tr");
      Array.prototype.forEach.call(rows, function (tr, i) {
        if (view.indicators[i] !== undefined && tr.children[1]) tr.children[1].textContent = view.indicators[i];
      });
      if (window.govgraphWireFindings) window.govgraphWireFindings();

      if (changes) {
        if (!before) {
          changes.textContent = "The earliest picture in the data: " + nodes.length + " bodies, " + edges.length + " ties.";
        } else {
          var added = nodes.filter(function (n) { return !had[n.id]; }).map(function (n) { return n.id; });
          var gone = before.nodes.filter(function (n) { return !now[n.id]; }).map(function (n) { return n.id; });
          var addedTies = edges.filter(function (e) { return !hadEdge[e.id]; }).length;
          var goneTies = before.edges.filter(function (e) { return !nowEdge[e.id]; }).length;
          var text = "Against " + years.pictures[k - 1].first + (pic.changed ? " (changes up to " + pic.changed + ")" : "") + ": ";
          text += added.length ? added.length + " bod" + (added.length === 1 ? "y" : "ies") + " added (" +
            names(nodes, added).join("; ") + ")" : "no body added";
          text += gone.length ? ", " + gone.length + " gone (" + names(before.nodes, gone).join("; ") + ")" : ", none gone";
          text += "; " + addedTies + " tie(s) added, " + goneTies + " gone.";
          changes.textContent = text;
        }
      }
      box.setAttribute("data-picture", String(k));
    }

    input.addEventListener("input", function () { draw(parseInt(input.value, 10)); });
    input.addEventListener("change", function () { draw(parseInt(input.value, 10)); });
    if (years.start) draw(years.years.indexOf(years.initial) >= 0 ? years.initial : years.years[0]);
    window.govgraphYears = window.govgraphYears || {};
    window.govgraphYears[mapId] = { data: years, draw: draw, shown: function () { return shown; } };
  }

  function start() {
    Array.prototype.slice.call(document.querySelectorAll(".gg-years")).forEach(init);
  }
  if (window.govgraphMaps && Object.keys(window.govgraphMaps).length) start();
  else document.addEventListener("govgraph:maps", start);
})();
