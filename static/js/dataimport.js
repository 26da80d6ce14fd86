// Import pages: show the go-live date only for opening balances; reload the job page when the
// polled progress reports the check or import finished, to show the preview or the result.
(function () {
  "use strict";
  const kind = document.getElementById("id_kind");
  const goLive = document.getElementById("id_go_live_on");
  if (kind && goLive) {
    const group = goLive.closest(".mb-3") || goLive.parentElement;
    const toggle = () => { group.hidden = kind.value !== "opening_balances"; };
    kind.addEventListener("change", toggle);
    toggle();
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    const progress = document.getElementById("import-progress");
    if (progress && progress.hasAttribute("data-finished") && event.detail.target.id === "import-progress") {
      window.location.reload();
    }
  });
})();
