// The handover page's conveniences; the page works without them (plain form posts).
// - The search box filters the persons by name as one types (Enter searches the
//   registry in any script on the server).
// - The stage typed at the top goes with every decision.
// - An officer who is not the ICRC delegate confirms a wish only with the delegate's
//   name given (GC III Art. 109; the API checks it too).
(function () {
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f'\u2019\u02bc`\u2018]/g, "").normalize("NFC").toLowerCase();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var search = document.querySelector("[data-filter]");
    if (search) {
      search.addEventListener("input", function () {
        var q = fold(search.value.trim());
        var shown = 0;
        document.querySelectorAll("li.person[data-name]").forEach(function (item) {
          var match = !q || item.getAttribute("data-name").indexOf(q) >= 0;
          item.hidden = !match;
          if (match) shown += 1;
        });
        document.querySelectorAll("tr[data-name]").forEach(function (row) {
          row.hidden = !!q && row.getAttribute("data-name").indexOf(q) < 0;
        });
        var none = document.getElementById("filtered-out");
        if (none) none.hidden = shown > 0 || document.querySelectorAll("li.person").length === 0;
      });
    }
    var stage = document.querySelector("[data-stage]");
    if (stage) {
      stage.addEventListener("input", function () {
        document.querySelectorAll("[data-stage-copy]").forEach(function (copy) { copy.value = stage.value; });
      });
    }
    document.querySelectorAll("form.decide").forEach(function (form) {
      var witness = form.querySelector("[data-witness]");
      var wish = form.querySelector("[data-needs-witness]");
      if (!witness || !wish) return;
      function sync() {
        var named = witness.value.trim() !== "";
        wish.disabled = !named;
        if (!named) wish.checked = false;
      }
      witness.addEventListener("input", sync);
      sync();
    });
  });
})();
