// The allocation screen: keeps "remaining unapplied" current while amounts are typed, and warns
// when the rows add up to more than the payment or a row exceeds its installment's open amount.
// Amounts are counted in integer hundredths (the ledger stores two decimal places), never in
// floating point, so 0.10 + 0.20 is exactly 0.30 here as on the server.
(function () {
  "use strict";

  const form = document.getElementById("allocation-form");
  if (!form) {
    return;
  }
  const unappliedMinor = BigInt(form.dataset.unappliedMinor);
  const places = Number(form.dataset.currencyPlaces);
  const prefix = form.dataset.currencyPrefix;
  const rows = Array.from(form.querySelectorAll("[data-allocation-row]"));
  const remainingOutput = form.querySelector("[data-remaining]");
  const allocatingOutput = form.querySelector("[data-allocating]");
  const overallocatedWarning = form.querySelector("[data-overallocated-warning]");

  // "1234.5" → 123450n; "" → 0n; anything else (letters, three decimals, a minus) → null.
  function parseMinor(text) {
    const value = text.trim();
    if (value === "") {
      return 0n;
    }
    const match = /^(\d*)(?:\.(\d{0,2}))?$/.exec(value);
    if (!match || (match[1] === "" && !match[2])) {
      return null;
    }
    const whole = BigInt(match[1] || "0");
    const hundredths = BigInt((match[2] || "").padEnd(2, "0"));
    return whole * 100n + hundredths;
  }

  // 123450n → "¥1,234.50" (currencies without a minor unit show no decimals).
  function formatMinor(minor) {
    const negative = minor < 0n;
    const absolute = negative ? -minor : minor;
    const whole = (absolute / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const fraction = (absolute % 100n).toString().padStart(2, "0").slice(0, places);
    return (negative ? "-" : "") + prefix + whole + (places > 0 ? "." + fraction : "");
  }

  function showRowWarning(row, kind, visible) {
    const warning = row.querySelector('[data-row-warning="' + kind + '"]');
    warning.classList.toggle("d-block", visible);
  }

  function update() {
    let allocatingMinor = 0n;
    rows.forEach(function (row) {
      const input = row.querySelector("input");
      const minor = parseMinor(input.value);
      const overOpen = minor !== null && minor > BigInt(row.dataset.openMinor);
      showRowWarning(row, "not-a-number", minor === null);
      showRowWarning(row, "over-open", overOpen);
      input.classList.toggle("is-invalid", minor === null || overOpen);
      if (minor !== null) {
        allocatingMinor += minor;
      }
    });
    const remainingMinor = unappliedMinor - allocatingMinor;
    remainingOutput.textContent = formatMinor(remainingMinor);
    remainingOutput.classList.toggle("is-negative", remainingMinor < 0n);
    allocatingOutput.textContent = formatMinor(allocatingMinor);
    overallocatedWarning.hidden = remainingMinor >= 0n;
  }

  function fillRows(amountOf) {
    rows.forEach(function (row) {
      row.querySelector("input").value = amountOf(row);
    });
    update();
  }

  form.addEventListener("input", update);
  form.querySelector('[data-allocation-action="propose"]').addEventListener("click", function () {
    fillRows(function (row) {
      return row.dataset.proposed;
    });
  });
  form.querySelector('[data-allocation-action="clear"]').addEventListener("click", function () {
    fillRows(function () {
      return "";
    });
  });
  update();
})();
