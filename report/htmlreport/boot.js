(function () {
  "use strict";
  var drawn = [];
  var nodes = document.querySelectorAll("div.chart");
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i];
    var src = document.getElementById(el.id + "-options");
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(src.textContent));
    drawn.push(chart);
  }
  window.addEventListener("resize", function () {
    for (var j = 0; j < drawn.length; j++) {
      drawn[j].resize();
    }
  });
})();
