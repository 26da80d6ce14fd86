// KPI report charts: the page passes each chart's figures (translated labels, values as decimal
// strings, null where a KPI is undefined) in a json_script element; this file only draws them.
(function () {
  "use strict";

  const COLOURS = ["#0d6efd", "#6f42c1", "#198754", "#dc3545"];

  function chartData(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function drawLines(canvas, data) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, index) => ({
          label: series.label,
          // null stays null: Chart.js leaves a gap instead of drawing a made-up zero.
          data: series.values.map((value) => (value === null ? null : Number(value))),
          borderColor: COLOURS[index % COLOURS.length],
          backgroundColor: COLOURS[index % COLOURS.length],
          spanGaps: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}: ${item.parsed.y} ${data.unit}`,
            },
          },
        },
        scales: { y: { beginAtZero: true, title: { display: true, text: data.unit } } },
      },
    });
  }

  for (const [canvasId, dataId] of [
    ["kpi-days-chart", "kpi-days-data"],
    ["kpi-percent-chart", "kpi-percent-data"],
  ]) {
    const data = chartData(dataId);
    if (data) {
      drawLines(document.getElementById(canvasId), data);
    }
  }
})();
