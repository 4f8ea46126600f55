// WangJian.Credit console: the as-you-type USCC check and the charts. Everything it loads is served by
// the server itself (ECharts is vendored under /console-assets/echarts).
(function () {
  'use strict';

  // The GB 32100 message comes from the server's own parser, so it is the API's message, word for word.
  document.querySelectorAll('input[data-uscc-check]').forEach(function (input) {
    var url = input.getAttribute('data-uscc-check');
    var out = document.getElementById(input.getAttribute('aria-describedby').split(' ')[0]);
    var timer = null;
    var seq = 0;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        var value = input.value.trim();
        if (value.length === 0) { out.textContent = ''; input.removeAttribute('aria-invalid'); return; }
        fetch(url + '?value=' + encodeURIComponent(value), { credentials: 'same-origin' })
          .then(function (r) { return r.json(); })
          .then(function (j) {
            if (mine !== seq) { return; }
            out.textContent = j.ok ? '✓ ' + j.message : j.message;
            out.classList.toggle('bad', !j.ok);
            if (j.ok) { input.removeAttribute('aria-invalid'); } else { input.setAttribute('aria-invalid', 'true'); }
          });
      }, 150);
    });
  });

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var score = data('score-data');
  var scoreEl = document.getElementById('score-chart');
  if (score && scoreEl && window.echarts) {
    var chart = echarts.init(scoreEl, null, { renderer: 'canvas' });
    var bands = [
      { yAxis: score.bands.a, name: 'A' }, { yAxis: score.bands.b, name: 'B' }, { yAxis: score.bands.c, name: 'C' }
    ];
    var last = score.past.length ? score.past[score.past.length - 1] : null;
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 24, top: 40, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [score.labels.score, score.labels.forward], textStyle: { color: '#1f2328' } },
      xAxis: { type: 'time', axisLabel: { color: '#1f2328' } },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { color: '#1f2328' } },
      series: [
        {
          name: score.labels.score, type: 'line', step: 'end', showSymbol: false,
          data: last ? score.past.concat([[score.now, last[1]]]) : score.past,
          lineStyle: { width: 2, color: '#0b5cad' }, itemStyle: { color: '#0b5cad' },
          markLine: { silent: true, symbol: 'none', label: { formatter: '{b}', color: '#1f2328' },
            lineStyle: { type: 'dotted', color: '#6e7781' }, data: bands },
          markArea: { silent: true, itemStyle: { color: 'rgba(207, 34, 46, 0.12)' },
            label: { show: true, color: '#8a1c24', formatter: score.labels.listed },
            data: score.listed.map(function (r) { return [{ xAxis: r[0] }, { xAxis: r[1] }]; }) }
        },
        {
          name: score.labels.forward, type: 'line', step: 'end', showSymbol: false,
          data: score.forward, lineStyle: { width: 2, type: 'dashed', color: '#1a7f37' }, itemStyle: { color: '#1a7f37' },
          // The "now" marker: where the recorded past ends and the path to repair begins.
          markLine: { silent: true, symbol: 'none', label: { formatter: '{b}', position: 'end', color: '#1f2328' },
            lineStyle: { type: 'solid', width: 1.5, color: '#1f2328' },
            data: [{ xAxis: score.now, name: score.labels.now }] }
        }
      ]
    });
    window.addEventListener('resize', function () { chart.resize(); });
    scoreEl.setAttribute('data-now', String(score.now));
    scoreEl.setAttribute('data-rendered', 'true');
  }

  // The simulation: grade transitions (before on the y axis, after on the x axis) as a heat map, and the
  // histogram of score changes.
  var sim = data('simulation-data');
  var heatEl = document.getElementById('transition-chart');
  if (sim && heatEl && window.echarts) {
    var heat = echarts.init(heatEl, null, { renderer: 'canvas' });
    heat.setOption({
      animation: false,
      grid: { left: 70, right: 24, top: 30, bottom: 60 },
      tooltip: { position: 'top' },
      xAxis: { type: 'category', data: sim.states, name: sim.labels.after, nameLocation: 'middle', nameGap: 28, splitArea: { show: true }, axisLabel: { color: '#1f2328' } },
      yAxis: { type: 'category', data: sim.states, name: sim.labels.before, nameLocation: 'middle', nameGap: 50, inverse: true, splitArea: { show: true }, axisLabel: { color: '#1f2328' } },
      visualMap: { min: 0, max: Math.max(1, sim.max), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
        inRange: { color: ['#eef4fb', '#6fa8dc'] }, textStyle: { color: '#1f2328' } },
      series: [{ name: sim.labels.operators, type: 'heatmap', data: sim.cells, label: { show: true, color: '#1f2328' },
        emphasis: { itemStyle: { borderColor: '#1f2328', borderWidth: 1 } } }]
    });
    window.addEventListener('resize', function () { heat.resize(); });
    heatEl.setAttribute('data-rendered', 'true');
  }

  var histEl = document.getElementById('histogram-chart');
  if (sim && histEl && window.echarts) {
    var hist = echarts.init(histEl, null, { renderer: 'canvas' });
    hist.setOption({
      animation: false,
      grid: { left: 50, right: 24, top: 20, bottom: 40 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: sim.buckets, axisLabel: { color: '#1f2328' } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#1f2328' } },
      series: [{ name: sim.labels.operators, type: 'bar', data: sim.counts, itemStyle: { color: '#0b5cad' } }]
    });
    window.addEventListener('resize', function () { hist.resize(); });
    histEl.setAttribute('data-rendered', 'true');
  }

  var notices = data('notice-data');
  var noticeEl = document.getElementById('notice-chart');
  if (notices && noticeEl && window.echarts) {
    var bar = echarts.init(noticeEl, null, { renderer: 'canvas' });
    var colors = ['#9a6700', '#cf222e', '#0b5cad', '#1a7f37'];
    bar.setOption({
      animation: false,
      grid: { left: 60, right: 24, top: 40, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { textStyle: { color: '#1f2328' } },
      xAxis: { type: 'category', data: notices.agencies, axisLabel: { color: '#1f2328' } },
      yAxis: { type: 'value', axisLabel: { color: '#1f2328' } },
      series: notices.series.map(function (s, i) {
        return { name: s.name, type: 'bar', stack: 'n', data: s.data, itemStyle: { color: colors[i] } };
      })
    });
    window.addEventListener('resize', function () { bar.resize(); });
    noticeEl.setAttribute('data-rendered', 'true');
  }
})();
