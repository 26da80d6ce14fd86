// Review queue keyboard: j/k or arrows move between lines, a accepts, r rejects, c changes
// (assign by hand), i opens "ignore" and puts the cursor in its reason, Enter opens the line,
// ? shows the shortcuts. Every action is a plain form or link, so the page works without this.
(function () {
  "use strict";
  const queue = document.getElementById("review-queue");
  if (!queue) return;
  const lines = Array.from(queue.querySelectorAll("[data-review-line]"));
  if (!lines.length) return;
  const canDecide = queue.dataset.keyboard === "on";
  // After a decision the page reloads without that line: stay at the same position.
  const positionKey = "reconciliation.review.position:" + location.pathname + location.search;
  let current = Math.min(Number(sessionStorage.getItem(positionKey)) || 0, lines.length - 1);

  function select(index, focus) {
    current = Math.max(0, Math.min(index, lines.length - 1));
    lines.forEach((line, i) => line.classList.toggle("is-current", i === current));
    if (focus) {
      lines[current].focus({ preventScroll: true });
      lines[current].scrollIntoView({ block: "nearest" });
    }
  }

  function press(selector) {
    const control = lines[current].querySelector(selector);
    if (!control) return false;
    sessionStorage.setItem(positionKey, String(current));
    control.click();
    return true;
  }

  lines.forEach((line, index) => {
    line.addEventListener("focusin", () => select(index, false));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    let handled = true;
    switch (event.key) {
      case "j":
      case "ArrowDown":
        select(current + 1, true);
        break;
      case "k":
      case "ArrowUp":
        select(current - 1, true);
        break;
      case "Enter":
        // Enter on a button or link does what it always does.
        if (target.closest("a, button, summary")) {
          handled = false;
        } else {
          window.location.assign(lines[current].dataset.detailUrl);
        }
        break;
      case "?": {
        const help = document.getElementById("keyboard-help");
        if (help) help.open = !help.open;
        break;
      }
      case "a":
        handled = canDecide && press('[data-action="accept"]');
        break;
      case "r":
        handled = canDecide && press('[data-action="reject"]');
        break;
      case "c":
        handled = canDecide && press('[data-action="change"]');
        break;
      case "i": {
        const details = canDecide && lines[current].querySelector("[data-ignore]");
        if (details) {
          details.open = true;
          details.querySelector('input[name="reason"]').focus();
        } else {
          handled = false;
        }
        break;
      }
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  // Escape in a reason box closes it and returns to the line.
  queue.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !event.target.matches('input[name="reason"]')) return;
    const details = event.target.closest("[data-ignore]");
    details.open = false;
    event.target.closest("[data-review-line]").focus();
  });

  select(current, current > 0);
  sessionStorage.removeItem(positionKey);
})();
