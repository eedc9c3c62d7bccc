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
    new window.Chart(trend, {
      type: "line",
      data: {
        labels: data.weekly.labels,
        datasets: [
          { label: data.weekly.filed_label, data: data.weekly.filed, borderColor: brand, backgroundColor: brand, tension: 0.2 },
          { label: data.weekly.closed_label, data: data.weekly.closed, borderColor: accent, backgroundColor: accent, tension: 0.2 }
        ]
      },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
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
