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
  // A table wider than the screen scrolls sideways: say so above it.
  var scrollers = document.querySelectorAll("div.scroll");
  function cues() {
    for (var k = 0; k < scrollers.length; k++) {
      var cue = scrollers[k].previousElementSibling;
      if (cue && cue.className === "scroll-cue") {
        cue.hidden = scrollers[k].scrollWidth <= scrollers[k].clientWidth + 1;
      }
    }
  }
  cues();
  window.addEventListener("resize", function () {
    for (var j = 0; j < drawn.length; j++) {
      drawn[j].resize();
    }
    cues();
  });
})();
