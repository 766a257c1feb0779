// Keyboard shortcuts of the web interface: "/" jumps to the page's search box,
// Escape leaves it. Everything else is plain HTML that works without this file.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    var search = document.querySelector("[data-search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (event.key === "Escape" && typing && target.hasAttribute("data-search")) {
    target.blur();
  }
});
// After an error, move the focus to the first field in error so it can be corrected at once.
document.addEventListener("DOMContentLoaded", function () {
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }
});
