// htmx answers failed requests with events, not with a visible change: surface them here so
// no click or save fails silently. The banner clears on the next successful request.
(function () {
  function banner(text) {
    var element = document.getElementById("connection-problem");
    if (!element) return;
    element.textContent = text;
    element.hidden = !text;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    banner(status === 403
      ? "Your session has expired or this is not allowed. Reload the page and try again."
      : "Something went wrong on our side (" + status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    banner("No connection to the server. Check your network and try again.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) banner("");
  });
})();
