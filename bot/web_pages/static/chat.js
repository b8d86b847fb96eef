/* The web chat's little script: sends the form without leaving the page, shows the
   answer and the shop's news as they come (Server-Sent Events), keeps the newest
   message in view and the focus in the message box; only the newest reply's buttons
   are in the Tab order (older ones still work with a click). When the server has no
   live stream to spare, it asks for the news now and then instead. Without it the page
   still works: every form is an ordinary post. An empty chat (someone new) is opened with a post,
   which the shop answers with its greeting: the page view itself stores nothing. */
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var compose = document.getElementById("compose");
  if (!list || !compose) return;
  var input = document.getElementById("message");
  var notice = document.getElementById("notice");
  var start = document.getElementById("start"); // only on an empty chat
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var after = Number(list.getAttribute("data-after")) || 0;
  var embedded = document.body.classList.contains("embedded");
  var busy = false;
  var pending = null; // the typed message being sent, kept with its id for a retry

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function newest() {
    list.scrollTop = list.scrollHeight;
  }

  // link: {url, label, new_tab} (the chat in a tab of its own, when a framed chat
  // gets no cookie).
  function say(words, link) {
    notice.textContent = words || "";
    if (words && link && link.url) {
      var anchor = document.createElement("a");
      anchor.href = link.url;
      anchor.textContent = link.label;
      if (link.new_tab) {
        anchor.target = "_blank";
        anchor.rel = "noopener";
      }
      notice.appendChild(document.createTextNode(" "));
      notice.appendChild(anchor);
    }
    newest(); // the notice takes room from the transcript: keep the newest in view
  }

  // Only the current reply's buttons are Tab stops: those of the newest shop message
  // offering any, unless the visitor has written since. Older ones stay clickable.
  function tabOrder() {
    var current = null;
    for (var node = list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.classList.contains("in")) break;
      if (node.querySelector("form.choices")) {
        current = node;
        break;
      }
    }
    var buttons = list.querySelectorAll("form.choices button");
    for (var i = 0; i < buttons.length; i++) {
      if (current && current.contains(buttons[i])) buttons[i].removeAttribute("tabindex");
      else buttons[i].setAttribute("tabindex", "-1");
    }
  }

  // Rows come from the answer to a post and from the stream, maybe both: each is shown
  // once, in the order of its id.
  function add(messages) {
    messages.forEach(function (message) {
      if (document.getElementById("m" + message.id)) return;
      var before = null;
      for (var node = list.lastElementChild; node; node = node.previousElementSibling) {
        if (Number(node.getAttribute("data-id")) < message.id) break;
        before = node;
      }
      var holder = document.createElement("template");
      holder.innerHTML = message.html.trim();
      list.insertBefore(holder.content.firstElementChild, before);
      if (message.id > after) after = message.id;
    });
    if (messages.length) {
      tabOrder();
      newest();
    }
  }

  function post(fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf", csrf);
    body.set("after", String(after));
    if (embedded) body.set("embed", "1");
    return fetch(compose.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      referrerPolicy: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function settle(result) {
    if (result.data.forgotten) {
      // The person's data were erased: so is what this page shows of them.
      while (list.firstChild) list.removeChild(list.firstChild);
      if (start) start.hidden = false;
    }
    add(result.data.messages || []);
    say(result.data.notice || (result.ok ? "" : compose.getAttribute("data-failed")), result.data.link);
    return result.ok;
  }

  function failed() {
    say(compose.getAttribute("data-failed"));
    return false;
  }

  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    var text = input.value;
    if (!pending || pending.text !== text) pending = { text: text, id: randomId() };
    busy = true;
    post({ text: text, client_id: pending.id })
      .then(settle, failed)
      .then(function (ok) {
        if (ok) {
          input.value = "";
          pending = null;
        }
      })
      .finally(function () {
        busy = false;
        input.focus();
      });
  });

  // A reply's buttons: each press is its own message (pressing "add one" twice adds
  // two); while one is on its way the buttons wait.
  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("choices")) return;
    event.preventDefault();
    var button = event.submitter;
    if (!button || form.getAttribute("aria-busy") === "true") return;
    form.setAttribute("aria-busy", "true");
    post({ payload: button.value, client_id: randomId() })
      .then(settle, failed)
      .finally(function () {
        form.removeAttribute("aria-busy");
        input.focus();
      });
  });

  // An empty chat: ask the shop to open it (its greeting comes back). Two tabs asking
  // at once are greeted once. Should it fail, the Start button is there to try again.
  function openChat() {
    if (start) start.hidden = true;
    return post({ opened: "1", client_id: randomId() })
      .then(settle, failed)
      .then(function (ok) {
        if (!ok && start && !list.firstElementChild) start.hidden = false;
      });
  }

  if (start) {
    start.addEventListener("submit", function (event) {
      event.preventDefault();
      openChat();
    });
    if (!list.firstElementChild) openChat();
  }

  function withAfter(address) {
    return address + (address.indexOf("?") < 0 ? "?" : "&") + "after=" + after;
  }

  // Without a live stream (the server has none to spare, or no EventSource): the news
  // are asked for now and then. A chat turned off or a session gone ends it.
  var pollMs = Number(list.getAttribute("data-poll")) || 15000;
  function poll() {
    fetch(withAfter(list.getAttribute("data-messages")), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 403 || response.status === 404) return null;
      window.setTimeout(poll, pollMs);
      return response.ok ? response.json() : null;
    }, function () {
      window.setTimeout(poll, pollMs);
      return null;
    }).then(function (data) {
      if (data) add(data.messages || []);
    });
  }

  // The shop's news (and what another tab of this visitor sent) while the page is open.
  if (window.EventSource) {
    var source = new EventSource(withAfter(list.getAttribute("data-events")));
    source.addEventListener("message", function (event) {
      try {
        add([JSON.parse(event.data)]);
      } catch (error) { /* a row we cannot read is left out */ }
    });
    source.addEventListener("error", function () {
      // A stream that ended is reopened by the browser; a refused one (CLOSED) is not.
      if (source.readyState === EventSource.CLOSED) window.setTimeout(poll, pollMs);
    });
  } else {
    window.setTimeout(poll, pollMs);
  }

  // Framed on a shop's site: Escape closes the chat box (bot/web_pages/static/embed.js).
  if (embedded && window.parent !== window) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") window.parent.postMessage({ pedidosChat: "close" }, "*");
    });
  }

  tabOrder();
  newest();
  if (embedded || location.hash) input.focus();
})();
