(function () {
  "use strict";
  // The settings arrive as JSON; the data as JSON events. Nothing from
  // either is ever parsed as markup or code: text goes through textContent.
  var cfg = JSON.parse(document.getElementById("settings").textContent);
  var points = [];
  var updates = 0;
  var ended = false;
  // For tests and the curious: how many updates arrived, and the last point.
  window.llmrecDashboard = {
    updates: function () { return updates; },
    last: function () { return points.length ? points[points.length - 1] : null; }
  };

  function $(id) { return document.getElementById(id); }
  function text(id, s) { $(id).textContent = s; }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function ms(v) {
    if (!isNum(v)) return "n/a";
    return v >= 10000 ? (v / 1000).toFixed(1) + " s" : v.toFixed(0) + " ms";
  }
  function clock(s) {
    s = Math.floor(s);
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  var charts = {};
  function chart(id, title, yAxis) {
    var c = echarts.init($(id), null, { renderer: "canvas" });
    c.setOption({
      animation: false,
      title: { text: title, left: 8, top: 4, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 26, type: "scroll" },
      grid: { left: 56, right: 56, top: 64, bottom: 44 },
      xAxis: { type: "value", name: "elapsed, s", nameLocation: "middle", nameGap: 24, min: 0, max: cfg.totalS > 0 ? cfg.totalS : null },
      yAxis: yAxis,
      series: []
    });
    charts[id] = c;
    return c;
  }
  function line(name, data, extra) {
    var s = { name: name, type: "line", showSymbol: false, data: data };
    for (var k in extra) s[k] = extra[k];
    return s;
  }
  function col(key) {
    var out = [];
    for (var i = 0; i < points.length; i++) {
      var v = points[i][key];
      out.push([points[i].t, isNum(v) ? v : null]);
    }
    return out;
  }

  chart("c-users", "Users and requests/s", [{ type: "value", name: "users", minInterval: 1 }, { type: "value", name: "req/s" }]);
  chart("c-latency", "Latency of successes (10 s window)", { type: "value", name: "ms" });
  chart("c-ttft", "Time to first token (10 s window)", { type: "value", name: "ms" });
  chart("c-tokens", "Output tokens/s (10 s window)", { type: "value", name: "tokens/s" });
  chart("c-failures", "Failures by class (per second)", { type: "value", name: "failures", minInterval: 1 });
  chart("c-generator", "Generator health", [{ type: "value", name: "send lag ms" }, { type: "value", name: "CPU cores" }]);

  function draw() {
    charts["c-users"].setOption({ series: [
      line("users", col("users"), { step: "end" }),
      line("req/s", col("rps"), { yAxisIndex: 1 })
    ] });
    charts["c-latency"].setOption({ series: [
      line("p50", col("p50")), line("p95", col("p95")), line("p99", col("p99")),
      line("step p95", col("sp95"), { lineStyle: { type: "dotted" } }),
      line("saturation limit", col("limit"), { lineStyle: { type: "dashed" }, step: "end" })
    ] });
    charts["c-ttft"].setOption({ series: [line("p50", col("t50")), line("p95", col("t95")), line("p99", col("t99"))] });
    charts["c-tokens"].setOption({ series: [line("tokens/s", col("tok"), { areaStyle: {} })] });
    var classes = {};
    for (var i = 0; i < points.length; i++) {
      for (var k in points[i].fail || {}) classes[k] = true;
    }
    var names = Object.keys(classes).sort();
    var fail = [];
    for (var j = 0; j < names.length; j++) {
      var data = [];
      for (var p = 0; p < points.length; p++) {
        var f = points[p].fail || {};
        data.push([points[p].t, f[names[j]] || 0]);
      }
      fail.push({ name: names[j], type: "bar", stack: "f", barMaxWidth: 8, data: data });
    }
    if (fail.length === 0) fail.push(line("none", col("zero")));
    charts["c-failures"].setOption({ series: fail }, { replaceMerge: ["series"] });
    charts["c-generator"].setOption({ series: [
      line("send lag (worst in the second)", col("lag")),
      line("CPU", col("cpu"), { yAxisIndex: 1 })
    ] });
  }

  function show(p) {
    text("step", p.step + (cfg.steps ? " / " + cfg.steps : ""));
    text("stepof", cfg.stepUsers + " users added every " + cfg.stepS + " s");
    text("users", String(p.users));
    text("usersof", "of " + cfg.maxUsers + " at most");
    text("elapsed", clock(p.t) + " / " + clock(p.total));
    text("rows", p.rows + " requests so far");
    text("rps", isNum(p.rps) ? p.rps.toFixed(1) : "n/a");
    text("failures", p.failures + " failed so far");
    text("stepp95", ms(p.sp95));
    text("baseline", ms(p.bp95));
    text("baselineof", p.bstep ? "step " + p.bstep : "known once the baseline step ends");
    text("limit", ms(p.limit));
    $("stepp95").className = "val" + (isNum(p.sp95) && isNum(p.limit) && p.sp95 > p.limit ? " over" : "");
    text("lag", ms(p.lag) + " lag");
    text("cpu", isNum(p.cpu) ? p.cpu.toFixed(2) + " CPU cores" : "");
    if (!ended) text("state", p.phase === "grace" ? "finishing in-flight requests…" : "running (live)");
  }

  function add(p) {
    p.zero = 0;
    points.push(p);
  }

  var es = new EventSource("events");
  es.addEventListener("history", function (e) {
    points = [];
    var list = JSON.parse(e.data);
    for (var i = 0; i < list.length; i++) add(list[i]);
    if (points.length) show(points[points.length - 1]);
    draw();
    if (!ended) $("stop").disabled = false;
  });
  es.addEventListener("snap", function (e) {
    var p = JSON.parse(e.data);
    add(p);
    updates++;
    show(p);
    draw();
  });
  es.addEventListener("end", function (e) {
    var m = JSON.parse(e.data);
    ended = true;
    es.close();
    $("stop").disabled = true;
    $("state").className = "ended";
    text("state", "run ended: " + m.reason + (m.detail ? " (" + m.detail + ")" : "") + ", " + m.rows + " rows written");
  });
  es.onerror = function () {
    if (!ended) text("state", "connection lost; retrying…");
  };

  $("stop").addEventListener("click", function () {
    var b = $("stop");
    b.disabled = true;
    text("stopnote", "stopping…");
    var h = {};
    h["X-Llmrec-Stop"] = cfg.csrf;
    fetch("stop", { method: "POST", headers: h, credentials: "same-origin" }).then(function (r) {
      text("stopnote", r.ok ? "stopping: in-flight requests get the grace period, then the file is completed" : "stop refused (" + r.status + ")");
      if (!r.ok) b.disabled = false;
    }, function () {
      text("stopnote", "stop failed: the dashboard is unreachable");
      b.disabled = false;
    });
  });

  window.addEventListener("resize", function () {
    for (var id in charts) charts[id].resize();
  });
})();
