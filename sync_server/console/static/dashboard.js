/* The dashboard's charts: each element with a data-chart attribute (JSON written by
   sync_server/console/pages_dashboard.py: kind, categories, series) becomes an Apache
   ECharts chart (static/vendor/echarts-*.min.js, loaded before this file). No inline
   script: the page's CSP allows scripts from this server only. */
(function () {
  "use strict";
  var drawn = [];
  var nodes = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(nodes, function (node) {
    var spec = JSON.parse(node.getAttribute("data-chart"));
    var chart = echarts.init(node, null, { renderer: "canvas" });
    // horizontal bars: the names get a fixed share of the width, cut with an ellipsis
    var nameWidth = Math.round(Math.min(220, node.clientWidth * 0.35));
    var categories = {
      type: "category",
      data: spec.categories,
      inverse: !!spec.horizontal,
      axisLabel: spec.horizontal
        ? { width: nameWidth, overflow: "truncate" }
        : { hideOverlap: true }
    };
    var values = { type: "value", minInterval: 1 };
    chart.setOption({
      animation: false,
      color: ["#1d4f91", "#c27c0e", "#1f7a3a", "#b3261e"],
      textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif" },
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, type: "scroll" },
      grid: spec.horizontal
        ? { left: nameWidth + 16, right: 16, top: 40, bottom: 28, containLabel: false }
        : { left: 8, right: 12, top: 40, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? values : categories,
      yAxis: spec.horizontal ? categories : values,
      series: spec.series.map(function (s) {
        return { name: s.name, type: spec.kind, data: s.data, showSymbol: false };
      })
    });
    node.setAttribute("data-drawn", "true");
    drawn.push(chart);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
})();
