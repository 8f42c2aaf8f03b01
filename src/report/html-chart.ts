/**
 * The page script of the HTML report (src/report/html.ts): draws each host's timeline with
 * Chart.js, one row per finding and one floating bar per session, on a linear axis of capture
 * time. It records on <body> how many charts it drew and how many pixels they painted, and
 * shows any script error on the page itself, so a headless browser can tell a drawn report
 * from a blank one.
 */
export const CHART_SCRIPT = String.raw`(function () {
  var errors = [];
  function fail(message) {
    errors.push(String(message));
    var box = document.getElementById('errors');
    if (box) box.textContent = 'The report script failed: ' + errors.join('; ');
    document.body.setAttribute('data-errors', String(errors.length));
  }
  window.addEventListener('error', function (e) { fail(e.message); });
  var COLORS = { high: '#b3261e', medium: '#c77700', low: '#55708a' };
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function stamp(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate()) + ' ' + two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds());
  }
  function draw(canvas) {
    var data = JSON.parse(document.getElementById('chart-data-' + canvas.getAttribute('data-chart')).textContent);
    var min = Infinity, max = -Infinity;
    data.bars.forEach(function (b) { if (b.start < min) min = b.start; if (b.end > max) max = b.end; });
    var pad = Math.max((max - min) * 0.03, 1000);
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: data.rows,
        datasets: [{
          data: data.bars.map(function (b) { return { y: data.rows[b.row], x: [b.start, b.end] }; }),
          backgroundColor: data.bars.map(function (b) { return COLORS[b.confidence] || '#55708a'; }),
          minBarLength: 4,
          barPercentage: 0.7,
          grouped: false
        }]
      },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { var r = c.raw.x; return stamp(r[0]) + ' to ' + stamp(r[1]) + ' UTC'; } } }
        },
        scales: {
          x: { type: 'linear', min: min - pad, max: max + pad, ticks: { maxTicksLimit: 6, callback: function (v) { return stamp(v); } } },
          y: { ticks: { autoSkip: false } }
        }
      }
    });
  }
  function painted(canvas) {
    var ctx = canvas.getContext('2d');
    var pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    var n = 0;
    for (var i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) n++;
    return n;
  }
  try {
    if (typeof Chart !== 'function') throw new Error('Chart.js did not load');
    var canvases = document.querySelectorAll('canvas[data-chart]');
    var drawn = 0, pixels = 0;
    for (var i = 0; i < canvases.length; i++) {
      draw(canvases[i]);
      drawn++;
      pixels += painted(canvases[i]);
    }
    document.body.setAttribute('data-charts-drawn', String(drawn));
    document.body.setAttribute('data-chart-pixels', String(pixels));
  } catch (e) {
    fail(e && e.message ? e.message : e);
  }
})();`;
