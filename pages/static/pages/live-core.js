/* Veche live script: one WebSocket per page (SPEC §4), offline vote queue,
 * similar ideas while typing, group suggestions on the console.
 *
 * Rules this file keeps:
 * - User text is only ever put in the page with textContent (never innerHTML).
 * - The server renders the structure; on a structural event the page asks its
 *   own server for a fresh fragment (htmx), so escaping, translation and who
 *   may see what stay in one place (Django templates). Tallies are patched in
 *   place when the message carries numbers.
 * - Votes go through the REST API with a request_id and wait in localStorage
 *   until the server answered, so a dropped connection loses none and a resent
 *   one is applied once.
 */
(function () {
  "use strict";

  var root = document.getElementById("live-root");
  if (!root) return;
  var page = root.dataset.page;
  var sessionId = root.dataset.session;
  var token = root.dataset.token || "";
  var lang = document.documentElement.lang || "ru";
  var numbers = new Intl.NumberFormat(lang);

  // --- translated texts, rendered by Django into <template id="live-texts"> ---
  var texts = {};
  var textTemplate = document.getElementById("live-texts");
  if (textTemplate) {
    textTemplate.content.querySelectorAll("[data-key]").forEach(function (el) {
      texts[el.dataset.key] = el.textContent;
    });
  }
  function t(key, params) {
    var text = texts[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function requestId() {
    // crypto.randomUUID needs a secure context; a venue may serve plain http on a LAN.
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  var announcer = document.getElementById("announcer");
  function announce(message) {
    if (!announcer) return;
    // Clearing first makes screen readers repeat an identical message.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  // --- connection state shown to people ---
  var connection = document.getElementById("connection");
  var online = false;
  function showConnection(state) {
    online = state === "online";
    if (!connection) return;
    connection.dataset.state = state;
    var label = connection.querySelector("[data-connection-text]");
    if (label) label.textContent = t(state);
    if (page === "phone") updateQueueText();
  }

  // --- refreshing server-rendered fragments ---
  var live = document.getElementById("live");
  var refreshTimer = null;
  var refreshing = false;
  var refreshAgain = false;
  var lastStage = live && live.querySelector("[data-live-state]") ? live.querySelector("[data-live-state]").dataset.stage : null;

  function editingInside(container) {
    var active = document.activeElement;
    if (!active || !container.contains(active)) return false;
    return active.matches("input[type=text], input[type=number], input:not([type]), textarea, select");
  }

  function scheduleRefresh(delay) {
    if (!live) return;
    if (delay === undefined) {
      // Phones spread their requests so a hall of them does not ask at the same instant.
      delay = page === "phone" ? 150 + Math.random() * 850 : 120;
    }
    if (refreshTimer) return;
    refreshTimer = window.setTimeout(function () {
      refreshTimer = null;
      refresh();
    }, delay);
  }

  function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    if (editingInside(live)) {
      // Never pull a form away from someone typing or choosing; catch up once they leave it.
      live.addEventListener("focusout", function () { scheduleRefresh(300); }, { once: true });
      return;
    }
    refreshing = true;
    var active = document.activeElement;
    var hadFocus = active && live.contains(active);
    var section = hadFocus && active.closest("section") ? active.closest("section").id : null;
    htmx.ajax("GET", root.dataset.liveUrl, { target: "#live", swap: "innerHTML" }).then(function () {
      if (hadFocus && (!document.activeElement || document.activeElement === document.body)) {
        // The focused control vanished (an approved idea left the queue): keep the
        // keyboard user in the same panel rather than at the top of the page.
        var heading = section && document.getElementById(section) && document.getElementById(section).querySelector("h2[tabindex]");
        if (heading) heading.focus();
      }
    }).finally(function () {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === live) afterLiveSwap();
  });

  function afterLiveSwap() {
    var state = live.querySelector("[data-live-state]");
    if (!state) return;
    if (lastStage && state.dataset.stage !== lastStage) {
      announce(t("stage") + " " + state.dataset.stageLabel);
    }
    lastStage = state.dataset.stage;
    if (page === "phone") {
      var post = document.getElementById("post-section");
      if (post) post.hidden = state.dataset.postingOpen !== "true";
      markQueuedVotes();
    }
    if (page === "screen") {
      showOnline();
      tickTimer();
    }
  }

  // --- tallies patched in place ---
  function tallyRows(message) {
    // Accepts {ideas: [{id, ...counts}]}, {ideas: [{idea, tally: {...}}]} or {tallies: {id: {...}}}.
    var rows = [];
    if (message.tallies && typeof message.tallies === "object" && !Array.isArray(message.tallies)) {
      Object.keys(message.tallies).forEach(function (id) { rows.push([id, message.tallies[id]]); });
    }
    var list = Array.isArray(message.ideas) ? message.ideas : Array.isArray(message.tallies) ? message.tallies : [];
    list.forEach(function (item) {
      if (item && typeof item === "object") {
        var id = item.id !== undefined ? item.id : item.idea;
        rows.push([id, item.tally && typeof item.tally === "object" ? item.tally : item]);
      }
    });
    return rows;
  }

  function applyTally(message) {
    var rows = tallyRows(message);
    rows.forEach(function (row) {
      var counts = row[1];
      document.querySelectorAll('[data-tally="' + String(Number(row[0])) + '"]').forEach(function (el) {
        el.querySelectorAll("[data-count]").forEach(function (slot) {
          var value = counts[slot.dataset.count];
          if (typeof value === "number") slot.textContent = numbers.format(value);
        });
      });
    });
    return rows.length > 0;
  }

  var lastTallyRefresh = 0;
  function onTally(message) {
    var patched = applyTally(message);
    if (page !== "phone") {
      scheduleRefresh(); // the screen re-ranks its leaders; the console shows scores
      return;
    }
    if (!patched) {
      // An id-only tally: a phone asks for the fresh list at most every 2 s.
      var now = Date.now();
      if (now - lastTallyRefresh > 2000) {
        lastTallyRefresh = now;
        scheduleRefresh();
      }
    }
  }

  // --- presence (online count) on the big screen ---
  var onlineCount = null;
  function showOnline() {
    if (onlineCount === null) return;
    document.querySelectorAll("[data-online]").forEach(function (el) {
      el.textContent = numbers.format(onlineCount);
      var stat = el.closest("[data-online-stat]");
      if (stat) stat.hidden = false;
    });
  }

  // --- the WebSocket ---
  var socket = null;
  var seq = null;
  var attempts = 0;
  var snapshots = 0;
  var pingTimer = null;

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + location.host + "/ws/sessions/" + encodeURIComponent(sessionId) + "/";
    return token ? url + "?token=" + encodeURIComponent(token) : url;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function connect() {
    showConnection(attempts ? "offline" : "connecting");
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      reconnectLater();
      return;
    }
    socket.addEventListener("open", function () {
      var resumed = attempts > 0;
      attempts = 0;
      showConnection("online");
      if (seq !== null) send({ type: "resume", seq: seq });
      if (resumed) scheduleRefresh(); // whatever happened while away
      if (page === "phone") flushVotes();
      window.clearInterval(pingTimer);
      pingTimer = window.setInterval(function () { send({ type: "ping" }); }, 25000);
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      handle(message);
    });
    socket.addEventListener("close", function () {
      window.clearInterval(pingTimer);
      if (inFlight) unanswered(inFlight);
      showConnection("offline");
      reconnectLater();
    });
  }

  function reconnectLater() {
    attempts += 1;
    var delay = Math.min(15000, 500 * Math.pow(2, Math.min(attempts, 5))) * (0.5 + Math.random());
    window.setTimeout(connect, delay);
  }

  function handle(message) {
    if (typeof message.seq === "number") seq = message.seq;
    switch (message.type) {
      case "snapshot":
        snapshots += 1;
        if (typeof message.online === "number") { onlineCount = message.online; showOnline(); }
        applyTally(message);
        // The page was rendered moments ago; a later snapshot means we missed something.
        if (snapshots > 1) scheduleRefresh();
        break;
      case "tally":
        onTally(message);
        break;
      case "presence":
        var count = typeof message.online === "number" ? message.online : message.count;
        if (typeof count === "number") { onlineCount = count; showOnline(); }
        break;
      case "idea.created":
      case "idea.updated":
      case "groups.updated":
      case "stage":
      case "session.updated":
        scheduleRefresh();
        break;
      case "suggestion.updated":
      case "suggestion.progress":
        if (page === "moderate") loadSuggestion();
        break;
      case "vote.ack":
      case "error":
        if (page === "phone") answerOverSocket(message);
        break;
      default:
        break;
    }
  }

  // --- phone: votes, queued until the server answers ---
  var queueKey = "veche.votes." + sessionId;
  var flushing = false;
  var retryTimer = null;

  function readQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (error) { return []; }
  }
  function writeQueue(queue) {
    try { localStorage.setItem(queueKey, JSON.stringify(queue)); } catch (error) { /* private mode: memory only */ }
    updateQueueText();
  }

  function updateQueueText() {
    if (!connection || page !== "phone") return;
    var slot = connection.querySelector("[data-queue-text]");
    var waiting = readQueue().length;
    var offline = !navigator.onLine || !online;
    connection.dataset.queue = String(waiting);
    if (slot) {
      slot.hidden = waiting === 0;
      slot.textContent = waiting ? t("queued", { count: numbers.format(waiting) }) : "";
    }
    var label = connection.querySelector("[data-connection-text]");
    if (label && offline && connection.dataset.state !== "connecting") label.textContent = t("offline");
  }

  function vote(ideaId, value) {
    var queue = readQueue();
    queue.push({ request_id: requestId(), idea: ideaId, value: value });
    writeQueue(queue);
    showVote(ideaId, value, true);
    if (!navigator.onLine) announce(t("vote_queued"));
    flushVotes();
  }

  // A vote goes over the open socket (the server stores a hall's votes together, see
  // realtime/intake.py); without one it goes over REST. Either way it keeps its request_id
  // until answered, so a resend after a timeout or a reconnect is applied once.
  var inFlight = null;
  var ackTimer = null;
  var ACK_TIMEOUT_MS = 5000;

  function flushVotes() {
    if (flushing || page !== "phone") return;
    var queue = readQueue();
    if (!queue.length) return;
    if (!navigator.onLine) { updateQueueText(); return; }
    flushing = true;
    var entry = queue[0];
    if (send({ type: "vote", idea: entry.idea, value: entry.value, request_id: entry.request_id })) {
      inFlight = entry;
      window.clearTimeout(ackTimer);
      ackTimer = window.setTimeout(function () { unanswered(entry); }, ACK_TIMEOUT_MS);
      return;
    }
    var body = entry.value === null ? { request_id: entry.request_id } : { value: entry.value, request_id: entry.request_id };
    fetch("/api/v1/ideas/" + encodeURIComponent(entry.idea) + "/vote/", {
      method: entry.value === null ? "DELETE" : "PUT",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token, "Accept-Language": lang },
      body: JSON.stringify(body),
      credentials: "omit",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (answer) {
      settle(entry, answer.status, answer.data);
    }).catch(function () {
      // No network: the vote stays queued; `online`, the socket or the timer sends it.
      flushing = false;
      updateQueueText();
      retryLater();
    });
  }

  function unanswered(entry) {
    // The socket went quiet or closed: the vote stays queued and is sent again, same request_id.
    if (inFlight !== entry) return;
    inFlight = null;
    window.clearTimeout(ackTimer);
    flushing = false;
    retryLater();
  }

  function answerOverSocket(message) {
    if (!inFlight || message.request_id !== inFlight.request_id) return;
    var entry = inFlight;
    inFlight = null;
    window.clearTimeout(ackTimer);
    if (message.type === "vote.ack") settle(entry, 200, message);
    else settle(entry, message.status || 400, { detail: message.message });
  }

  function settle(entry, status, data) {
    flushing = false;
    if (status === 429 || status >= 500) {
      retryLater();
      return;
    }
    dropFirst(entry.request_id);
    if (status >= 200 && status < 300) {
      if (typeof data.dots_left === "number") showDotsLeft(data.dots_left);
      showVote(entry.idea, data.value === undefined ? entry.value : data.value, false);
      if (!readQueue().length) announce(t("vote_saved"));
      if (root.dataset.method === "dots") scheduleRefresh(0); // the +/− limits follow the budget
    } else {
      var reason = data.detail || data.message || data.error || "";
      announce(t("vote_failed") + " " + reason);
      scheduleRefresh(50); // put the buttons back as the server sees them
    }
    flushVotes();
  }

  function dropFirst(id) {
    writeQueue(readQueue().filter(function (item) { return item.request_id !== id; }));
  }

  function retryLater() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flushVotes, 3000 + Math.random() * 2000);
  }

  function showDotsLeft(left) {
    document.querySelectorAll("[data-dots-left]").forEach(function (el) {
      el.textContent = numbers.format(left);
    });
  }

  function showVote(ideaId, value, pending) {
    var card = document.getElementById("idea-" + ideaId);
    if (!card) return;
    card.dataset.myVote = value === null ? "" : String(value);
    card.classList.toggle("voted", value !== null);
    card.classList.toggle("vote-pending", pending);
    card.querySelectorAll("button[data-value]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(value !== null && Number(button.dataset.value) === value));
    });
    var dots = card.querySelector("[data-my-dots]");
    if (dots) dots.textContent = numbers.format(value || 0);
    var minus = card.querySelector('button[data-step="-1"]');
    if (minus) minus.disabled = !value;
  }

  function markQueuedVotes() {
    readQueue().forEach(function (entry) { showVote(entry.idea, entry.value, true); });
  }

  function setupPhone() {
    document.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-vote-form]");
      if (!form) return;
      event.preventDefault();
      var button = event.submitter;
      if (!button) return;
      var ideaId = Number(form.dataset.idea);
      var card = document.getElementById("idea-" + ideaId);
      var current = card && card.dataset.myVote !== "" ? Number(card.dataset.myVote) : null;
      var next;
      if (button.dataset.step) {
        next = (current || 0) + Number(button.dataset.step);
        if (next <= 0) next = null;
      } else {
        var value = Number(button.dataset.value);
        next = current === value ? null : value; // pressing your own vote again withdraws it
      }
      if (next === current) return;
      vote(ideaId, next);
    });
    window.addEventListener("online", function () { updateQueueText(); flushVotes(); });
    window.addEventListener("offline", function () { showConnection("offline"); });
    window.setInterval(flushVotes, 5000);
    markQueuedVotes();
    updateQueueText();
    setupSimilar();
  }

  // --- phone: similar ideas while typing ---
  var similarAvailable = true;
  function setupSimilar() {
    document.addEventListener("input", debounce(function (event) {
      if (!event.target.matches("#idea-form textarea")) return;
      lookUpSimilar(event.target.value.trim());
    }, 350));
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "idea-form") {
        var form = document.getElementById("idea-form");
        var field = form && form.querySelector("textarea");
        if (field && !form.querySelector(".errors")) field.focus();
      }
    });
  }

  function lookUpSimilar(text) {
    var box = document.getElementById("similar");
    if (!box || !similarAvailable) return;
    if (text.length < 6) { box.hidden = true; return; }
    var url = "/api/v1/sessions/" + encodeURIComponent(sessionId) + "/similar/?limit=5&text=" + encodeURIComponent(text);
    fetch(url, { headers: { "Authorization": "Bearer " + token, "Accept-Language": lang }, credentials: "omit" })
      .then(function (response) {
        if (response.status === 404 || response.status === 405 || response.status === 501) {
          similarAvailable = false; // the ML endpoint is not on this server: stay quiet
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        var field = document.querySelector("#idea-form textarea");
        if (!field || field.value.trim() !== text) return; // typing went on; a newer answer follows
        renderSimilar(box, Array.isArray(data) ? data : data.results || []);
      })
      .catch(function () { /* offline: no suggestions, posting still works */ });
  }

  function ideaOf(item) {
    var idea = item.idea && typeof item.idea === "object" ? item.idea : { id: item.idea, text: item.text };
    return { id: Number(idea.id), text: String(idea.text || ""), score: item.score, duplicate: Boolean(item.duplicate) };
  }

  function renderSimilar(box, items) {
    var list = box.querySelector("[data-similar-list]");
    list.replaceChildren();
    var state = live && live.querySelector("[data-live-state]");
    var votingOpen = state && state.dataset.votingOpen === "true";
    items.map(ideaOf).forEach(function (idea) {
      var li = document.createElement("li");
      li.className = "similar-item" + (idea.duplicate ? " duplicate" : "");
      var p = document.createElement("p");
      p.textContent = idea.text;
      li.appendChild(p);
      if (idea.duplicate) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = t("duplicate");
        li.appendChild(badge);
      }
      var card = document.getElementById("idea-" + idea.id);
      var mine = card && card.dataset.myVote !== "" && card.dataset.myVote !== undefined;
      if (votingOpen && !mine) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button small";
        button.textContent = t("support_instead");
        button.addEventListener("click", function () {
          vote(idea.id, 1);
          var field = document.querySelector("#idea-form textarea");
          if (field) { field.value = ""; field.focus(); }
          box.hidden = true;
          announce(t("supported"));
        });
        li.appendChild(button);
      } else if (mine) {
        var note = document.createElement("span");
        note.className = "badge";
        note.textContent = t("supported");
        li.appendChild(note);
      }
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  // --- big screen: the countdown ---
  function tickTimer() {
    document.querySelectorAll("[data-timer-ends]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.timerEnds) - Date.now()) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) {
        el.textContent = t("time_up");
        el.classList.add("time-up");
        return;
      }
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      el.textContent = minutes + ":" + String(seconds).padStart(2, "0");
    });
  }

  // --- console: duplicates and group suggestions (JSON APIs, drawn with textContent) ---
  var suggestions = document.getElementById("suggestions");
  var pollTimer = null;

  function apiFetch(url, options) {
    options = options || {};
    options.headers = Object.assign({ "Accept": "application/json", "Accept-Language": lang }, options.headers || {});
    if (options.method && options.method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
    options.credentials = "same-origin";
    return fetch(url, options);
  }

  function ideaText(id) {
    var el = document.querySelector('[data-idea="' + String(Number(id)) + '"] [data-idea-text]');
    return el ? el.textContent : "";
  }

  function setupConsole() {
    document.addEventListener("click", function (event) {
      var finder = event.target.closest("[data-find-similar]");
      if (finder) findDuplicates(Number(finder.dataset.findSimilar));
      if (event.target.closest("[data-suggest]")) requestSuggestion();
      if (event.target.closest("[data-apply]")) applySuggestion();
    });
    loadSuggestion(true);
  }

  function findDuplicates(id) {
    var list = document.getElementById("similar-" + id + "-list");
    if (!list) return;
    var url = suggestions.dataset.similarUrl + "?limit=6&text=" + encodeURIComponent(ideaText(id));
    apiFetch(url).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      var items = (Array.isArray(data) ? data : data.results || []).map(ideaOf).filter(function (idea) { return idea.id !== id; });
      list.replaceChildren();
      if (!items.length) {
        var none = document.createElement("li");
        none.textContent = t("similar_none");
        list.appendChild(none);
      }
      items.forEach(function (idea) {
        var li = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = "№" + idea.id + " " + idea.text + (typeof idea.score === "number" ? " (" + numbers.format(Math.round(idea.score * 100) / 100) + ")" : "");
        li.appendChild(text);
        if (idea.duplicate) {
          var badge = document.createElement("span");
          badge.className = "badge warn";
          badge.textContent = t("duplicate");
          li.appendChild(badge);
        }
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
        li.appendChild(button);
        list.appendChild(li);
      });
    }).catch(function () {
      list.replaceChildren();
      var li = document.createElement("li");
      li.textContent = t("similar_unavailable");
      list.appendChild(li);
    });
  }

  function suggestionStatus(message) {
    var slot = suggestions.querySelector("[data-suggestion-status]");
    if (slot) slot.textContent = message;
  }

  function requestSuggestion() {
    suggestionStatus(t("suggest_running"));
    apiFetch(suggestions.dataset.suggestUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
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
    return apiFetch(suggestions.dataset.suggestionUrl).then(function (response) {
      if (!response.ok) {
        if (!quiet && response.status !== 404) suggestionStatus(t("suggest_failed") + " " + response.status);
        return null;
      }
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
      meta.textContent = t("ideas_count", { count: numbers.format(ids.length) }) + (keywords.length ? " · " + t("keywords") + " " + keywords.join(", ") : "");
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
      p.textContent = t("ideas_count", { count: numbers.format(rest.length) });
      li.appendChild(p);
      list.appendChild(li);
    }
    drawMap(result.map || result.points || result.coordinates, groupOf);
    var apply = suggestions.querySelector("[data-apply]");
    apply.hidden = !groups.length || status === "applied";
    if (!quiet || groups.length) {
      suggestionStatus(status === "applied" ? t("suggest_applied") : t("suggest_ready", { count: numbers.format(groups.length) }));
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
    apiFetch(suggestions.dataset.applyUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { suggestionStatus(t("suggest_failed") + " " + (data.detail || response.status)); return; }
          suggestionStatus(t("suggest_applied"));
          suggestions.querySelector("[data-apply]").hidden = true;
          scheduleRefresh(0);
        });
      })
      .catch(function () { suggestionStatus(t("suggest_unavailable")); });
  }

  // --- start ---
  if (page === "phone") setupPhone();
  if (page === "moderate" && suggestions) setupConsole();
  if (page === "screen") {
    tickTimer();
    window.setInterval(tickTimer, 1000);
  }
  connect();
})();
