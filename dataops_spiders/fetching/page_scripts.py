"""JavaScript the browser strategy runs in pages: the settle wait and its network tracker, and
the template's page actions (scroll, "load more"). Evaluated through Playwright; each script is
self-contained and returns when its work is done or its time cap is reached."""

# Scroll to the bottom up to `times` times, each time waiting (at most 3 s) for the page to
# grow; stop early when it no longer does.
SCROLL_SCRIPT = """async (times) => {
  const grown = (height) => new Promise((done) => {
    const start = Date.now();
    const check = () => (document.body.scrollHeight > height || Date.now() - start > 3000)
      ? done(document.body.scrollHeight > height) : setTimeout(check, 100);
    check();
  });
  let scrolled = 0;
  for (; scrolled < times; scrolled++) {
    const height = document.body.scrollHeight;
    window.scrollTo(0, height);
    if (!(await grown(height))) break;
  }
  return scrolled;
}"""

# Click the "load more" control up to `max` times while it is there, waiting (at most 3 s) for
# the document to change after each click.
LOAD_MORE_SCRIPT = """async ([selector, max]) => {
  const changed = (size) => new Promise((done) => {
    const start = Date.now();
    const check = () => (document.body.innerHTML.length !== size || Date.now() - start > 3000)
      ? done() : setTimeout(check, 100);
    check();
  });
  let clicks = 0;
  for (; clicks < max; clicks++) {
    const button = document.querySelector(selector);
    if (!button) break;
    const size = document.body.innerHTML.length;
    button.click();
    await changed(size);
  }
  return clicks;
}"""


# Installed in every browser page before its own scripts run: counts the page's fetch() and
# XMLHttpRequest calls still waiting for an answer, and says when one ends, so the settle wait
# knows the page is still loading data even while its DOM is quiet.
NETWORK_TRACKER = """(() => {
  if (window.__dataopsNetwork) return;
  const pending = new Map();
  let next = 0;
  const begin = () => { const id = next++; pending.set(id, Date.now()); return id; };
  const end = (id) => {
    pending.delete(id);
    window.dispatchEvent(new Event("dataops:request-done"));
  };
  Object.defineProperty(window, "__dataopsNetwork", {
    value: {
      // requests out for less than `longPoll` ms: older ones are long polls, not page data
      busy: (longPoll) => [...pending.values()].some((t) => Date.now() - t < longPoll),
    },
  });
  if (window.fetch) {
    const fetch = window.fetch;
    window.fetch = function (...args) {
      const id = begin();
      return fetch.apply(this, args).finally(() => end(id));
    };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    const id = begin();
    this.addEventListener("loadend", () => end(id), {once: true});
    return send.apply(this, args);
  };
})();"""

# Wait until the page is quiet for `quiet` ms (at most `limit` ms in all): no DOM change, no
# script the page inserted still loading, no fetch/XHR out (NETWORK_TRACKER) for less than
# `longPoll` ms. Scripts that fetch and render content are done by then. Unlike Playwright's
# "networkidle" it never fails a page whose analytics keep polling; it just stops waiting.
SETTLE_SCRIPT = """async ([quiet, limit, longPoll]) => {
  const network = window.__dataopsNetwork;
  await new Promise((done) => {
    let scripts = 0, timer;
    const busy = () => scripts > 0 || (network !== undefined && network.busy(longPoll));
    const arm = () => { clearTimeout(timer); timer = setTimeout(check, quiet); };
    const check = () => (busy() ? arm() : finish());
    const loaded = () => { scripts--; arm(); };
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeName === "SCRIPT" && node.src) {
            scripts++;
            node.addEventListener("load", loaded, {once: true});
            node.addEventListener("error", loaded, {once: true});
          }
        }
      }
      arm();
    });
    const cap = setTimeout(finish, limit);
    function finish() {
      observer.disconnect();
      clearTimeout(cap);
      clearTimeout(timer);
      window.removeEventListener("dataops:request-done", arm);
      done();
    }
    window.addEventListener("dataops:request-done", arm);
    const watch = {childList: true, subtree: true, characterData: true};
    observer.observe(document.documentElement, watch);
    arm();
  });
}"""
SETTLE_QUIET_MS = 150
SETTLE_LIMIT_MS = 5000
SETTLE_LONG_POLL_MS = 3000
