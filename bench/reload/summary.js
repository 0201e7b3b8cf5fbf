// The markdown summary of a run (also printed to stdout).

const modeName = (mode) => (mode === 'keepalive' ? 'keep-alive' : 'new connection per request');
const goal = (ok) => (ok ? 'meets goal' : 'MISSES goal');

function markdown(report) {
  const { settings } = report;
  const lines = [];
  lines.push('# Reload under load');
  lines.push('');
  lines.push(`${report.date}, commit ${report.build?.commit ?? '?'}${report.build?.dirtyPackages ? ` with ${report.build.dirtyPackages} uncommitted changes under packages/` : ''}, ${report.host.cpus} CPUs, Node ${report.host.node}. ${settings.workers} workers, ${settings.concurrency} concurrent requests (GET /, loopback, load generator in its own process), ${settings.reloads} rolling reloads (SIGHUP) ${settings.gapMs} ms apart after ${settings.steadyMs} ms of steady load, ${settings.warmupMs} ms warm-up discarded, ${settings.bucketMs} ms buckets.`);
  lines.push('');
  lines.push('"During reload" = from the SIGHUP to the supervisor\'s \'reload finished\'; a request counts there when its lifetime overlaps that window. Steady = every other measured request of the same run.');
  lines.push('');
  lines.push('| mode | steady rps | reload rps | rps ratio | steady p99 ms | reload p99 ms | p99 ratio (goal <= 2) | worst 250 ms bucket p99 / steady bucket p99 | max latency ms | failed requests (during reloads) |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of report.results) {
    lines.push(`| ${modeName(r.mode)} | ${r.steady.rps} | ${r.duringReload.rps} | ${r.ratios.rpsDuringOverSteady} | ${r.steady.p99Ms} | ${r.duringReload.p99Ms} | ${r.ratios.p99DuringOverSteady} (${goal(r.ratios.p99DuringOverSteady <= 2)}) | ${r.buckets.worstReload?.p99Ms ?? '-'} / ${r.buckets.steadyMedianP99Ms} = ${r.ratios.worstBucketP99OverSteadyBucketP99} | ${r.duringReload.maxMs} (steady ${r.steady.maxMs}) | ${r.errors.total} (${r.errors.duringReloads}) |`);
  }
  for (const r of report.results) {
    lines.push('');
    lines.push(`## ${modeName(r.mode)}`);
    lines.push('');
    lines.push(`Host load average (1 min, the machine is shared) before / after this mode: ${r.loadavg1m ? `${r.loadavg1m.before.toFixed(2)} / ${r.loadavg1m.after.toFixed(2)}` : '-'}.`);
    lines.push('');
    lines.push(`Chart: \`bench/results/${r.chart}\`. Slot replace time (readyMs = replacement started to ready; drainMs = old worker told to drain to exited): median ready ${r.slotSummary.medianReadyMs} ms, max ready ${r.slotSummary.maxReadyMs} ms (${goal(r.slotSummary.maxReadyMs < 1000)} of < 1 s), max drain ${r.slotSummary.maxDrainMs} ms, max ready+drain ${r.slotSummary.maxTotalMs} ms. Without load (reload before the load started): ready ${r.slotSummary.idleReadyMs.join(', ') || '-'} ms.`);
    lines.push('');
    lines.push('| reload | at s | SIGHUP to finished ms | supervisor durationMs | rps | p99 ms | max ms | failed | slot: readyMs + drainMs (drained completed/forced; failed requests while it drained) |');
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const reload of r.reloads) {
      const slots = r.slots.filter((s) => s.reload === reload.index).map((s) => `${s.slot}: ${s.readyMs} + ${s.drainMs}${s.drained ? ` (${s.drained.completed}/${s.drained.forced}; ${s.failedWhileDraining} failed)` : ''}${s.phase === 'done' ? '' : ` ${s.phase}`}`).join('; ');
      lines.push(`| ${reload.index}${reload.ok ? '' : ' FAILED'} | ${reload.t} | ${reload.sighupToFinishedMs} | ${reload.durationMs} | ${reload.rps} | ${reload.p99Ms} | ${reload.maxMs} | ${reload.errors} | ${slots} |`);
    }
    if (r.errors.total > 0) {
      lines.push('');
      lines.push(`Failed requests (not retried): ${Object.entries(r.errors.byCode).map(([code, n]) => `${code} x${n}`).join(', ')}; ${r.errors.duringReloads} of ${r.errors.total} within a reload window (or up to 1 s after it).`);
      lines.push('');
      lines.push('Grouped by the last reload phase before the failure (full list in reload.json):');
      lines.push('');
      lines.push('| reload | last phase before it | failed | codes | ms after that phase (first - last) | request latency ms (max) |');
      lines.push('| ---: | --- | ---: | --- | --- | ---: |');
      const groups = new Map();
      for (const e of r.errors.list) {
        const key = e.lastPhase ? `${e.reload}|slot ${e.lastPhase.slot} ${e.lastPhase.phase}` : `${e.reload ?? '-'}|outside reloads`;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(e);
      }
      for (const [key, list] of groups) {
        const [reload, phase] = key.split('|');
        const codes = {};
        for (const e of list) codes[e.code] = (codes[e.code] ?? 0) + 1;
        const after = list.filter((e) => e.lastPhase).map((e) => e.lastPhase.msAfter);
        lines.push(`| ${reload} | ${phase} | ${list.length} | ${Object.entries(codes).map(([c, n]) => `${c} x${n}`).join(', ')} | ${after.length ? `${Math.min(...after)} - ${Math.max(...after)}` : '-'} | ${Math.max(...list.map((e) => e.latencyMs))} |`);
      }
    }
  }
  lines.push('');
  return lines.join('\n');
}

module.exports = { markdown };
