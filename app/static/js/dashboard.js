// The bureau's dashboard charts: data from the page's JSON endpoint, labels from data-* attributes (the page
// already shows every figure in tables, so without this script nothing is lost).
(function () {
  "use strict";

  function draw(root, data) {
    var label = root.dataset;
    var charts = [];
    function chart(name, option) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return; }
      var c = window.echarts.init(el);
      c.setOption(option);
      charts.push(c);
    }
    var money = { type: "value", name: label.labelAmount };
    chart("months", {
      tooltip: { trigger: "axis" },
      legend: { data: [label.labelAmount, label.labelTechnology, label.labelCount] },
      xAxis: { type: "category", data: data.months.map(function (m) { return data.year + "-" + String(m.month).padStart(2, "0"); }) },
      yAxis: [money, { type: "value", name: label.labelCount, minInterval: 1 }],
      series: [
        { name: label.labelAmount, type: "bar", data: data.months.map(function (m) { return m.amount; }) },
        { name: label.labelTechnology, type: "bar", data: data.months.map(function (m) { return m.technology_amount; }) },
        { name: label.labelCount, type: "line", yAxisIndex: 1, data: data.months.map(function (m) { return m.count; }) }
      ]
    });
    chart("industries", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.industries.map(function (r) {
        return { name: r.name || label.labelUnclassified, value: r.technology_amount };
      }) }]
    });
    chart("top_centers", {
      tooltip: { trigger: "axis" },
      grid: { containLabel: true },
      xAxis: money,
      yAxis: { type: "category", inverse: true, data: data.top_centers.map(function (r) { return r.name; }) },
      series: [{ name: label.labelAmount, type: "bar", data: data.top_centers.map(function (r) { return r.amount; }) }]
    });
    var stages = { interests: label.labelInterests, accepted: label.labelAccepted, contracts: label.labelContracts, signed: label.labelSigned };
    chart("funnel", {
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", sort: "descending", left: "10%", width: "80%", label: { position: "inside" }, data: data.funnel.map(function (r) {
        return { name: stages[r.stage], value: r.count };
      }) }]
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    root.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("dashboard");
    if (!root || !window.echarts) { return; }
    fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { draw(root, data); })
      .catch(function () { root.dataset.ready = "error"; });
  });
}());
