// The bureau's dashboard charts: data from the page's JSON endpoint, labels from data-* attributes (the page
// already shows every figure in tables, so without this script nothing is lost).
(function () {
  "use strict";

  // Below this width a chart is laid out for a phone: legends under the chart, short names, fewer ticks.
  var NARROW = 560;
  var WAN = 10000;

  // People read money in 万元, with at most two decimals (the API and this page's JSON keep yuan).
  function wan(yuan) { return Math.round(yuan / WAN * 100) / 100; }
  function grouped(n) { return Number(n).toLocaleString("zh-CN"); }

  // "长春市汽车轻量化制造业创新中心" → "汽车轻量化": every center shares the city and the suffix, so on an axis
  // they only push the bars out of sight; tooltips keep the full name.
  function shortName(name) {
    return name.replace(/^长春市/, "").replace(/(制造业)?创新中心$/, "") || name;
  }

  function draw(root, data) {
    var label = root.dataset;
    var charts = [];

    function empty(el) {
      el.classList.add("chart-empty");
      el.removeAttribute("role");
      el.textContent = label.labelNone;
    }

    function chart(name, hasData, build) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return; }
      if (!hasData) { empty(el); return; }
      var narrow = el.clientWidth < NARROW;
      var c = window.echarts.init(el);
      c.setOption(build(narrow, el));
      charts.push(c);
    }

    function moneyAxis(narrow) {
      return { type: "value", name: label.labelAmountWan, nameTextStyle: { align: "left" },
               splitNumber: narrow ? 3 : 5, axisLabel: { formatter: grouped } };
    }
    function yuanTip(params) {
      var list = [].concat(params);
      var head = list[0].name;
      return head + "<br>" + list.map(function (p) {
        var shown = p.data && p.data.yuan !== undefined ? grouped(wan(p.data.yuan)) + " " + label.labelWan
                                                         : grouped(p.value);
        return p.marker + p.seriesName + "：" + shown;
      }).join("<br>");
    }

    var months = data.months.map(function (m) { return data.year + "-" + String(m.month).padStart(2, "0"); });
    chart("months", data.months.some(function (m) { return m.count > 0; }), function (narrow) {
      return {
        tooltip: { trigger: "axis", formatter: yuanTip },
        legend: { data: [label.labelAmountWanSeries, label.labelTechnologyWan, label.labelCount], bottom: 0,
                  itemGap: narrow ? 8 : 16, textStyle: { fontSize: narrow ? 11 : 12 } },
        grid: { left: 8, right: 8, top: 40, bottom: narrow ? 56 : 40, containLabel: true },
        xAxis: { type: "category", data: narrow ? months.map(function (m) { return m.slice(5); }) : months,
                 axisLabel: { interval: narrow ? 1 : 0 } },
        yAxis: [moneyAxis(narrow), { type: "value", name: label.labelCount, minInterval: 1,
                                     nameTextStyle: { align: "right" } }],
        series: [
          { name: label.labelAmountWanSeries, type: "bar", data: data.months.map(function (m) {
            return { value: wan(m.amount), yuan: m.amount }; }) },
          { name: label.labelTechnologyWan, type: "bar", data: data.months.map(function (m) {
            return { value: wan(m.turnover), yuan: m.turnover }; }) },
          { name: label.labelCount, type: "line", yAxisIndex: 1, data: data.months.map(function (m) { return m.count; }) }
        ]
      };
    });

    var industries = data.industries.filter(function (r) { return r.turnover > 0; });
    chart("industries", industries.length > 0, function (narrow) {
      return {
        tooltip: { trigger: "item", formatter: function (p) {
          return p.marker + p.name + "：" + grouped(wan(p.data.yuan)) + " " + label.labelWan + "（" + p.percent + "%）"; } },
        legend: narrow ? { type: "scroll", bottom: 0 } : { show: false },
        series: [{ type: "pie", radius: narrow ? ["30%", "55%"] : ["38%", "68%"],
                   center: ["50%", narrow ? "44%" : "50%"], avoidLabelOverlap: true,
                   label: narrow ? { show: false } : { formatter: "{b}\n{d}%" },
                   data: industries.map(function (r) {
                     return { name: r.name || label.labelUnclassified, value: wan(r.turnover),
                              yuan: r.turnover };
                   }) }]
      };
    });

    chart("top_centers", data.top_centers.length > 0, function (narrow, el) {
      // One row per center: the chart grows with the list instead of squeezing or stretching the bars.
      el.style.height = Math.max(160, 34 * data.top_centers.length + 60) + "px";
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (params) {
          var p = params[0];
          return data.top_centers[p.dataIndex].name + "<br>" + p.marker + p.seriesName + "：" +
            grouped(wan(p.data.yuan)) + " " + label.labelWan; } },
        grid: { left: 8, right: narrow ? 40 : 56, top: 8, bottom: 30, containLabel: true },
        // The unit under the axis: at its end it would run off the chart's right edge.
        xAxis: Object.assign(moneyAxis(narrow), { nameLocation: "middle", nameGap: 26 }),
        yAxis: { type: "category", inverse: true, data: data.top_centers.map(function (r) { return shortName(r.name); }),
                 axisLabel: { width: narrow ? 96 : 220, overflow: "truncate" } },
        series: [{ name: label.labelAmountWanSeries, type: "bar", barMaxWidth: 22,
                   label: { show: true, position: "right", formatter: function (p) { return grouped(p.value); } },
                   data: data.top_centers.map(function (r) { return { value: wan(r.amount), yuan: r.amount }; }) }]
      };
    });

    var stages = { interests: label.labelInterests, accepted: label.labelAccepted, contracts: label.labelContracts,
                   signed: label.labelSigned };
    var first = data.funnel.length ? data.funnel[0].count : 0;
    chart("funnel", first > 0, function (narrow) {
      return {
        tooltip: { trigger: "item", formatter: "{b}：{c}" },
        series: [{ type: "funnel", sort: "none", left: narrow ? "4%" : "15%", width: narrow ? "92%" : "70%",
                   top: 10, bottom: 10, minSize: "28%", gap: 2,
                   // Deep shades so the white labels keep a contrast of at least 4.5:1 on every stage.
                   color: ["#1554c0", "#0e3f94", "#0e7050", "#b5470b"],
                   label: { position: "inside", color: "#fff", fontSize: narrow ? 11 : 13,
                            formatter: function (p) {
                              return p.name + "  " + p.value + (p.dataIndex ? "（" + Math.round(p.value / first * 100) + "%）" : "");
                            } },
                   data: data.funnel.map(function (r) { return { name: stages[r.stage], value: r.count }; }) }]
      };
    });

    root.dataset.ready = "1";
    return charts;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("dashboard");
    if (!root || !window.echarts) { return; }
    fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var charts = draw(root, data);
        var narrow = window.innerWidth < NARROW;
        var pending = null;
        // Crossing the phone width changes the layout, not just the size: draw again then.
        window.addEventListener("resize", function () {
          clearTimeout(pending);
          pending = setTimeout(function () {
            if ((window.innerWidth < NARROW) !== narrow) {
              narrow = !narrow;
              charts.forEach(function (c) { c.dispose(); });
              charts = draw(root, data);
            } else {
              charts.forEach(function (c) { c.resize(); });
            }
          }, 150);
        });
      })
      .catch(function () { root.dataset.ready = "error"; });
  });
}());
