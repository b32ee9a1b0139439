/* The contest's big screen: scoring progress («оценили 5 из 7») and, if the regulations show
 * them, the public-vote tallies. The server renders the fragment; this script only asks for a
 * fresh one when a `contest.*` message arrives on the audience session's socket, and every
 * few seconds anyway, so the screen converges even without a socket. F toggles full screen.
 * Needs live-core.js. */
(function () {
  "use strict";
  var V = window.Veche;
  if (!V || V.page !== "contest-screen") return;
  var root = V.root;
  var contestId = String(root.dataset.contest);
  var pollMs = Math.max(5, Number(root.dataset.poll) || 15) * 1000;

  function refresh() { V.scheduleRefresh(150); }

  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, select, textarea, button")) return;
    if (event.key === "f" || event.key === "F" || event.key === "а" || event.key === "А") {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
    }
  });

  // The slow fallback: a lost socket, a proxy that drops WebSockets, or no audience session.
  window.setInterval(function () {
    if (!document.hidden) refresh();
  }, pollMs);

  if (!root.dataset.session) return; // no socket to listen to: polling only
  V.start({
    message: function (message) {
      if (typeof message.type !== "string" || message.type.indexOf("contest.") !== 0) return;
      var about = message.contest !== undefined ? message.contest : message.contest_id;
      if (about !== undefined && String(about) !== contestId) return; // another contest of the same hall
      root.dataset.lastEvent = message.type; // what came live (the browser test reads it)
      refresh();
    },
  });
})();
