/* The ceremony's pages follow its state: the big screen, the audience's phones, the organiser's control.
 *
 * The server renders every frame (escaping, translation and what may be shown stay in Django);
 * this script only notices that the state's version changed and swaps the fresh fragment in.
 * It learns of a change two ways: a `contest.ceremony` event on the audience session's live
 * socket (when the live stream forwards contest events), and a short poll of the small JSON
 * state as the floor, so a page converges even without the socket. On the big screen the
 * organiser steps by keyboard: → / Space / PageDown reveal, ← / PageUp go back (a presenter's
 * clicker sends PageDown/PageUp).
 */
(function () {
  "use strict";

  var root = document.getElementById("ceremony-root");
  if (!root) return;
  var live = document.getElementById("ceremony-live");
  var status = document.getElementById("ceremony-status");
  var version = live ? live.dataset.version : "";
  var socketLive = false;
  var busy = false;
  var POLL_MS = 1500;
  var POLL_WITH_SOCKET_MS = 10000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function say(message) {
    if (!status) return;
    status.textContent = message || "";
    if (message) window.setTimeout(function () { if (status.textContent === message) status.textContent = ""; }, 4000);
  }

  function refresh() {
    return fetch(root.dataset.fragmentUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var holder = document.createElement("div");
        holder.innerHTML = html; // our own server's template, escaped there
        var next = holder.querySelector("#ceremony-live");
        if (!next || !live) return;
        live.replaceWith(next);
        live = next;
        version = next.dataset.version;
      })
      .catch(function () {});
  }

  function poll() {
    fetch(root.dataset.stateUrl + "?since=" + encodeURIComponent(version || "0"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && String(state.version) !== String(version)) return refresh();
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, socketLive ? POLL_WITH_SOCKET_MS : POLL_MS); });
  }

  // --- the audience session's live socket: any contest.ceremony event means "redraw now" ---
  var attempts = 0;
  function connect() {
    if (!root.dataset.session || !("WebSocket" in window)) return;
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var socket;
    try {
      socket = new WebSocket(scheme + "//" + location.host + "/ws/sessions/" + encodeURIComponent(root.dataset.session) + "/");
    } catch (error) {
      return;
    }
    socket.addEventListener("open", function () { attempts = 0; socketLive = true; });
    socket.addEventListener("message", function (event) {
      if (typeof event.data === "string" && event.data.indexOf("contest.ceremony") !== -1) refresh();
    });
    socket.addEventListener("close", function () {
      socketLive = false;
      attempts += 1;
      if (attempts < 6) window.setTimeout(connect, Math.min(15000, 1000 * Math.pow(2, attempts)));
    });
  }

  // --- the organiser steps (screen keyboard; control buttons without a reload) ---
  // Presses queue up and go one at a time, each after the previous answer: two quick presses
  // are two steps, in order, never a race.
  var queue = [];
  function act(kind) {
    if (!root.dataset[kind + "Url"] || queue.length >= 5) return;
    queue.push(kind);
    if (!busy) next();
  }
  function next() {
    var kind = queue.shift();
    if (!kind) { busy = false; return; }
    busy = true;
    if (kind === "step" && live && (live.dataset.phase === "waiting")) kind = "start";
    fetch(root.dataset[kind + "Url"], { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { say(body.detail || ""); queue = []; }
          return refresh();
        });
      })
      .catch(function () { queue = []; })
      .then(next);
  }

  if (root.dataset.stepUrl && root.dataset.view === "screen") {
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var forward = event.key === "ArrowRight" || event.key === " " || event.key === "PageDown" || event.key === "Enter";
      var back = event.key === "ArrowLeft" || event.key === "PageUp";
      if (!forward && !back) return;
      event.preventDefault();
      act(forward ? "step" : "back");
    });
  }
  if (root.dataset.view === "control") {
    root.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=action]");
      if (!button || button.disabled) return;
      event.preventDefault();
      act(button.value);
    });
  }

  connect();
  window.setTimeout(poll, POLL_MS);
})();
