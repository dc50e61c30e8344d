(function () {
  "use strict";
  // The settings arrive as JSON; the data as JSON events. Nothing from
  // either is ever parsed as markup or code: text goes through textContent.
  var cfg = JSON.parse(document.getElementById("settings").textContent);
  var points = [];
  var updates = 0;
  var ended = false;
  var open = cfg.kind === "rate";
  // The live tables: rows by step, the total, failures, verdict.
  var tab = { rows: {}, dropped: 0, total: null, failures: [], verdict: null };
  // For tests and the curious: how many updates arrived, the last point,
  // the tables.
  window.llmrecDashboard = {
    updates: function () { return updates; },
    last: function () { return points.length ? points[points.length - 1] : null; },
    tables: function () { return tab; }
  };

  function $(id) { return document.getElementById(id); }
  function text(id, s) { $(id).textContent = s; }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function ms(v) {
    if (!isNum(v)) return "n/a";
    return v >= 10000 ? (v / 1000).toFixed(1) + " s" : v.toFixed(0) + " ms";
  }
  function fixed(v, d) { return isNum(v) ? v.toFixed(d) : "n/a"; }
  function cell(v) { return isNum(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)) : "–"; }
  function levelWords(v) {
    if (!isNum(v)) return "n/a";
    if (open) return String(+v.toFixed(3)) + " req/s offered";
    return v + (v === 1 ? " user" : " users");
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
      grid: { left: 64, right: 64, top: 60, bottom: 44 },
      // The axis spans the schedule and the grace period after it.
      xAxis: { type: "value", name: "elapsed, s", nameLocation: "middle", nameGap: 24, min: 0, axisLabel: { hideOverlap: true }, max: cfg.totalS > 0 ? cfg.totalS + (cfg.graceS || 0) : null },
      // Axis titles stand beside their axes, clear of the legend above.
      yAxis: (Array.isArray(yAxis) ? yAxis : [yAxis]).map(function (a) {
        var o = { nameLocation: "middle", nameGap: 44 };
        for (var k in a) o[k] = a[k];
        return o;
      }),
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
  // The grace period after the schedule, shaded on every time axis.
  function grace(s) {
    if (cfg.graceS > 0 && cfg.totalS > 0) {
      s.markArea = { silent: true, itemStyle: { color: "rgba(107,114,128,0.08)" },
        label: { show: true, position: "insideTop", color: "#6b7280", fontSize: 11, formatter: "grace" },
        data: [[{ xAxis: cfg.totalS }, { xAxis: cfg.totalS + cfg.graceS }]] };
    }
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

  if (open) {
    chart("c-users", "Offered, sent and completed req/s", [{ type: "value", name: "req/s" }, { type: "value", name: "in flight", minInterval: 1 }]);
  } else {
    chart("c-users", "Users and requests/s", [{ type: "value", name: "users", minInterval: 1 }, { type: "value", name: "req/s" }]);
  }
  chart("c-latency", "Latency of successes (10 s window)", { type: "value", name: "ms" });
  chart("c-ttft", "Time to first token (10 s window)", { type: "value", name: "ms" });
  chart("c-tokens", "Output tokens/s (10 s window)", { type: "value", name: "tokens/s" });
  chart("c-failures", "Failures by class (per second)", { type: "value", name: "failures", minInterval: 1 });
  chart("c-generator", "Generator health", [{ type: "value", name: "send lag ms" }, { type: "value", name: "CPU cores" }]);

  function draw() {
    if (open) {
      charts["c-users"].setOption({ series: [
        grace(line("offered", col("off"), { step: "end", lineStyle: { type: "dashed" } })),
        line("sent", col("sent")),
        line("completed", col("rps")),
        line("in flight", col("users"), { yAxisIndex: 1, lineStyle: { type: "dotted" } })
      ] });
    } else {
      charts["c-users"].setOption({ series: [
        grace(line("users", col("users"), { step: "end" })),
        line("req/s", col("rps"), { yAxisIndex: 1 })
      ] });
    }
    var limit = line("saturation limit", col("limit"), { lineStyle: { type: "dashed" }, step: "end" });
    var v = tab.verdict;
    if (v && v.fstep > 0 && isNum(v.fat)) {
      limit.markLine = { symbol: "none", silent: true, lineStyle: { color: "#b91c1c", type: "solid" },
        label: { formatter: "saturated at step " + v.fstep, position: "insideEndTop", color: "#b91c1c" },
        data: [{ xAxis: v.fat }] };
    }
    charts["c-latency"].setOption({ series: [
      grace(line("p50", col("p50"))), line("p95", col("p95")), line("p99", col("p99")),
      line("step p95", col("sp95"), { lineStyle: { type: "dotted" } }),
      limit
    ] });
    charts["c-ttft"].setOption({ series: [grace(line("p50", col("t50"))), line("p95", col("t95")), line("p99", col("t99"))] });
    charts["c-tokens"].setOption({ series: [grace(line("tokens/s", col("tok"), { areaStyle: {} }))] });
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
    var none = fail.length === 0;
    if (none) fail.push(line("no failures", col("zero")));
    grace(fail[0]);
    charts["c-failures"].setOption({
      title: { subtext: none ? "none so far" : "" },
      legend: { show: !none },
      series: fail
    }, { replaceMerge: ["series"] });
    charts["c-generator"].setOption({ series: [
      grace(line("send lag (worst in the second)", col("lag"))),
      line("CPU", col("cpu"), { yAxisIndex: 1 })
    ] });
  }

  function show(p) {
    text("step", p.step + (cfg.steps ? " / " + cfg.steps : ""));
    if (open) {
      text("stepof", cfg.stepRate > 0 ? "+" + cfg.stepRate + " req/s every " + cfg.stepS + " s" : cfg.arrival + " arrivals, steps of " + cfg.stepS + " s");
      text("usersname", "offered rate");
      text("users", fixed(p.off, 1) + " req/s");
      text("usersof", p.users + " in flight · up to " + cfg.maxRate + " req/s");
      text("rpsname", "sent / completed req/s (10 s)");
      text("rps", fixed(p.sent, 1) + " / " + fixed(p.rps, 1));
    } else {
      text("stepof", cfg.stepUsers + " users added every " + cfg.stepS + " s");
      text("users", String(p.users));
      text("usersof", "of " + cfg.maxUsers + " at most");
      text("rps", fixed(p.rps, 1));
    }
    if (p.chg) {
      // The shape was changed live: the step tile says how it runs now.
      text("stepof", "held at " + levelWords(p.chg.level) + " from step " + p.chg.step + " (changed " + (p.nchg === 1 ? "once" : p.nchg + " times") + " from the dashboard)");
    }
    text("elapsed", clock(p.t) + " / " + clock(p.total));
    text("rows", p.rows + " requests so far");
    text("failures", p.failures + " failed so far");
    text("stepp95", ms(p.sp95));
    text("stepp95of", p.sp95s && p.sp95s !== p.step ? "step " + p.sp95s + "'s: step " + p.step + " has no success yet" : "requests sent after the warmup");
    text("baseline", ms(p.bp95));
    text("baselineof", p.bstep ? "step " + p.bstep : "known once the baseline step ends");
    text("limit", ms(p.limit));
    $("stepp95").className = "val" + (isNum(p.sp95) && isNum(p.limit) && p.sp95 > p.limit ? " over" : "");
    text("lag", ms(p.lag) + " lag");
    text("cpu", isNum(p.cpu) ? p.cpu.toFixed(2) + " CPU cores" : "");
    if (!ended) text("state", p.phase === "grace" ? "finishing in-flight requests…" : "running (live)");
  }

  // The statistics table: a row per step, the total last.
  var head = ["step", open ? "offered req/s" : "users", "requests", "failures", "p50", "p90", "p95", "p99", "max"];
  head = head.concat(open ? ["sent req/s", "completed req/s", "waited"] : ["req/s"], ["TTFT p95"]);
  (function () {
    var tr = $("statshead");
    for (var i = 0; i < head.length; i++) {
      var th = document.createElement("th");
      th.textContent = head[i] + (i >= 4 && i <= 8 || head[i] === "TTFT p95" ? " ms" : "");
      tr.appendChild(th);
    }
  })();
  function tr(cells, cls) {
    var r = document.createElement("tr");
    if (cls) r.className = cls;
    for (var i = 0; i < cells.length; i++) {
      var td = document.createElement("td");
      td.textContent = cells[i];
      r.appendChild(td);
    }
    return r;
  }
  function rowCells(r, label) {
    var c = [label, r.step ? (open ? String(+(+r.level).toFixed(3)) : String(r.level)) : "",
      String(r.n), String(r.fail), cell(r.p50), cell(r.p90), cell(r.p95), cell(r.p99), cell(r.max)];
    c = c.concat(open ? [fixed(r.rps, 2), fixed(r.done, 2), String(r.waited)] : [fixed(r.rps, 2)], [cell(r.t95)]);
    return c;
  }
  function drawTables() {
    var cur = points.length ? points[points.length - 1].step : 0;
    var body = $("statsbody");
    var steps = Object.keys(tab.rows).map(Number).sort(function (a, b) { return a - b; });
    var rows = [];
    if (tab.dropped) rows.push(tr(["…", tab.dropped + " earlier steps: see the file"], "dropped"));
    for (var i = 0; i < steps.length; i++) {
      var r = tab.rows[steps[i]];
      rows.push(tr(rowCells(r, String(r.step)), r.step === cur && !ended ? "cur" : ""));
    }
    if (tab.total) rows.push(tr(rowCells(tab.total, "total"), "total"));
    body.replaceChildren.apply(body, rows);
    var fb = $("failbody");
    var fr = [];
    for (var j = 0; j < tab.failures.length; j++) {
      var f = tab.failures[j];
      var row = tr([f.class, String(f.count), isNum(f.at) ? clock(f.at) : "", f.latest]);
      row.lastChild.className = "text";
      fr.push(row);
    }
    if (!fr.length) {
      var none = tr(["none so far"]);
      none.firstChild.className = "none";
      none.firstChild.colSpan = 4;
      fr.push(none);
    }
    fb.replaceChildren.apply(fb, fr);
    var v = tab.verdict;
    if (v && v.fstep > 0) {
      $("fired").hidden = false;
      text("fired", "Saturated at step " + v.fstep + " (the live rule, at " + clock(v.fat) + "): " + v.fdetail);
    }
  }
  function capWords(v) {
    if (!v.bstep) return "Not judged: no step reached the baseline";
    if (!v.cstep) return "No level before saturation";
    return "Capacity: " + (v.bounded ? "" : "at least ") + levelWords(v.clevel) + " before saturation (step " + v.cstep + ")";
  }
  function showVerdict() {
    var v = tab.verdict;
    if (!v) return;
    var sat;
    if (v.sstep) {
      sat = "Saturated at " + levelWords(v.slevel) + " (" + v.signal + ") at step " + v.sstep + (v.sstep === v.bstep ? ", the baseline step itself" : "");
    } else if (!v.bstep) {
      sat = "Not judged: no step reached the baseline";
    } else {
      var top = 0;
      for (var k in tab.rows) if (tab.rows[k].n > 0 && tab.rows[k].level > top) top = tab.rows[k].level;
      sat = "Not saturated up to " + levelWords(top);
    }
    text("vsat", sat);
    text("vcap", capWords(v));
    $("verdict").className = "verdict" + (v.sstep ? " sat" : "");
    $("verdict").hidden = false;
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
    if (!ended) $("levelset").disabled = false;
  });
  es.addEventListener("snap", function (e) {
    var p = JSON.parse(e.data);
    add(p);
    updates++;
    show(p);
    draw();
  });
  es.addEventListener("table", function (e) {
    var t = JSON.parse(e.data);
    for (var i = 0; i < t.rows.length; i++) tab.rows[t.rows[i].step] = t.rows[i];
    var keep = Object.keys(tab.rows).map(Number).sort(function (a, b) { return a - b; });
    while (keep.length > 1000) delete tab.rows[keep.shift()];
    tab.dropped = t.dropped;
    tab.total = t.total;
    tab.failures = t.failures || [];
    tab.verdict = t.verdict;
    drawTables();
    draw();
    if (ended) showVerdict();
  });
  es.addEventListener("end", function (e) {
    var m = JSON.parse(e.data);
    ended = true;
    es.close();
    text("stopnote", "");
    drawTables();
    showVerdict();
    $("stop").disabled = true;
    $("levelset").disabled = true;
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

  // The level control: from the next step on, the run holds the level
  // given (users, or req/s offered); a refusal shows the server's reason.
  if (cfg.change) {
    $("levelform").hidden = false;
    text("levellabel", open ? "req/s offered from the next step on (at most " + cfg.maxRate + ")" : "users from the next step on (1 to " + cfg.maxUsers + ")");
    $("level").max = open ? cfg.maxRate : cfg.maxUsers;
    $("level").step = open ? "any" : "1";
  }
  function levelNote(s, bad) {
    text("levelnote", s);
    $("levelnote").className = bad ? "sub bad" : "sub";
  }
  $("levelform").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var b = $("levelset");
    b.disabled = true;
    var h = { "Content-Type": "application/x-www-form-urlencoded" };
    h["X-Llmrec-Stop"] = cfg.csrf;
    var body = new URLSearchParams({ level: $("level").value }).toString();
    fetch("level", { method: "POST", headers: h, body: body, credentials: "same-origin" }).then(function (r) {
      return r.text().then(function (t) {
        if (r.ok) {
          var c = JSON.parse(t);
          levelNote("from step " + c.step + " on: " + levelWords(c.level), false);
        } else {
          levelNote("refused: " + t.trim().split("\n")[0], true);
        }
      });
    }, function () {
      levelNote("not sent: the dashboard is unreachable", true);
    }).then(function () { b.disabled = ended; });
  });

  window.addEventListener("resize", function () {
    for (var id in charts) charts[id].resize();
  });
})();
