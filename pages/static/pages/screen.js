/* The big screen: one mode per stage (join, ideation, voting, results, archived), switched
 * live when the fragment comes back with another stage. Results are revealed step by step:
 * the moderator's console moves the step for everyone; ← / → on the screen move it locally.
 * F toggles fullscreen. Needs live-core.js. */
(function () {
  "use strict";
  var V = window.Veche;
  if (!V || V.page !== "screen") return;

  var onlineCount = null;
  function showOnline() {
    if (onlineCount === null) return;
    document.querySelectorAll("[data-online]").forEach(function (el) {
      el.textContent = V.numbers.format(onlineCount);
      var stat = el.closest("[data-online-stat]");
      if (stat) stat.hidden = false;
    });
    V.patchNouns(document);
  }

  function tickTimer() {
    document.querySelectorAll("[data-timer-ends]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.timerEnds) - Date.now()) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) {
        el.textContent = V.t("time_up");
        el.classList.add("time-up");
        return;
      }
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      el.textContent = minutes + ":" + String(seconds).padStart(2, "0");
    });
  }

  // --- the results reveal: the server's step, nudged by the arrow keys ---
  var serverStep = null;
  var localStep = null;
  function steps() { return Array.prototype.slice.call(document.querySelectorAll("[data-reveal-step]")); }
  function showStep() {
    var state = V.state();
    var all = steps();
    if (!state || !all.length) return;
    var step = Number(state.dataset.reveal || 0);
    if (serverStep !== step) { serverStep = step; localStep = null; } // the moderator moved it: follow
    var shown = Math.max(0, Math.min(all.length - 1, localStep === null ? step : localStep));
    all.forEach(function (el, index) { el.hidden = index !== shown; });
    document.querySelectorAll("[data-reveal-dot]").forEach(function (dot, index) {
      dot.classList.toggle("current", index === shown);
      if (index === shown) dot.setAttribute("aria-current", "step");
      else dot.removeAttribute("aria-current");
    });
  }

  function setMode(state) {
    var screen = document.querySelector(".screen");
    if (screen && state) screen.dataset.mode = state.dataset.mode || "";
  }

  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, select, textarea, button")) return;
    if (event.key === "f" || event.key === "F" || event.key === "а" || event.key === "А") {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
      return;
    }
    var all = steps();
    if (!all.length) return;
    var current = localStep === null ? (serverStep || 0) : localStep;
    if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") {
      localStep = Math.min(all.length - 1, current + 1);
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      localStep = Math.max(0, current - 1);
    } else {
      return;
    }
    event.preventDefault();
    showStep();
  });

  setMode(V.state());
  showStep();
  tickTimer();
  window.setInterval(tickTimer, 1000);

  V.start({
    online: function (count) { onlineCount = count; showOnline(); },
    tally: function () { V.scheduleRefresh(); }, // the leaders re-rank
    swap: function (state) {
      setMode(state);
      showOnline();
      tickTimer();
      showStep();
    },
  });
})();
