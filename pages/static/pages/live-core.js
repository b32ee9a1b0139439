/* Veche live core, shared by the phone, the big screen and the console (SPEC §4):
 * translated texts, the WebSocket with resume, fragment refreshes, tallies patched in
 * place, the offline vote queue, and the similar-ideas list (drawn once, here).
 * Each page's own module (phone.js, screen.js, console.js) calls Veche.start(hooks).
 *
 * Rules this file keeps:
 * - User text is only ever put in the page with textContent (never innerHTML).
 * - The server renders the structure; on a structural event the page asks its own
 *   server for a fresh fragment (htmx), so escaping, translation and who may see what
 *   stay in Django templates. Tallies are patched in place when the message carries numbers.
 * - Votes carry a request_id and wait in localStorage until the server answered, so a
 *   dropped connection loses none and a resent one is applied once.
 * - Numbers meet nouns through Django's JavaScript catalogue (npgettext), never "N noun".
 */
(function () {
  "use strict";

  var root = document.getElementById("live-root");
  var Veche = (window.Veche = { root: root });
  if (!root) return;
  var page = (Veche.page = root.dataset.page);
  var sessionId = (Veche.sessionId = root.dataset.session);
  var token = (Veche.token = root.dataset.token || "");
  var lang = (Veche.lang = document.documentElement.lang || "ru");
  var numbers = (Veche.numbers = new Intl.NumberFormat(lang));
  var hooks = {};

  // --- translated texts: <template id="live-texts"> and Django's catalogue for plurals ---
  var texts = {};
  var textTemplate = document.getElementById("live-texts");
  if (textTemplate) {
    textTemplate.content.querySelectorAll("[data-key]").forEach(function (el) {
      texts[el.dataset.key] = el.textContent;
    });
  }
  function fill(text, params) {
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }
  Veche.t = function (key, params) { return fill(texts[key] || key, params); };
  /* A counted phrase: data-one / data-other on the template's span are the English msgids. */
  Veche.tn = function (key, count, params) {
    var el = textTemplate && textTemplate.content.querySelector('[data-key="' + key + '"]');
    var one = el ? el.dataset.one : key;
    var other = el ? el.dataset.other : key;
    var context = el ? el.dataset.context : "";
    var text;
    if (context && typeof window.npgettext === "function") text = window.npgettext(context, one, other, count);
    else if (typeof window.ngettext === "function") text = window.ngettext(one, other, count);
    else text = count === 1 ? one : other;
    return fill(text, Object.assign({ count: numbers.format(count) }, params || {}));
  };
  function noun(el, count) {
    if (typeof window.npgettext !== "function") return;
    el.textContent = window.npgettext(el.dataset.context || "", el.dataset.one, el.dataset.other, count);
  }

  Veche.csrfToken = function () {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  };

  Veche.requestId = function () {
    // crypto.randomUUID needs a secure context; a venue may serve plain http on a LAN.
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  };

  var announcer = document.getElementById("announcer");
  Veche.announce = function (message) {
    if (!announcer) return;
    // Clearing first makes screen readers repeat an identical message.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  };

  Veche.debounce = function (fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, wait);
    };
  };

  Veche.apiFetch = function (url, options) {
    options = options || {};
    options.headers = Object.assign({ "Accept": "application/json", "Accept-Language": lang }, options.headers || {});
    if (token) {
      options.headers["Authorization"] = "Bearer " + token;
      options.credentials = "omit";
    } else {
      if (options.method && options.method !== "GET") options.headers["X-CSRFToken"] = Veche.csrfToken();
      options.credentials = "same-origin";
    }
    return fetch(url, options);
  };

  // --- connection state shown to people ---
  var connection = (Veche.connection = document.getElementById("connection"));
  Veche.online = false;
  function showConnection(state) {
    Veche.online = state === "online";
    if (!connection) return;
    connection.dataset.state = state;
    var label = connection.querySelector("[data-connection-text]");
    if (label) label.textContent = Veche.t(state);
    if (hooks.connection) hooks.connection(state);
  }
  Veche.showConnection = showConnection;

  // --- refreshing the server-rendered fragment ---
  var live = (Veche.live = document.getElementById("live"));
  var refreshTimer = null;
  var refreshing = false;
  var refreshAgain = false;
  Veche.state = function () { return live && live.querySelector("[data-live-state]"); };
  var lastStage = Veche.state() ? Veche.state().dataset.stage : null;

  function editingInside(container) {
    var active = document.activeElement;
    if (!active || !container.contains(active)) return false;
    return active.matches("input[type=text], input[type=search], input[type=number], input:not([type]), textarea, select");
  }

  Veche.scheduleRefresh = function (delay) {
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
  };

  function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    if (editingInside(live)) {
      // Never pull a form away from someone typing or choosing; catch up once they leave it.
      live.addEventListener("focusout", function () { Veche.scheduleRefresh(300); }, { once: true });
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
        var panel = section && document.getElementById(section);
        var heading = panel && panel.querySelector("h2[tabindex]");
        if (heading) heading.focus();
      }
    }).finally(function () {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; Veche.scheduleRefresh(); }
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== live) return;
    var state = Veche.state();
    if (!state) return;
    if (lastStage && state.dataset.stage !== lastStage) {
      Veche.announce(Veche.t("stage") + " " + state.dataset.stageLabel);
    }
    lastStage = state.dataset.stage;
    Veche.patchNouns(live);
    if (hooks.swap) hooks.swap(state);
  });

  // --- tallies patched in place, nouns following their numbers ---
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

  Veche.applyTally = function (message) {
    var rows = tallyRows(message);
    rows.forEach(function (row) {
      var counts = row[1];
      document.querySelectorAll('[data-tally="' + String(Number(row[0])) + '"]').forEach(function (el) {
        el.querySelectorAll("[data-count]").forEach(function (slot) {
          var value = counts[slot.dataset.count];
          if (typeof value !== "number") return;
          slot.textContent = numbers.format(value);
          var next = slot.nextElementSibling;
          if (next && next.hasAttribute("data-noun")) noun(next, value);
        });
      });
    });
    return rows.length > 0;
  };

  /* Server-rendered nouns are right already; this keeps them right after a patch. */
  Veche.patchNouns = function (container) {
    container.querySelectorAll("[data-noun]").forEach(function (el) {
      var slot = el.previousElementSibling;
      if (slot && slot.hasAttribute("data-count")) {
        var value = Number(String(slot.textContent).replace(/[^0-9-]/g, ""));
        if (!isNaN(value)) noun(el, value);
      }
    });
  };

  // --- the WebSocket, with resume from the last sequence number ---
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

  Veche.send = function (message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  };

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
      if (seq !== null) Veche.send({ type: "resume", seq: seq });
      if (resumed) Veche.scheduleRefresh(); // whatever happened while away
      if (hooks.open) hooks.open();
      window.clearInterval(pingTimer);
      pingTimer = window.setInterval(function () { Veche.send({ type: "ping" }); }, 25000);
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      handle(message);
    });
    socket.addEventListener("close", function () {
      window.clearInterval(pingTimer);
      if (hooks.close) hooks.close();
      showConnection("offline");
      reconnectLater();
    });
  }

  // "Full jitter": a uniform wait up to a ceiling that doubles (1 s, 2 s, 4 s … 10 s). When a
  // socket process dies, its phones come back spread over the first second instead of in waves
  // (the old 0.5–1.5 s, 1–3 s, 2–6 s …), and a server that is down is not hammered.
  function reconnectLater() {
    attempts += 1;
    var ceiling = Math.min(10000, 1000 * Math.pow(2, Math.min(attempts - 1, 4)));
    window.setTimeout(connect, 100 + Math.random() * ceiling);
  }

  function handle(message) {
    if (typeof message.seq === "number") seq = message.seq;
    switch (message.type) {
      case "snapshot":
        snapshots += 1;
        if (typeof message.online === "number" && hooks.online) hooks.online(message.online);
        Veche.applyTally(message);
        // The page was rendered moments ago; a later snapshot means we missed something.
        if (snapshots > 1) Veche.scheduleRefresh();
        break;
      case "tally":
        if (hooks.tally) hooks.tally(message, Veche.applyTally(message));
        else Veche.applyTally(message);
        break;
      case "presence":
        var count = typeof message.online === "number" ? message.online : message.count;
        if (typeof count === "number" && hooks.online) hooks.online(count);
        break;
      case "idea.created":
      case "idea.updated":
      case "groups.updated":
      case "stage":
      case "session.updated":
        Veche.scheduleRefresh();
        break;
      default:
        if (hooks.message) hooks.message(message);
        break;
    }
  }

  // --- the vote queue: localStorage until the server answers (phone) ---
  var queueKey = "veche.votes." + sessionId;
  Veche.queue = {
    read: function () {
      try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (error) { return []; }
    },
    write: function (queue) {
      try { localStorage.setItem(queueKey, JSON.stringify(queue)); } catch (error) { /* private mode: memory only */ }
      if (hooks.queue) hooks.queue(queue);
    },
    push: function (entry) {
      var queue = Veche.queue.read();
      queue.push(entry);
      Veche.queue.write(queue);
    },
    drop: function (requestId) {
      Veche.queue.write(Veche.queue.read().filter(function (item) { return item.request_id !== requestId; }));
    },
  };

  // --- similar ideas: one list renderer for the phone and the console ---
  Veche.similarItem = function (item) {
    var idea = item.idea && typeof item.idea === "object" ? item.idea : { id: item.idea, text: item.text };
    return {
      id: Number(idea.id), text: String(idea.text || ""), score: item.score,
      duplicate: Boolean(item.duplicate), mine: Boolean(item.mine),
    };
  };

  /* Draws items into `list`; `action(idea)` returns the element (button or badge) to add, or null. */
  Veche.renderSimilar = function (list, items, options) {
    options = options || {};
    list.replaceChildren();
    if (!items.length && options.empty) {
      var none = document.createElement("li");
      none.textContent = options.empty;
      list.appendChild(none);
    }
    items.forEach(function (idea) {
      var li = document.createElement("li");
      li.className = "similar-item" + (idea.duplicate ? " duplicate" : "");
      var p = document.createElement("p");
      p.textContent = (options.numbered ? "№" + idea.id + " " : "") + idea.text;
      li.appendChild(p);
      if (idea.duplicate) {
        var badge = document.createElement("span");
        badge.className = "badge warn";
        badge.textContent = Veche.t("duplicate");
        li.appendChild(badge);
      }
      var extra = options.action ? options.action(idea) : null;
      if (extra) li.appendChild(extra);
      list.appendChild(li);
    });
  };

  Veche.start = function (pageHooks) {
    hooks = pageHooks || {};
    connect();
  };
})();
