/* The phone page: votes (over the socket, else REST, queued until answered), similar
 * ideas while typing, search and the group filter over the list. Needs live-core.js. */
(function () {
  "use strict";
  var V = window.Veche;
  if (!V || V.page !== "phone") return;
  var t = V.t;
  var root = V.root;

  // --- votes, queued until the server answers ---
  var flushing = false;
  var retryTimer = null;
  var inFlight = null;
  var ackTimer = null;
  var ACK_TIMEOUT_MS = 5000;
  var lastTallyRefresh = 0;

  function updateQueueText() {
    var connection = V.connection;
    if (!connection) return;
    var slot = connection.querySelector("[data-queue-text]");
    var waiting = V.queue.read().length;
    var offline = !navigator.onLine || !V.online;
    connection.dataset.queue = String(waiting);
    if (slot) {
      slot.hidden = waiting === 0;
      slot.textContent = waiting ? V.tn("queued", waiting) : "";
    }
    var label = connection.querySelector("[data-connection-text]");
    if (label && offline && connection.dataset.state !== "connecting") label.textContent = t("offline");
  }

  function vote(ideaId, value) {
    V.queue.push({ request_id: V.requestId(), idea: ideaId, value: value });
    showVote(ideaId, value, true);
    if (!navigator.onLine) V.announce(t("vote_queued"));
    flushVotes();
  }

  // A vote goes over the open socket (the server stores a hall's votes together, see
  // realtime/intake.py); without one it goes over REST. Either way it keeps its request_id
  // until answered, so a resend after a timeout or a reconnect is applied once.
  function flushVotes() {
    if (flushing) return;
    var queue = V.queue.read();
    if (!queue.length) return;
    if (!navigator.onLine) { updateQueueText(); return; }
    flushing = true;
    var entry = queue[0];
    if (V.send({ type: "vote", idea: entry.idea, value: entry.value, request_id: entry.request_id })) {
      inFlight = entry;
      window.clearTimeout(ackTimer);
      ackTimer = window.setTimeout(function () { unanswered(entry); }, ACK_TIMEOUT_MS);
      return;
    }
    var body = entry.value === null ? { request_id: entry.request_id } : { value: entry.value, request_id: entry.request_id };
    V.apiFetch("/api/v1/ideas/" + encodeURIComponent(entry.idea) + "/vote/", {
      method: entry.value === null ? "DELETE" : "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
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
    V.queue.drop(entry.request_id);
    if (status >= 200 && status < 300) {
      if (typeof data.dots_left === "number") showDotsLeft(data.dots_left);
      showVote(entry.idea, data.value === undefined ? entry.value : data.value, false);
      if (!V.queue.read().length) V.announce(t("vote_saved"));
      if (root.dataset.method === "dots") V.scheduleRefresh(0); // the +/− limits follow the budget
    } else {
      var reason = data.detail || data.message || data.error || "";
      V.announce(t("vote_failed") + " " + reason);
      V.scheduleRefresh(50); // put the buttons back as the server sees them
    }
    flushVotes();
  }

  function retryLater() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flushVotes, 3000 + Math.random() * 2000);
  }

  function showDotsLeft(left) {
    document.querySelectorAll("[data-dots-left]").forEach(function (el) {
      el.textContent = V.numbers.format(left);
      var next = el.nextElementSibling;
      if (next && next.hasAttribute("data-noun")) V.patchNouns(el.parentNode);
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
    if (dots) dots.textContent = V.numbers.format(value || 0);
    var minus = card.querySelector('button[data-step="-1"]');
    if (minus) minus.disabled = !value;
  }

  function markQueuedVotes() {
    V.queue.read().forEach(function (entry) { showVote(entry.idea, entry.value, true); });
  }

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

  // --- search and the group filter over the list (the order stays the server's) ---
  var query = "";
  var group = "";
  function applyFilter() {
    var list = document.querySelector("[data-idea-list]");
    if (!list) return;
    var shown = 0;
    var needle = query.toLocaleLowerCase(V.lang);
    list.querySelectorAll("li.idea").forEach(function (card) {
      var text = (card.querySelector(".idea-text") || card).textContent.toLocaleLowerCase(V.lang);
      var visible = (!needle || text.indexOf(needle) !== -1) && (!group || card.dataset.group === group);
      card.hidden = !visible;
      if (visible) shown += 1;
    });
    var status = document.querySelector("[data-filter-status]");
    if (status) {
      var total = list.querySelectorAll("li.idea").length;
      status.textContent = (query || group) ? V.tn("filter_shown", shown, { total: V.numbers.format(total) }) : "";
    }
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-idea-search]")) { query = event.target.value.trim(); applyFilter(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-group-filter]")) { group = event.target.value; applyFilter(); }
  });
  function restoreFilter() {
    var search = document.querySelector("[data-idea-search]");
    if (search && search.value.trim() !== query) search.value = query;
    var select = document.querySelector("[data-group-filter]");
    if (select) {
      if (group && !select.querySelector('option[value="' + CSS.escape(group) + '"]')) group = "";
      select.value = group;
    }
    applyFilter();
  }

  // --- similar ideas while typing ---
  var similarAvailable = true;
  function lookUpSimilar(text) {
    var box = document.getElementById("similar");
    if (!box || !similarAvailable) return;
    if (text.length < 6) { box.hidden = true; return; }
    var url = "/api/v1/sessions/" + encodeURIComponent(V.sessionId) + "/similar/?limit=5&text=" + encodeURIComponent(text);
    V.apiFetch(url).then(function (response) {
      if (response.status === 404 || response.status === 405 || response.status === 501) {
        similarAvailable = false; // the ML endpoint is not on this server: stay quiet
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) return;
      var field = document.querySelector("#idea-form textarea");
      if (!field || field.value.trim() !== text) return; // typing went on; a newer answer follows
      var items = (Array.isArray(data) ? data : data.results || []).map(V.similarItem);
      V.renderSimilar(box.querySelector("[data-similar-list]"), items, { action: similarAction });
      box.hidden = items.length === 0;
    }).catch(function () { /* offline: no suggestions, posting still works */ });
  }

  function similarAction(idea) {
    var state = V.state();
    var votingOpen = state && state.dataset.votingOpen === "true";
    var card = document.getElementById("idea-" + idea.id);
    var badge = document.createElement("span");
    badge.className = "badge";
    if (card && card.dataset.mine === "true") {
      // Your own idea: never offered "instead of yours".
      badge.textContent = t("your_idea");
      return badge;
    }
    var supported = card && card.dataset.myVote !== "" && card.dataset.myVote !== undefined;
    if (supported) {
      badge.textContent = t("supported");
      return badge;
    }
    if (!votingOpen || !card) return null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small";
    button.textContent = t("support_instead");
    button.addEventListener("click", function () {
      vote(idea.id, 1);
      var field = document.querySelector("#idea-form textarea");
      if (field) { field.value = ""; field.focus(); }
      document.getElementById("similar").hidden = true;
      V.announce(t("supported"));
    });
    return button;
  }

  document.addEventListener("input", V.debounce(function (event) {
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

  window.addEventListener("online", function () { updateQueueText(); flushVotes(); });
  window.addEventListener("offline", function () { V.showConnection("offline"); });
  window.setInterval(flushVotes, 5000);
  markQueuedVotes();
  updateQueueText();
  restoreFilter();

  V.start({
    connection: updateQueueText,
    queue: updateQueueText,
    open: flushVotes,
    close: function () { if (inFlight) unanswered(inFlight); },
    swap: function (state) {
      var post = document.getElementById("post-section");
      if (post) post.hidden = state.dataset.postingOpen !== "true";
      markQueuedVotes();
      restoreFilter();
    },
    tally: function (message, patched) {
      // An id-only tally: a phone asks for the fresh list at most every 2 s.
      var now = Date.now();
      if (!patched && now - lastTallyRefresh > 2000) {
        lastTallyRefresh = now;
        V.scheduleRefresh();
      }
    },
    message: function (message) {
      if (message.type === "vote.ack" || message.type === "error") answerOverSocket(message);
    },
  });
})();
