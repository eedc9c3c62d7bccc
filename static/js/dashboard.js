/* Staff dashboard charts, progressive enhancement only: every figure is also in a table.
   Data comes from the json_script element "dashboard-data"; Chart.js is served locally. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var styles = getComputedStyle(document.documentElement);
  var brand = styles.getPropertyValue("--brand").trim() || "#b91c1c";
  var accent = styles.getPropertyValue("--accent").trim() || "#1d4ed8";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var common = { responsive: true, maintainAspectRatio: false, animation: reduceMotion ? false : undefined };

  var trend = document.getElementById("trend-chart");
  if (trend && data.weekly) {
    // Counts per week are whole numbers of separate weeks: bars, not a curve between them.
    // The labels are the weeks' Monday dates, written in the reader's language by the server.
    new window.Chart(trend, {
      type: "bar",
      data: {
        labels: data.weekly.labels,
        datasets: [
          { label: data.weekly.filed_label, data: data.weekly.filed, backgroundColor: brand },
          { label: data.weekly.closed_label, data: data.weekly.closed, backgroundColor: accent }
        ]
      },
      options: Object.assign({}, common, {
        plugins: {
          tooltip: { callbacks: { title: function (items) { return data.weekly.titles[items[0].dataIndex]; } } }
        },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      })
    });
    var table = trend.closest("section").querySelector("details.chart-table");
    if (table) { table.open = false; }
  }

  var categories = document.getElementById("category-chart");
  if (categories && data.categories && data.categories.counts.length) {
    new window.Chart(categories, {
      type: "bar",
      data: {
        labels: data.categories.labels,
        datasets: [{ label: data.categories.label, data: data.categories.counts, backgroundColor: brand }]
      },
      options: Object.assign({}, common, {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      })
    });
  }
})();
