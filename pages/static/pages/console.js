/* The moderator console: tabs, duplicates (the shared similar-ideas list), group suggestions
 * with the idea map. JSON APIs drawn with textContent. Needs live-core.js. */
(function () {
  "use strict";
  var V = window.Veche;
  if (!V || V.page !== "moderate") return;
  var t = V.t;
  var root = V.root;
  var suggestions = document.getElementById("suggestions");
  var pollTimer = null;

  function ideaText(id) {
    var el = document.querySelector('[data-idea="' + String(Number(id)) + '"] [data-idea-text]');
    return el ? el.textContent : "";
  }

  // --- tabs: one panel at a time, the choice kept across refreshes and reloads ---
  var tabKey = "veche.console.tab." + V.sessionId;
  function selectTab(name, focus) {
    var tabs = document.querySelectorAll("[role=tab][data-tab]");
    if (!tabs.length) return;
    var found = Array.prototype.some.call(tabs, function (tab) { return tab.dataset.tab === name; });
    if (!found) {
      // The queue when something waits in it, else the published ideas.
      var list = document.querySelector("[role=tablist][data-default-tab]");
      name = list ? list.dataset.defaultTab : tabs[0].dataset.tab;
    }
    tabs.forEach(function (tab) {
      var selected = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) panel.hidden = !selected;
      if (selected && focus) tab.focus();
    });
    try { sessionStorage.setItem(tabKey, name); } catch (error) { /* private mode */ }
  }
  function savedTab() {
    try { return sessionStorage.getItem(tabKey) || ""; } catch (error) { return ""; }
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[role=tab][data-tab]");
    if (tab) selectTab(tab.dataset.tab, false);
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab][data-tab]");
    if (!tab) return;
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab][data-tab]"));
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    if (event.key === "Home") next = tabs[0];
    if (event.key === "End") next = tabs[tabs.length - 1];
    if (!next) return;
    event.preventDefault();
    selectTab(next.dataset.tab, true);
  });

  // --- duplicates of a published idea ---
  function findDuplicates(id) {
    var list = document.getElementById("similar-" + id + "-list");
    if (!list || !suggestions) return;
    var url = suggestions.dataset.similarUrl + "?limit=6&exclude=" + id + "&text=" + encodeURIComponent(ideaText(id));
    V.apiFetch(url).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      var items = (Array.isArray(data) ? data : data.results || []).map(V.similarItem)
        .filter(function (idea) { return idea.id !== id; });
      V.renderSimilar(list, items, {
        numbered: true,
        empty: t("similar_none"),
        action: function (idea) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button small";
          button.textContent = t("merge_into") + " (№" + idea.id + ")";
          button.addEventListener("click", function () {
            htmx.ajax("POST", root.dataset.actUrl, {
              source: button, target: "#console-status", swap: "innerHTML",
              values: { idea: String(id), into: String(idea.id) },
            });
          });
          return button;
        },
      });
    }).catch(function () {
      V.renderSimilar(list, [], { empty: t("similar_unavailable") });
    });
  }

  // --- group suggestions ---
  function suggestionStatus(message) {
    var slot = suggestions.querySelector("[data-suggestion-status]");
    if (slot) slot.textContent = message;
  }

  function requestSuggestion() {
    suggestionStatus(t("suggest_running"));
    V.apiFetch(suggestions.dataset.suggestUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
      .then(function (response) {
        if (response.status === 404 || response.status === 405) { suggestionStatus(t("suggest_unavailable")); return; }
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            suggestionStatus(t("suggest_failed") + " " + (data.detail || response.status));
          });
        }
        pollSuggestion(0);
      })
      .catch(function () { suggestionStatus(t("suggest_unavailable")); });
  }

  function pollSuggestion(round) {
    window.clearTimeout(pollTimer);
    loadSuggestion(false).then(function (status) {
      if ((status === "pending" || status === "running") && round < 120) {
        pollTimer = window.setTimeout(function () { pollSuggestion(round + 1); }, 700);
      }
    });
  }

  function loadSuggestion(quiet) {
    // The console knows whether a suggestion exists (data-has-suggestion): no request that answers 404.
    if (quiet && suggestions.dataset.hasSuggestion !== "true") return Promise.resolve(null);
    return V.apiFetch(suggestions.dataset.suggestionUrl).then(function (response) {
      if (!response.ok) {
        if (!quiet && response.status !== 404) suggestionStatus(t("suggest_failed") + " " + response.status);
        return null;
      }
      suggestions.dataset.hasSuggestion = "true";
      return response.json();
    }).then(function (data) {
      if (!data) return null;
      var status = data.status || "done";
      if (status === "pending" || status === "running") { suggestionStatus(t("suggest_running")); return status; }
      if (status === "failed") { suggestionStatus(t("suggest_failed") + " " + (data.error || "")); return status; }
      renderSuggestion(data.result || data, status, quiet);
      return status;
    }).catch(function () { return null; });
  }

  var palette = ["#1f5fbf", "#b3261e", "#1b7f3b", "#8a4baf", "#b35c00", "#00707a", "#7a5c00", "#c2185b", "#455a64", "#5d4037"];

  function memberIds(group) {
    var members = group.ideas || group.idea_ids || group.members || [];
    return members.map(function (m) { return Number(m && typeof m === "object" ? (m.id !== undefined ? m.id : m.idea) : m); });
  }

  function renderSuggestion(result, status, quiet) {
    var list = suggestions.querySelector("[data-suggestion-groups]");
    var groups = result.groups || result.clusters || [];
    list.replaceChildren();
    var groupOf = {};
    groups.forEach(function (group, index) {
      var ids = memberIds(group);
      ids.forEach(function (id) { groupOf[id] = index; });
      var li = document.createElement("li");
      li.className = "suggested-group";
      li.style.borderLeftColor = palette[index % palette.length];
      var title = document.createElement("h3");
      var keywords = group.keywords || group.labels || [];
      title.textContent = group.title || group.label || keywords.slice(0, 3).join(", ");
      li.appendChild(title);
      var meta = document.createElement("p");
      meta.className = "muted";
      meta.textContent = V.tn("ideas_count", ids.length) + (keywords.length ? " · " + t("keywords") + " " + keywords.join(", ") : "");
      li.appendChild(meta);
      var representative = group.representative;
      if (representative !== undefined && representative !== null) {
        var rep = document.createElement("p");
        var repText = typeof representative === "object" ? representative.text || ideaText(representative.id) : ideaText(representative);
        rep.textContent = t("representative") + " " + repText;
        li.appendChild(rep);
      }
      list.appendChild(li);
    });
    var rest = result.ungrouped || result.remainder || result.noise || [];
    if (rest.length) {
      var li = document.createElement("li");
      li.className = "suggested-group";
      var h = document.createElement("h3");
      h.textContent = t("ungrouped");
      li.appendChild(h);
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = V.tn("ideas_count", rest.length);
      li.appendChild(p);
      list.appendChild(li);
    }
    drawMap(result.map || result.points || result.coordinates, groupOf);
    var apply = suggestions.querySelector("[data-apply]");
    apply.hidden = !groups.length || status === "applied";
    if (!quiet || groups.length) {
      suggestionStatus(status === "applied" ? t("suggest_applied") : V.tn("suggest_ready", groups.length));
    }
  }

  function drawMap(points, groupOf) {
    var figure = suggestions.querySelector("[data-idea-map]");
    var svg = suggestions.querySelector("[data-map-svg]");
    var rows = [];
    if (Array.isArray(points)) {
      points.forEach(function (p) {
        if (Array.isArray(p)) rows.push({ id: p[0], x: p[1], y: p[2] });
        else if (p && typeof p === "object") rows.push({ id: p.idea !== undefined ? p.idea : p.id, x: p.x, y: p.y, group: p.group });
      });
    } else if (points && typeof points === "object") {
      Object.keys(points).forEach(function (id) { rows.push({ id: id, x: points[id][0], y: points[id][1] }); });
    }
    rows = rows.filter(function (r) { return typeof r.x === "number" && typeof r.y === "number"; });
    figure.hidden = rows.length === 0;
    svg.replaceChildren();
    if (!rows.length) return;
    var xs = rows.map(function (r) { return r.x; });
    var ys = rows.map(function (r) { return r.y; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var ns = "http://www.w3.org/2000/svg";
    rows.forEach(function (r) {
      var index = groupOf[Number(r.id)];
      var circle = document.createElementNS(ns, "circle");
      circle.setAttribute("cx", String(15 + 370 * (maxX > minX ? (r.x - minX) / (maxX - minX) : 0.5)));
      circle.setAttribute("cy", String(15 + 270 * (maxY > minY ? (r.y - minY) / (maxY - minY) : 0.5)));
      circle.setAttribute("r", "6");
      circle.setAttribute("fill", index === undefined ? "#767676" : palette[index % palette.length]);
      var title = document.createElementNS(ns, "title");
      title.textContent = "№" + r.id + " " + ideaText(r.id);
      circle.appendChild(title);
      svg.appendChild(circle);
    });
  }

  function applySuggestion() {
    V.apiFetch(suggestions.dataset.applyUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { suggestionStatus(t("suggest_failed") + " " + (data.detail || response.status)); return; }
          suggestionStatus(t("suggest_applied"));
          suggestions.querySelector("[data-apply]").hidden = true;
          V.scheduleRefresh(0);
        });
      })
      .catch(function () { suggestionStatus(t("suggest_unavailable")); });
  }

  document.addEventListener("click", function (event) {
    var finder = event.target.closest("[data-find-similar]");
    if (finder) findDuplicates(Number(finder.dataset.findSimilar));
    if (event.target.closest("[data-suggest]")) requestSuggestion();
    if (event.target.closest("[data-apply]")) applySuggestion();
  });

  selectTab(savedTab(), false);
  if (suggestions) loadSuggestion(true);

  V.start({
    tally: function () { V.scheduleRefresh(); }, // scores on the console
    swap: function () { selectTab(savedTab(), false); },
    message: function (message) {
      if ((message.type === "suggestion.updated" || message.type === "suggestion.progress") && suggestions) {
        suggestions.dataset.hasSuggestion = "true";
        loadSuggestion(false);
      }
    },
  });
})();
