/* The search index, fetched when the search is first wanted.

   Material asks for search/search_index.json (about 450 KB, more than the rest of a page) and
   starts its search worker (40 KB) as soon as any page opens, whether or not the reader ever
   searches. This script, loaded before Material's own, holds both back until the reader opens
   the search: a click or a tap on it, focus in its field, one of the keys that open it (/, s,
   f), or a link with ?q=. Search then shows "Initializing search" for the moment they take.
   The offline build (opened from file://) loads its index as a script and its worker through a
   shim: it is left as it is. */
(() => {
  "use strict";

  const INDEX = /\/search\/search_index\.json$/;
  const KEYS = new Set(["/", "s", "S", "f", "F"]);
  const held = [];
  let wanted = false;

  const want = () => {
    if (wanted) return;
    wanted = true;
    for (const release of held.splice(0)) release();
  };

  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.courseSearchIndex = INDEX.test(String(url).split(/[?#]/)[0]);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...args) {
    if (this.courseSearchIndex && !wanted) {
      held.push(() => send.apply(this, args));
      return undefined;
    }
    return send.apply(this, args);
  };

  // The worker: a stand-in that keeps Material's messages until the real one starts.
  const SEARCH_WORKER = /\/workers\/search\.[^/]*\.js$/;
  const RealWorker = window.Worker;
  if (RealWorker && location.protocol !== "file:") {
    window.Worker = function (url, options) {
      if (wanted || !SEARCH_WORKER.test(String(url).split(/[?#]/)[0])) {
        return new RealWorker(url, options);
      }
      const standIn = new EventTarget();
      const waiting = [];
      let real = null;
      standIn.postMessage = (message) => (real ? real.postMessage(message) : waiting.push(message));
      standIn.terminate = () => real && real.terminate();
      held.push(() => {
        real = new RealWorker(url, options);
        for (const kind of ["message", "messageerror", "error"]) {
          real.addEventListener(kind, (event) =>
            standIn.dispatchEvent(
              kind === "error" ? new Event("error") : new MessageEvent(kind, { data: event.data })
            )
          );
        }
        for (const message of waiting.splice(0)) real.postMessage(message);
      });
      return standIn;
    };
  }

  const inSearch = (target) =>
    target instanceof Element && target.closest('.md-search, label[for="__search"]') !== null;
  document.addEventListener("pointerdown", (event) => inSearch(event.target) && want(), true);
  document.addEventListener("focusin", (event) => inSearch(event.target) && want(), true);
  document.addEventListener("keydown", (event) => KEYS.has(event.key) && want(), true);
  document.addEventListener("change", (event) => event.target.id === "__search" && want(), true);
  if (new URLSearchParams(location.search).has("q")) want();

  // The search dialog's name, for screen readers (Material's dialog has none).
  document.querySelector(".md-search[role='dialog']")?.setAttribute("aria-label", "Search");
})();
