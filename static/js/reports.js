/* Statistics pages: charts from the data the page embeds (json_script), the export progress poll, print.
   Uses the vendored Chart.js (static/vendor/chartjs), never a CDN. The tables carry the same numbers. */
(function () {
  "use strict";
  var COLORS = { online: "#1f5fa8", postal: "#d4a000", walk_in: "#6b7785", done: "#1d7a46", late: "#a51d24",
    early: "#1d7a46", on_time: "#1f5fa8" };

  function drawCharts() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas.js-report-chart").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.source);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var datasets = data.series.map(function (s) {
        return { type: "bar", label: s.label, data: s.data, backgroundColor: COLORS[s.key], stack: "received" };
      }).concat(data.lines.map(function (s) {
        // Each line in a stack of its own: with the value axis stacked (so the axis fits the bars' sums), a
        // line is drawn at its own value, never on top of the bars or of the other line.
        return { type: "line", label: s.label, data: s.data, borderColor: COLORS[s.key], backgroundColor: COLORS[s.key], tension: 0.2, stack: "line-" + s.key };
      }));
      new window.Chart(canvas, {
        data: { labels: data.labels, datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          // The bars of one day stack (online + postal + walk-in = received): the value axis stacks too, so its
          // top fits the highest day's total (unstacked, Chart.js sized it to the largest single channel).
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { position: "bottom" } }
        }
      });
    });
  }

  // The steps by agency (templates/reports/steps.html): horizontal bars, one per agency (names read on a phone),
  // early + on time + late stacked, the slowest agency first as the page lists them.
  function wrapLabel(text, width) {
    // A long agency name in lines of about `width` letters, so that on a phone the bars keep their room.
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function drawStepsCharts() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas.js-steps-chart").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.source);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var narrow = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
      var labels = data.labels.map(function (label) { return wrapLabel(label, narrow ? 16 : 32); });
      var lines = labels.reduce(function (sum, l) { return sum + Math.max(1, l.length); }, 0);
      canvas.parentNode.style.height = Math.max(10, 4 + 1.2 * lines + 1.4 * labels.length) + "rem";
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: labels,
          datasets: data.series.map(function (s) {
            return { label: s.label, data: s.data, backgroundColor: COLORS[s.key], stack: "steps" };
          })
        },
        options: {
          indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
          plugins: { legend: { position: "bottom" } }
        }
      });
    });
  }

  function pollExport(box) {
    var url = box.dataset.statusUrl;
    var bar = box.querySelector("progress");
    var text = box.querySelector(".js-export-text");
    var link = box.querySelector(".js-export-link");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.progress;
          text.textContent = s.status_label + " – " + s.progress + " %" + (s.error ? " · " + s.error : "");
          if (s.download_url) { link.hidden = false; link.querySelector("a").href = s.download_url; return; }
          if (s.status !== "failed") { window.setTimeout(tick, 1500); }
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    }
    if (link.hidden) { tick(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    drawStepsCharts();
    document.querySelectorAll(".js-export").forEach(pollExport);
    document.querySelectorAll(".js-print").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  });
})();
