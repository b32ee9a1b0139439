/* The session's countdown on the phone, as on the big screen: every [data-timer-ends] element
 * shows the minutes and seconds left, then its data-time-up text. The element comes with the
 * live fragment, so a timer the moderator starts or clears appears or goes with the next refresh.
 * Screen readers are not told every second (aria-live off); the label says what it is. */
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll("[data-timer-ends]").forEach(function (el) {
      if (el.closest("[data-page=screen]")) return; // the big screen runs its own
      var left = Math.round((Date.parse(el.dataset.timerEnds) - Date.now()) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) {
        el.textContent = el.dataset.timeUp || "0:00";
        el.classList.add("time-up");
        return;
      }
      el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
