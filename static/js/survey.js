// A survey screen: keep its progress current (this screen's and the whole survey's), show each
// answer's save state, and never drop a failed save silently: it is shown next to its question
// and retried until it lands.
(function () {
  var form = document.getElementById("survey");
  if (!form) return;
  // Answers are saved as they change only where this script runs: only then is that promised.
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (element) {
    element.hidden = false;
  });
  var progress = document.getElementById("progress");
  var answeredElsewhere = parseInt(progress.getAttribute("data-answered-elsewhere"), 10) || 0;
  var retryDelays = {};  // question element id -> current backoff in ms
  var unsaved = {};      // question element id -> true while a change is not yet saved

  function isAnswered(question) {
    var text = question.querySelector("textarea");
    if (text) return text.value.trim() !== "";
    return Array.prototype.some.call(question.querySelectorAll("input:checked"), function (input) {
      return input.value !== "";
    });
  }

  function updateProgress() {
    var answered = Array.prototype.filter.call(form.querySelectorAll(".question"), isAnswered).length;
    document.getElementById("section-answered").textContent = answered;
    document.getElementById("answered-count").textContent = answeredElsewhere + answered;
    document.getElementById("progress-bar").value = answeredElsewhere + answered;
  }

  function questionOf(element) {
    return element.closest(".question");
  }

  function showState(question, text, className) {
    var state = question.querySelector(".save-state");
    state.innerHTML = "";
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    state.appendChild(span);
  }

  // The element that sends a question's saves: the fieldset, or the textarea for free text.
  function sender(question) {
    return question.hasAttribute("hx-post") ? question : question.querySelector("[hx-post]");
  }

  function retryLater(question) {
    var id = question.id;
    var delay = Math.min((retryDelays[id] || 1000) * 2, 30000);
    retryDelays[id] = delay;
    showState(question, "Not saved — retrying in " + Math.round(delay / 1000) + " s", "error");
    setTimeout(function () {
      if (unsaved[id]) htmx.trigger(sender(question), "change");
    }, delay);
  }

  form.addEventListener("input", updateProgress);
  form.addEventListener("change", updateProgress);

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var question = questionOf(event.detail.elt);
    if (!question) return;
    unsaved[question.id] = true;
    showState(question, "Saving…", "saving");
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var question = questionOf(event.detail.elt);
    if (!question) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (event.detail.successful) {
      delete unsaved[question.id];
      delete retryDelays[question.id];
    } else if (status === 409 || status === 422 || status === 404) {
      // Refused for a reason shown in the swapped message (closed round, invalid value).
      delete unsaved[question.id];
    } else {
      retryLater(question);  // network down, 403 after a token change, 5xx
    }
  });

  // Send the current CSRF cookie, so a token rotated in another tab does not block saves.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) event.detail.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
  });

  // The screen's own buttons post every answer on it, so leaving through them loses nothing,
  // even with a save still in flight (a free text sends one more as it loses focus).
  var leavingThroughTheForm = false;
  form.addEventListener("submit", function () {
    leavingThroughTheForm = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (!leavingThroughTheForm && Object.keys(unsaved).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
