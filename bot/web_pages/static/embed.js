/* Pedidos web chat for a shop's own site: a floating button that opens the shop's chat
   in a frame. Put it on any page:

     <script src="https://YOUR-PEDIDOS-ADDRESS/chat/embed.js" async></script>

   and list the site in WEB_CHAT_EMBED_ORIGINS (docs/web.md). On a site not listed there
   the browser would refuse the frame, so the button opens the chat in a new tab instead
   (and the console says what to set). The words are in the visitor's browser language,
   or the one asked for (/chat/embed.js?lang=en); data-label="Questions?" on the script
   tag changes the button's words. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.pedidosChatLoaded) return;
  window.pedidosChatLoaded = true;
  // Both written by the server: the words, and WEB_CHAT_EMBED_ORIGINS.
  var TEXT = {"open": "Chat with us", "close": "Close the chat", "title": "Chat", "newTab": "(opens in a new tab)"};
  var SITES = [];
  var tabAddress = script.src.replace(/\/chat\/embed\.js(\?.*)?$/, "/chat");
  var frameAddress = tabAddress + "?embed=1";
  var chatOrigin = new URL(tabAddress).origin;
  var here = window.location.origin;
  // The chat's own pages and the listed sites may frame it (its frame-ancestors).
  var framed = here === chatOrigin || SITES.indexOf(here) >= 0;
  var label = script.getAttribute("data-label") || TEXT.open;

  function style(element, rules) {
    for (var name in rules) element.style[name] = rules[name];
  }

  function launcherStyle(element) {
    style(element, {
      position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000",
      minHeight: "48px", padding: "12px 20px", border: "2px solid #ffffff",
      borderRadius: "999px", background: "#0b5cad", color: "#ffffff",
      font: "600 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
      boxShadow: "0 4px 14px rgba(0, 0, 0, 0.3)", cursor: "pointer"
    });
  }

  // Not allowed to frame the chat here: a link to it, in a new tab.
  function buildLink() {
    var link = document.createElement("a");
    link.id = "pedidos-chat-button";
    link.href = tabAddress;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = label;
    var hint = document.createElement("span");
    hint.textContent = " " + TEXT.newTab;
    style(hint, {
      position: "absolute", width: "1px", height: "1px", overflow: "hidden",
      clip: "rect(0 0 0 0)", whiteSpace: "nowrap"
    });
    link.appendChild(hint);
    launcherStyle(link);
    style(link, { display: "inline-block", boxSizing: "border-box", textDecoration: "none" });
    document.body.appendChild(link);
    if (window.console && console.warn) {
      console.warn(
        "Pedidos chat: this site (" + here + ") is not in WEB_CHAT_EMBED_ORIGINS on " +
        chatOrigin + ", so the chat opens in a new tab instead of a box on this page. " +
        "Add " + here + " to WEB_CHAT_EMBED_ORIGINS (comma-separated) to show it here."
      );
    }
  }

  function build() {
    if (!framed) {
      buildLink();
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.id = "pedidos-chat-button";
    button.textContent = label;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "pedidos-chat-panel");
    launcherStyle(button);

    var panel = document.createElement("div");
    panel.id = "pedidos-chat-panel";
    panel.hidden = true;
    style(panel, {
      position: "fixed", right: "16px", bottom: "80px", zIndex: "2147483000",
      width: "min(400px, calc(100vw - 32px))", height: "min(640px, calc(100vh - 104px))",
      border: "1px solid #d5dbe3", borderRadius: "12px", overflow: "hidden",
      background: "#ffffff", boxShadow: "0 8px 28px rgba(0, 0, 0, 0.3)"
    });
    var frame = document.createElement("iframe");
    frame.title = TEXT.title;
    style(frame, { width: "100%", height: "100%", border: "0", display: "block" });
    panel.appendChild(frame);

    function open() {
      if (!frame.src) frame.src = frameAddress;
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      button.textContent = TEXT.close;
      frame.focus();
    }

    function close() {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.textContent = label;
      button.focus();
    }

    button.addEventListener("click", function () {
      if (panel.hidden) open(); else close();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) close();
    });
    window.addEventListener("message", function (event) {
      if (event.origin === chatOrigin && event.data && event.data.pedidosChat === "close") close();
    });
    document.body.appendChild(panel);
    document.body.appendChild(button);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
