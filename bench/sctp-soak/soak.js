'use strict';
// Runs inside User-Mode Linux (bench/sctp-soak/run.sh): rounds of the
// exactly-once stress run of @shoal/transport-sctp, each with a fresh cluster
// and its own seed, the chaos (rolling reloads and SIGKILLs in the ratio
// --kills per 10 reloads) going on for --duration seconds. Prints each
// round's report; exits 1 if any round found a failure.
const { join } = require('node:path');
const { parseArgs } = require('../args');
const stress = require(join(__dirname, '..', '..', 'packages', 'transport-sctp', 'test', 'uml', 'exactly-once', 'stress.js'));

const help = `bench/sctp-soak: exactly-once delivery over Shoal's SCTP listener (both styles) under reloads and SIGKILLs, in UML.
  --rounds N     rounds, each a fresh cluster with its own seed (default 3)
  --duration S   seconds of reloads and kills per round (default 600)
  --seed N       seed of the first round (the next rounds add 1); 0 = random, or SHOAL_STRESS_SEED (default 0)
  --kills N      SIGKILLs per 10 reloads (default 3)`;
const args = parseArgs(process.argv.slice(2), {
  program: 'sctp-soak',
  help,
  spec: { rounds: { whole: 3 }, duration: { whole: 600 }, seed: { whole: 0 }, kills: { whole: 3 }, 'check-only': { whole: 0 } },
});
if (args.checkOnly) process.exit(0);

(async () => {
  const first = args.seed !== 0 ? args.seed : stress.seedFromEnv();
  const failed = [];
  for (let round = 1; round <= args.rounds; round++) {
    const seed = (first + round - 1) >>> 0;
    console.log(`\n=== round ${round}/${args.rounds}: seed ${seed}, ${args.duration} s of chaos`);
    const report = await stress.runStress({
      seed,
      reloads: 10,
      kills: args.kills,
      durationMs: args.duration * 1000,
      guardMs: (args.duration + 900) * 1000,
      log: (line) => console.log(line),
    });
    console.log(stress.formatReport(report, 200).join('\n'));
    if (report.failures.length > 0) failed.push(seed);
  }
  console.log(failed.length === 0 ? `\nsctp-soak: ${args.rounds} rounds, no failure` : `\nsctp-soak: failures in the rounds of seeds ${failed.join(', ')} (repeat one: --rounds 1 --seed <seed>)`);
  process.exit(failed.length === 0 ? 0 : 1);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
