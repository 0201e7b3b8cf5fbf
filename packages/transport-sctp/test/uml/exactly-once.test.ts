// Exactly-once, in-order, intact delivery over Shoal's SCTP cluster listener,
// both socket styles, inside UML (the Proof of issue 14): a property-based
// stress run (exactly-once/stress.js, shared with bench/sctp-soak) of random
// message sizes from 1 B to 4x the addon's 64 KiB receive slot on 16
// streams, ordered and unordered, slow handlers and paused clients, under 10
// rolling reloads and 3 SIGKILLs of workers at random moments. The seed is
// printed; SHOAL_STRESS_SEED=<seed> repeats a run's messages and chaos plan.
import { formatReport, runStress, seedFromEnv, type StressReport } from './exactly-once/stress';

const seed = seedFromEnv();
// Strong enough to catch a tail delivered on its own: thousands of messages, many above the receive slot. The run
// paces its chaos so that each style reaches this across the reloads and kills, however fast the host is.
const minimumPerStyle = { sent: 1500, aboveSlot: 300, unordered: 200 };
let report: StressReport | undefined;

afterAll(() => {
  // The report even when an assertion failed: what broke, where, and the seed to repeat it.
  if (report !== undefined) console.log(formatReport(report).join('\n'));
  else console.log(`exactly-once stress: seed ${seed} (no report: the run did not end)`);
});

describe('SCTP exactly-once delivery in a Shoal cluster', () => {
  test('every message on a surviving association is answered exactly once, intact, on its stream, in order (both styles, 10 reloads, 3 SIGKILLs)', async () => {
    report = await runStress({ seed, reloads: 10, kills: 3, minimumPerStyle, guardMs: 1_500_000, log: (line) => process.stdout.write(`${line}\n`) });
    const lines = formatReport(report, 200);
    // Seed and failures in the assertion itself, so the CI log names them.
    expect({ seed, failures: report.failures.length, report: report.failures.length > 0 ? lines : [] }).toEqual({ seed, failures: 0, report: [] });
    expect(report.reloads.filter((r) => r.ok).length).toBeGreaterThanOrEqual(10);
    expect(report.kills.length).toBe(3);
    for (const [style, counts] of Object.entries(report.perStyle)) {
      const enough = counts.sent >= minimumPerStyle.sent && counts.aboveSlot >= minimumPerStyle.aboveSlot && counts.unordered >= minimumPerStyle.unordered;
      expect({ style, enough }).toEqual({ style, enough: true });
      expect({ style, unanswered: counts.sent - counts.answered - counts.excusedLost }).toEqual({ style, unanswered: 0 });
    }
  }, 1_680_000);
});
