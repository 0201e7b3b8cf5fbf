// Turns one run's raw samples and supervisor events into the figures of the
// report: per-bucket requests/s and p99, steady state vs during reloads, the
// time each slot took, and every failed request placed next to the reload
// phase it happened in.
//
// A reload's window runs from the SIGHUP to the supervisor's 'reload
// finished'. For latency, a request counts as "during reload" when its
// lifetime overlaps a window, and as steady when it lies wholly outside every
// window (and inside the measured interval, after the warm-up). For
// throughput, requests are counted where they complete.

const ERROR_ATTRIBUTION_MS = 1000; // an error up to this long after a reload finished is still blamed on it

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function stats(latencies, seconds) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    seconds: round(seconds, 3),
    rps: seconds > 0 ? Math.round(sorted.length / seconds) : null,
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    maxMs: round(sorted.length ? sorted[sorted.length - 1] : null, 3),
  };
}

function round(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const ratio = (a, b) => (a === null || b === null || b === 0 ? null : round(a / b, 3));
const median = (values) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function analyze(raw, settings) {
  const { samples, reloads, measureStart, measureEnd } = raw;
  const t0 = measureStart;
  const windows = reloads.map((r) => ({ from: r.sighup, to: r.finished }));
  const overlaps = (from, to) => windows.findIndex((w) => from <= w.to && to >= w.from);
  const inWindow = (t) => windows.findIndex((w) => t >= w.from && t <= w.to);
  const windowSeconds = windows.reduce((sum, w) => sum + (Math.min(w.to, measureEnd) - Math.max(w.from, measureStart)) / 1000, 0);
  const totalSeconds = (measureEnd - measureStart) / 1000;

  const bucketCount = Math.ceil((measureEnd - measureStart) / settings.bucketMs);
  const buckets = Array.from({ length: bucketCount }, (_, i) => ({
    t: round((i * settings.bucketMs) / 1000, 3),
    latencies: [],
    errors: 0,
    reload: windows.some((w) => measureStart + i * settings.bucketMs <= w.to && measureStart + (i + 1) * settings.bucketMs >= w.from),
  }));

  const steadyLatency = [];
  const reloadLatency = [];
  const perReloadLatency = reloads.map(() => []);
  let steadyCompleted = 0;
  let reloadCompleted = 0;
  const perReloadCompleted = reloads.map(() => 0);
  for (let i = 0; i < samples.start.length; i++) {
    const start = samples.start[i];
    const latency = samples.latency[i];
    const end = start + latency;
    if (end < measureStart || end > measureEnd) continue;
    const bucket = buckets[Math.min(bucketCount - 1, Math.floor((end - measureStart) / settings.bucketMs))];
    bucket.latencies.push(latency);
    const completedIn = inWindow(end);
    if (completedIn >= 0) {
      reloadCompleted++;
      perReloadCompleted[completedIn]++;
    } else {
      steadyCompleted++;
    }
    if (start < measureStart) continue;
    const overlapping = overlaps(start, end);
    if (overlapping >= 0) {
      reloadLatency.push(latency);
      perReloadLatency[overlapping].push(latency);
    } else {
      steadyLatency.push(latency);
    }
  }

  const steady = stats(steadyLatency, totalSeconds - windowSeconds);
  steady.rps = Math.round(steadyCompleted / (totalSeconds - windowSeconds));
  const during = stats(reloadLatency, windowSeconds);
  during.rps = Math.round(reloadCompleted / windowSeconds);

  // Failed requests, with the reload phase they fell in.
  const phases = reloads.flatMap((r) => r.progress.map((p) => ({ ...p, reload: r.index })));
  const errors = samples.failed
    .map((f) => {
      const at = f.start + f.latency;
      const reload = reloads.findIndex((r) => at >= r.sighup && at <= r.finished + ERROR_ATTRIBUTION_MS);
      const before = phases.filter((p) => p.t <= at).at(-1);
      return {
        t: round((at - t0) / 1000, 3),
        code: f.code,
        latencyMs: round(f.latency, 3),
        reload: reload >= 0 ? reload + 1 : null,
        lastPhase: before && reload >= 0 ? { slot: before.slot, phase: before.phase, msAfter: Math.round(at - before.t) } : null,
        measured: at >= measureStart && at <= measureEnd,
      };
    });
  for (const error of errors) {
    if (!error.measured) continue;
    const index = Math.floor((error.t * 1000) / settings.bucketMs);
    if (buckets[index]) buckets[index].errors++;
  }
  const errorsByCode = {};
  for (const error of errors) errorsByCode[error.code] = (errorsByCode[error.code] ?? 0) + 1;

  const bucketRows = buckets.map((b) => {
    const sorted = Float64Array.from(b.latencies).sort();
    const span = Math.min(settings.bucketMs, measureEnd - measureStart - b.t * 1000); // the last bucket may be short
    return { t: b.t, rps: Math.round(b.latencies.length / (span / 1000)), p99Ms: round(percentile(sorted, 99), 3), errors: b.errors, reload: b.reload };
  });
  const steadyBucketP99 = median(bucketRows.filter((b) => !b.reload && b.p99Ms !== null).map((b) => b.p99Ms));
  const worstReloadBucket = bucketRows.filter((b) => b.reload && b.p99Ms !== null).reduce((worst, b) => (!worst || b.p99Ms > worst.p99Ms ? b : worst), null);
  const minReloadBucketRps = bucketRows.filter((b) => b.reload).reduce((min, b) => Math.min(min, b.rps), Infinity);
  const steadyBucketRps = median(bucketRows.filter((b) => !b.reload).map((b) => b.rps));

  const slots = reloads.flatMap((r) =>
    (r.slots ?? []).map((s) => ({
      reload: r.index,
      slot: s.slot,
      phase: s.phase,
      oldPid: s.oldPid,
      newPid: s.newPid,
      readyMs: s.readyMs,
      drainMs: s.drainMs,
      totalMs: s.readyMs !== null && s.drainMs !== null ? s.readyMs + s.drainMs : null,
      drained: s.drained,
    })),
  );
  for (const slot of slots) {
    slot.failedWhileDraining = errors.filter((e) => e.reload === slot.reload && e.lastPhase?.slot === slot.slot && e.lastPhase.phase === 'draining').length;
  }
  const readyTimes = slots.map((s) => s.readyMs).filter((v) => v !== null);
  const idleReady = (raw.idleReloads ?? []).flatMap((r) => (r.slots ?? []).map((s) => s.readyMs)).filter((v) => v !== null);

  return {
    mode: raw.mode,
    port: raw.port,
    loadavg1m: raw.loadavg,
    measuredSeconds: round(totalSeconds, 3),
    steady,
    duringReload: during,
    ratios: {
      p99DuringOverSteady: ratio(during.p99Ms, steady.p99Ms),
      rpsDuringOverSteady: ratio(during.rps, steady.rps),
      worstBucketP99OverSteadyBucketP99: ratio(worstReloadBucket?.p99Ms ?? null, steadyBucketP99),
      lowestBucketRpsOverSteadyBucketRps: ratio(Number.isFinite(minReloadBucketRps) ? minReloadBucketRps : null, steadyBucketRps),
    },
    buckets: { steadyMedianP99Ms: steadyBucketP99, steadyMedianRps: steadyBucketRps, worstReload: worstReloadBucket, lowestReloadRps: Number.isFinite(minReloadBucketRps) ? minReloadBucketRps : null },
    reloads: reloads.map((r, i) => ({
      index: r.index,
      ok: r.ok,
      error: r.error,
      t: round((r.sighup - t0) / 1000, 3),
      sighupToFinishedMs: Math.round(r.finished - r.sighup),
      durationMs: r.durationMs,
      ...stats(perReloadLatency[i], (r.finished - r.sighup) / 1000),
      rps: Math.round(perReloadCompleted[i] / ((r.finished - r.sighup) / 1000)),
      errors: errors.filter((e) => e.reload === r.index).length,
      progress: r.progress.map((p) => ({ t: round((p.t - t0) / 1000, 3), slot: p.slot, phase: p.phase, pid: p.pid })),
    })),
    slots,
    slotSummary: {
      count: slots.length,
      medianReadyMs: median(readyTimes),
      maxReadyMs: readyTimes.length ? Math.max(...readyTimes) : null,
      maxDrainMs: Math.max(...slots.map((s) => s.drainMs ?? 0)),
      maxTotalMs: Math.max(...slots.map((s) => s.totalMs ?? 0)),
      slotsReadyOver1s: readyTimes.filter((v) => v >= 1000).length,
      idleReadyMs: idleReady,
    },
    idleReloads: (raw.idleReloads ?? []).map((r) => ({ durationMs: r.durationMs, slots: r.slots })),
    errors: { total: errors.length, duringReloads: errors.filter((e) => e.reload !== null).length, byCode: errorsByCode, list: errors },
    series: bucketRows,
  };
}

module.exports = { analyze, percentile };
