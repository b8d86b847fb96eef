// The tracking page follows its order without a reload: a Server-Sent Events stream
// sends the status section again whenever the order changes, and it is swapped in
// here. The status line stays the same element (role="status"), so a screen reader
// announces the new text. Without EventSource (or when the stream is refused), the
// section is asked for now and then instead. Without JavaScript, a reload shows it all.
(function () {
  "use strict";
  var section = document.getElementById("order-status");
  if (!section || !window.fetch) {
    return;
  }
  var FALLBACK_MS = 30000;

  function apply(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content;
    var status = document.getElementById("status");
    var newStatus = fresh.querySelector("#status");
    if (status && newStatus) {
      status.className = newStatus.className;
      if (status.textContent !== newStatus.textContent) {
        status.textContent = newStatus.textContent;
      }
    }
    var live = document.getElementById("live");
    var newLive = fresh.querySelector("#live");
    if (live && newLive && live.innerHTML !== newLive.innerHTML) {
      live.replaceWith(newLive);
    }
    section.setAttribute("data-updated", String(Date.now()));
  }

  function poll() {
    fetch(section.getAttribute("data-part"), { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (answer.status === 404) {
          return null; // the link stopped answering: nothing more to follow
        }
        window.setTimeout(poll, FALLBACK_MS);
        return answer.ok ? answer.text() : null;
      })
      .then(function (html) {
        if (html) {
          apply(html);
        }
      })
      .catch(function () {
        window.setTimeout(poll, FALLBACK_MS);
      });
  }

  if (!window.EventSource) {
    window.setTimeout(poll, FALLBACK_MS);
    return;
  }
  var source = new EventSource(section.getAttribute("data-events"));
  source.addEventListener("status", function (event) {
    apply(event.data);
  });
  source.addEventListener("error", function () {
    // A dropped connection is retried by the browser; a refused one (CLOSED) is not.
    if (source.readyState === EventSource.CLOSED) {
      window.setTimeout(poll, FALLBACK_MS);
    }
  });
})();
