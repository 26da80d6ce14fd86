// Dashboard charts: the page passes each chart's figures (already translated labels, amounts in
// the base currency as decimal strings) in a json_script element; this file only draws them.
(function () {
  "use strict";

  function chartData(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // Axis ticks in whole units, tooltips to the cent.
  function moneyFormat(currency, fractionDigits) {
    const formatter = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      style: "currency",
      currency: currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    return (value) => formatter.format(value);
  }

  function amounts(values) {
    return values.map(Number);
  }

  function moneyOptions(currency, showLegend) {
    const tick = moneyFormat(currency, 0);
    const exact = moneyFormat(currency, 2);
    return {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: showLegend },
        tooltip: {
          callbacks: {
            label: (item) =>
              (item.dataset.label ? item.dataset.label + ": " : "") + exact(item.parsed.y),
          },
        },
      },
      scales: {
        y: { beginAtZero: true, ticks: { callback: (value) => tick(value) } },
      },
    };
  }

  function drawAging(canvas, data) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.series,
            data: amounts(data.amounts),
            // Greener when current, redder the older the debt.
            backgroundColor: [
              "#198754",
              "#9ec5a0",
              "#ffc107",
              "#fd9843",
              "#fd7e14",
              "#dc3545",
              "#842029",
            ],
          },
        ],
      },
      options: moneyOptions(data.currency, false),
    });
  }

  function drawTrend(canvas, data) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map((isoDate) => isoDate.slice(0, 7)),
        datasets: [
          {
            label: data.open_label,
            data: amounts(data.open),
            borderColor: "#0d6efd",
            backgroundColor: "#0d6efd",
          },
          {
            label: data.overdue_label,
            data: amounts(data.overdue),
            borderColor: "#dc3545",
            backgroundColor: "#dc3545",
          },
        ],
      },
      options: moneyOptions(data.currency, true),
    });
  }

  const aging = chartData("aging-chart-data");
  if (aging) {
    drawAging(document.getElementById("aging-chart"), aging);
  }
  const trend = chartData("trend-chart-data");
  if (trend) {
    drawTrend(document.getElementById("trend-chart"), trend);
  }
})();
