// Sides measured in alternating rounds, and the ratios between them: what the
// throughput benchmarks share (bench/nest, bench/tls). Load drifts on a shared
// machine, so every side runs in every round, the order of the sides is
// reversed every other round, a ratio is taken within each round, and the
// median of the rounds' ratios is reported.

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fixed = (value, digits = 3) => Number(value.toFixed(digits));

/** The sides running now, so that a failed or interrupted run stops them all. */
class Running {
  constructor() {
    this.items = new Set();
  }

  /** Starts a side, hands it to `use`, and stops it whatever `use` did. */
  async with(start, use) {
    const side = await start();
    this.items.add(side);
    try {
      return await use(side);
    } finally {
      this.items.delete(side);
      await side.stop();
    }
  }

  add(item) {
    this.items.add(item);
  }

  delete(item) {
    this.items.delete(item);
  }

  /** Stops every side still running (errors ignored: this is the way out). */
  async stopAll() {
    for (const item of [...this.items]) await item.stop().catch(() => {});
    this.items.clear();
  }
}

/**
 * Req/s of every side in every case and round. `groups`: sides that serve the
 * same cases (one server configuration), as
 * `{ sides: { key: { label, start() } }, cases: [{ name, measure(side) }] }`;
 * `start()` resolves with a running side (with `stop()`), `measure(side)` with
 * `{ rps, failed }` and whatever else it measured (`note`: a few words for the
 * log line). In each round, each group's sides are started one after
 * the other, each serves all the group's cases and is stopped. Case names are
 * unique over all groups; a side's key may come back in another group.
 * Returns `samples[case][side][round]` (req/s), `results[case][side][round]`
 * (what measure() resolved with) and `failed[case][side]` (all rounds).
 */
async function inRounds({ rounds, groups, running, log = (line) => console.log(line) }) {
  const samples = {};
  const results = {};
  const failed = {};
  const labels = groups.flatMap((group) => Object.values(group.sides).map((side) => side.label));
  const cases = groups.flatMap((group) => group.cases.map((c) => c.name));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const caseWidth = Math.max(...cases.map((c) => c.length));
  for (const group of groups) {
    for (const c of group.cases) {
      samples[c.name] = Object.fromEntries(Object.keys(group.sides).map((key) => [key, []]));
      results[c.name] = Object.fromEntries(Object.keys(group.sides).map((key) => [key, []]));
      failed[c.name] = Object.fromEntries(Object.keys(group.sides).map((key) => [key, 0]));
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const group of groups) {
      const keys = Object.keys(group.sides);
      for (const key of round % 2 === 0 ? keys : [...keys].reverse()) {
        const { label, start } = group.sides[key];
        await running.with(start, async (side) => {
          for (const c of group.cases) {
            const result = await c.measure(side);
            samples[c.name][key][round] = result.rps;
            results[c.name][key][round] = result;
            failed[c.name][key] += result.failed;
            log(`  round ${round + 1}  ${label.padEnd(labelWidth)}  ${c.name.padEnd(caseWidth)}  ${String(Math.round(result.rps)).padStart(7)} req/s${result.note ? `  ${result.note}` : ''}${result.failed ? `  (${result.failed} failed)` : ''}`);
          }
        });
      }
    }
  }
  return { samples, results, failed };
}

/** Side a against side b over the rounds: median req/s of each, the ratio a/b of every round and their median. */
function ratio(a, b) {
  const ratios = a.map((rps, i) => rps / b[i]);
  return { aRps: Math.round(median(a)), bRps: Math.round(median(b)), ratio: fixed(median(ratios)), roundRatios: ratios.map((r) => fixed(r)) };
}

module.exports = { Running, inRounds, ratio, median, fixed };
