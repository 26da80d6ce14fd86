// Cash forecast chart: the page passes the weeks and their expected cash (amounts in the base
// currency as decimal strings, labels already translated) in a json_script element; this file
// only draws them.
(function () {
  "use strict";

  const element = document.getElementById("forecast-chart-data");
  const canvas = document.getElementById("forecast-chart");
  if (!element || !canvas) {
    return;
  }
  const data = JSON.parse(element.textContent);

  // Axis ticks in whole units, tooltips to the cent.
  function moneyFormat(fractionDigits) {
    const formatter = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      style: "currency",
      currency: data.currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    return (value) => formatter.format(value);
  }
  const tick = moneyFormat(0);
  const exact = moneyFormat(2);

  new Chart(canvas, {
    type: "bar",
    data: {
      // Week starts as MM-DD: thirteen full dates do not fit under the bars on a phone.
      labels: data.labels.map((isoDate) => isoDate.slice(5)),
      datasets: [
        {
          label: data.series,
          data: data.amounts.map(Number),
          backgroundColor: "#0d6efd",
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => data.labels[items[0].dataIndex],
            label: (item) => data.series + ": " + exact(item.parsed.y),
          },
        },
      },
      scales: {
        y: { beginAtZero: true, ticks: { callback: (value) => tick(value) } },
      },
    },
  });
})();
