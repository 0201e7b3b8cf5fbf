// Draws one run as an SVG (no charting dependency): requests/s on top, p99
// latency below, both per bucket, with the reload windows shaded, the SIGHUPs
// as dashed lines, each slot's reload phases as markers between the panels,
// failed requests as red marks, and on the latency panel the steady p99 and
// the 2x goal.

const W = 1000;
const LEFT = 70;
const RIGHT = 24;
const PLOT_W = W - LEFT - RIGHT;
const RPS = { top: 56, height: 190 };
const PHASES = { top: 270, height: 44 };
const P99 = { top: 340, height: 190 };
const H = P99.top + P99.height + 70;
const SLOT_COLORS = ['#1f77b4', '#9467bd', '#8c564b', '#17becf'];

const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v) => (Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 100) / 100));

function niceTicks(max, count = 5) {
  if (!(max > 0)) return { max: 1, ticks: [0, 1] };
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return { max: top, ticks };
}

function chart(result, settings) {
  const seconds = result.measuredSeconds;
  const x = (t) => LEFT + (t / seconds) * PLOT_W;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const modeName = result.mode === 'keepalive' ? 'keep-alive' : 'new connection per request';
  out.push(`<text x="${LEFT}" y="20" font-size="14" font-weight="bold">Shoal rolling reload under load: ${settings.workers} workers, ${esc(modeName)}, ${settings.concurrency} concurrent, ${settings.bucketMs} ms buckets</text>`);
  out.push(`<text x="${LEFT}" y="38" fill="#444">steady p99 ${result.steady.p99Ms} ms, during reload ${result.duringReload.p99Ms} ms (x${result.ratios.p99DuringOverSteady}); rps ${result.steady.rps} steady, ${result.duringReload.rps} during reload (x${result.ratios.rpsDuringOverSteady}); ${result.errors.total} failed requests</text>`);

  const panel = (area, label, values, colour, extra) => {
    const { max, ticks } = niceTicks(Math.max(...values.filter((v) => v !== null), ...(extra?.lines ?? []).map((l) => l.value)));
    const y = (v) => area.top + area.height - (v / max) * area.height;
    // Reload windows and SIGHUPs.
    for (const r of result.reloads) {
      const from = x(r.t);
      const to = x(r.t + r.sighupToFinishedMs / 1000);
      out.push(`<rect x="${from.toFixed(1)}" y="${area.top}" width="${Math.max(1, to - from).toFixed(1)}" height="${area.height}" fill="#fdd49e" opacity="0.6"/>`);
      out.push(`<line x1="${from.toFixed(1)}" y1="${area.top}" x2="${from.toFixed(1)}" y2="${area.top + area.height}" stroke="#d94801" stroke-dasharray="4 3"/>`);
    }
    for (const tick of ticks) {
      out.push(`<line x1="${LEFT}" y1="${y(tick).toFixed(1)}" x2="${LEFT + PLOT_W}" y2="${y(tick).toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${LEFT - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${fmt(tick)}</text>`);
    }
    for (const line of extra?.lines ?? []) {
      out.push(`<line x1="${LEFT}" y1="${y(line.value).toFixed(1)}" x2="${LEFT + PLOT_W}" y2="${y(line.value).toFixed(1)}" stroke="${line.colour}" stroke-dasharray="6 4"/>`);
      out.push(`<text x="${line.left ? LEFT + 4 : LEFT + PLOT_W - 4}" y="${(y(line.value) - 4).toFixed(1)}" text-anchor="${line.left ? 'start' : 'end'}" fill="${line.colour}">${esc(line.label)}</text>`);
    }
    // The series, one step per bucket; gaps where a bucket has no value.
    const width = settings.bucketMs / 1000;
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      const x0 = x(i * width).toFixed(1);
      const x1 = x(Math.min(seconds, (i + 1) * width)).toFixed(1);
      const yv = y(v).toFixed(1);
      d += `${pen ? 'L' : 'M'}${x0},${yv}L${x1},${yv}`;
      pen = true;
    });
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"/>`);
    out.push(`<rect x="${LEFT}" y="${area.top}" width="${PLOT_W}" height="${area.height}" fill="none" stroke="#888"/>`);
    out.push(`<text transform="translate(16 ${area.top + area.height / 2}) rotate(-90)" text-anchor="middle">${esc(label)}</text>`);
    const xTicks = niceTicks(seconds, 12).ticks.filter((t) => t <= seconds);
    for (const t of xTicks) {
      out.push(`<line x1="${x(t).toFixed(1)}" y1="${area.top + area.height}" x2="${x(t).toFixed(1)}" y2="${area.top + area.height + 4}" stroke="#888"/>`);
      out.push(`<text x="${x(t).toFixed(1)}" y="${area.top + area.height + 15}" text-anchor="middle">${fmt(t)}</text>`);
    }
    return y;
  };

  const yRps = panel(RPS, 'requests/s', result.series.map((b) => b.rps), '#2171b5');
  // Failed requests: a red mark per bucket with failures, with its count.
  for (let i = 0; i < result.series.length; i++) {
    const b = result.series[i];
    if (!b.errors) continue;
    const cx = x(b.t + settings.bucketMs / 2000);
    out.push(`<path d="M${(cx - 4).toFixed(1)},${(RPS.top + RPS.height - 12).toFixed(1)}l8,8m0,-8l-8,8" stroke="#cb181d" stroke-width="2"/>`);
    out.push(`<text x="${cx.toFixed(1)}" y="${(RPS.top + RPS.height - 16).toFixed(1)}" text-anchor="middle" fill="#cb181d" font-weight="bold">${b.errors}</text>`);
  }
  void yRps;

  // Reload phases per slot: starting (triangle), draining (square), done (circle).
  out.push(`<text x="${LEFT - 6}" y="${PHASES.top}" text-anchor="end">slot</text>`);
  const slotCount = settings.workers;
  const rowY = (slot) => PHASES.top + 6 + (slot + 0.5) * ((PHASES.height - 6) / slotCount);
  for (let s = 0; s < slotCount; s++) {
    out.push(`<text x="${LEFT - 6}" y="${(rowY(s) + 4).toFixed(1)}" text-anchor="end" fill="${SLOT_COLORS[s % SLOT_COLORS.length]}">${s}</text>`);
    out.push(`<line x1="${LEFT}" y1="${rowY(s).toFixed(1)}" x2="${LEFT + PLOT_W}" y2="${rowY(s).toFixed(1)}" stroke="#f0f0f0"/>`);
  }
  for (const r of result.reloads) {
    out.push(`<text x="${x(r.t).toFixed(1)}" y="${PHASES.top}" fill="#d94801" font-size="10">reload ${r.index}${r.ok ? '' : ' FAILED'}</text>`);
    for (const p of r.progress) {
      const cx = x(p.t).toFixed(1);
      const cy = rowY(p.slot);
      const colour = SLOT_COLORS[p.slot % SLOT_COLORS.length];
      if (p.phase === 'starting') out.push(`<path d="M${cx},${(cy - 5).toFixed(1)}l5,9h-10z" fill="${colour}"><title>slot ${p.slot} starting at ${p.t} s</title></path>`);
      else if (p.phase === 'draining') out.push(`<rect x="${(Number(cx) - 3.5).toFixed(1)}" y="${(cy - 3.5).toFixed(1)}" width="7" height="7" fill="none" stroke="${colour}" stroke-width="1.5"><title>slot ${p.slot} draining at ${p.t} s</title></rect>`);
      else if (p.phase === 'done') out.push(`<circle cx="${cx}" cy="${cy.toFixed(1)}" r="3.5" fill="${colour}"><title>slot ${p.slot} done at ${p.t} s</title></circle>`);
      else if (p.phase === 'failed') out.push(`<text x="${cx}" y="${(cy + 4).toFixed(1)}" fill="#cb181d" font-weight="bold">!</text>`);
    }
  }

  const steadyP99 = result.buckets.steadyMedianP99Ms;
  panel(P99, 'p99 latency (ms)', result.series.map((b) => b.p99Ms), '#238b45', {
    lines: steadyP99 === null ? [] : [
      { value: steadyP99, colour: '#555', left: true, label: `steady p99 (median bucket) ${steadyP99} ms` },
      { value: 2 * steadyP99, colour: '#cb181d', label: `goal: 2x steady = ${Math.round(2 * steadyP99 * 1000) / 1000} ms` },
    ],
  });
  out.push(`<text x="${LEFT + PLOT_W / 2}" y="${P99.top + P99.height + 32}" text-anchor="middle">seconds since the end of the warm-up</text>`);
  const ly = H - 14;
  out.push(`<rect x="${LEFT}" y="${ly - 9}" width="14" height="10" fill="#fdd49e"/><text x="${LEFT + 18}" y="${ly}">reload window (SIGHUP, dashed, to 'reload finished')</text>`);
  out.push(`<path d="M${LEFT + 330},${ly - 8}l5,9h-10z" fill="#555"/><text x="${LEFT + 340}" y="${ly}">new worker starting</text>`);
  out.push(`<rect x="${LEFT + 470}" y="${ly - 8}" width="7" height="7" fill="none" stroke="#555" stroke-width="1.5"/><text x="${LEFT + 482}" y="${ly}">old worker draining</text>`);
  out.push(`<circle cx="${LEFT + 605}" cy="${ly - 4}" r="3.5" fill="#555"/><text x="${LEFT + 613}" y="${ly}">slot done</text>`);
  out.push(`<path d="M${LEFT + 690},${ly - 8}l8,8m0,-8l-8,8" stroke="#cb181d" stroke-width="2"/><text x="${LEFT + 704}" y="${ly}">failed requests in the bucket</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

module.exports = { chart };
