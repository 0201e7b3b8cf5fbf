#!/usr/bin/env node
// HTTPS and h2 throughput of one Shoal worker against a bare Node server with
// the same certificate. See --help, and bench/README.md ("HTTPS and HTTP/2").
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('../args');
const { commit } = require('../commit');
const { startServer } = require('../http/servers');
const { PATH } = require('../nest/app');
const { checkAnswer, startShoal } = require('../nest/sides');
const { checkWrk, startWrk } = require('../nest/wrk');
const { cpuSeconds } = require('../cpu');
const { Running, inRounds, median, ratio } = require('../rounds');
const { throwawayCertificate } = require('./certificate');
const { checkH2load, h2load } = require('./h2load');

const HELP = `node bench/tls/run.js [options]          writes bench/results/tls.json

One worker each, over loopback, with one throwaway certificate (openssl, in a
temp dir) that every side serves. Sides:

  raw   bare node:https (https.createServer; for h2 http2.createSecureServer
        with allowHTTP1) answering GET ${PATH} with a small JSON object,
        against Shoal (shoal start, 1 worker) serving the same answer from an
        @OnRequest handler on an HTTP listener with options.tls (and
        options.http2 for h2).
  nest  the Nest app of bench/nest (Nest+Fastify, same answer): alone
        (NestFactory.create with FastifyAdapter's https and http2 options)
        against Shoal (1 worker, options.platform 'fastify', tls, http2).

Cases:

  HTTPS/1.1 keep-alive              wrk -t1 -c<connections>
  HTTPS/1.1 new connection per request
                                    wrk -t1 -c<connections> -H 'Connection: close'
                                    (a TLS handshake per request; Debian's
                                    wrk offers the previous connection's
                                    session, and about half resume)
  h2                                h2load -t1 -c<h2-clients> -m<h2-streams>

Every round starts each side once for the HTTPS/1.1 cases and once more,
with http2, for h2; the order of the sides is reversed every other round. A
ratio Shoal/alone is taken within each round; the median of the rounds'
ratios is reported, with the median req/s of each side. Besides req/s, each
sample gives the CPU time (user + system) the side's processes used per
request (for Shoal the supervisor and its worker), and its ratio Shoal/alone
(above 1: Shoal does more work per request). It moves much less than req/s
when other jobs share the cores.

Options (defaults in brackets):
  --seconds n           measured seconds per sample [5]
  --warmup n            seconds of load before each sample, discarded [1]
  --rounds n            rounds [3]
  --connections n       wrk connections [64]
  --h2-clients n        h2load connections [16]
  --h2-streams n        h2load concurrent streams per connection [10]
  --apps list           raw,nest [both]
  --cases list          keep-alive,close,h2 [all three]
  --key ec|rsa          the certificate's key: EC P-256 or RSA 2048 [ec]
  --help                this text

With the defaults a run takes about 4.5 minutes.`;

const args = parseArgs(process.argv.slice(2), {
  program: 'bench/tls',
  help: HELP,
  spec: {
    seconds: { whole: 5 },
    warmup: { whole: 1 },
    rounds: { whole: 3 },
    connections: { whole: 64 },
    'h2-clients': { whole: 16 },
    'h2-streams': { whole: 10 },
    apps: { list: 'raw,nest', allowed: ['raw', 'nest'] },
    cases: { list: 'keep-alive,close,h2', allowed: ['keep-alive', 'close', 'h2'] },
    key: { one: 'ec', allowed: ['ec', 'rsa'] },
  },
});
const settings = Object.freeze(args);
if (settings.seconds === 0 || settings.rounds === 0) {
  console.error('bench/tls: --seconds and --rounds must be at least 1');
  process.exit(2);
}
const versions = { wrk: checkWrk(), h2load: checkH2load() };

const running = new Running();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench/tls: ${signal}, stopping the servers`);
    running.stopAll().finally(() => process.exit(130));
  });
}

/** The sides of one server configuration (`http2` or not): each app of --apps alone and on Shoal. */
function sides(certificate, http2) {
  const tls = { cert: certificate.cert, key: certificate.key };
  const env = { TLS_CERT: certificate.cert, TLS_KEY: certificate.key, HTTP2: http2 ? '1' : '0' };
  const options = { tls, ...(http2 && { http2: true }) };
  const alone = (label, file, extraEnv) => ({
    label,
    start: async () => {
      const server = await startServer(path.join(__dirname, file), { ...env, ...extraEnv });
      try {
        await checkAnswer(label, server.port, certificate.pem);
      } catch (error) {
        await server.stop();
        throw error;
      }
      return server;
    },
  });
  const all = {
    raw: {
      bare: alone(http2 ? 'bare node:http2' : 'bare node:https', 'bare.js', {}),
      shoal: { label: 'Shoal @OnRequest, 1 worker', start: () => startShoal({ app: 'raw-app.js', platform: null, workers: 1, options }) },
    },
    nest: {
      bareNest: alone('Nest+Fastify alone', '../nest/main.js', { PLATFORM: 'fastify', SEND_READY: '1' }),
      shoalNest: { label: 'Shoal Nest+Fastify, 1 worker', start: () => startShoal({ app: 'shoal-app.js', platform: 'fastify', workers: 1, options }) },
    },
  };
  return Object.assign({}, ...settings.apps.map((app) => all[app]));
}

/** Which side each ratio compares with which: Shoal / alone, by app. */
const PAIRS = { raw: ['shoal', 'bare'], nest: ['shoalNest', 'bareNest'] };

const CASES = {
  'keep-alive': { name: 'HTTPS/1.1 keep-alive', close: false },
  close: { name: 'HTTPS/1.1 new connection per request', close: true },
};

/**
 * A sample: `load(seconds)` for the warm-up, then for --seconds, with the CPU
 * time the side's processes used meanwhile; its CPU per request (µs) is
 * added to the client's result.
 */
async function sample(side, load) {
  if (settings.warmup > 0) await load(settings.warmup);
  const cpuBefore = cpuSeconds(side.pid);
  const result = await load(settings.seconds);
  const cpuUs = ((cpuSeconds(side.pid) - cpuBefore) / result.requests) * 1e6;
  return { ...result, cpuUs, note: `${cpuUs.toFixed(0).padStart(5)} µs CPU/request` };
}

function groups(certificate) {
  const wrkCase = ({ name, close }) => ({
    name,
    client: `wrk -t1 -c${settings.connections}${close ? " -H 'Connection: close'" : ''}`,
    measure: (side) => sample(side, (seconds) => startWrk({ port: side.port, path: PATH, threads: 1, connections: settings.connections, seconds, close, scheme: 'https' }).done),
  });
  const h2Case = {
    name: 'h2',
    client: `h2load -t1 -c${settings.h2Clients} -m${settings.h2Streams}`,
    measure: (side) =>
      sample(side, (seconds) => h2load({ url: `https://127.0.0.1:${side.port}${PATH}`, clients: settings.h2Clients, streams: settings.h2Streams, threads: 1, seconds })),
  };
  const result = [];
  const http1 = ['keep-alive', 'close'].filter((c) => settings.cases.includes(c));
  if (http1.length > 0) result.push({ sides: sides(certificate, false), cases: http1.map((c) => wrkCase(CASES[c])) });
  if (settings.cases.includes('h2')) result.push({ sides: sides(certificate, true), cases: [h2Case] });
  return result;
}

const k = (rps) => (rps >= 10_000 ? `${(rps / 1000).toFixed(1)}k` : String(rps));

(async () => {
  const startedAt = Date.now();
  const report = {
    date: new Date().toISOString(),
    commit: commit(),
    host: { cpus: os.cpus().length, node: process.version, ...versions, openssl: process.versions.openssl, loadavgBefore: os.loadavg()[0] },
    settings,
  };
  console.log(
    `bench/tls: Node ${process.version} (OpenSSL ${process.versions.openssl}), wrk ${versions.wrk}, h2load ${versions.h2load}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  const certificate = throwawayCertificate(settings.key);
  try {
    const measured = groups(certificate);
    console.log(`${settings.rounds} rounds, ${settings.warmup} s warm-up + ${settings.seconds} s per sample, a ${settings.key === 'ec' ? 'EC P-256' : 'RSA 2048'} certificate`);
    const { samples, results, failed } = await inRounds({ rounds: settings.rounds, groups: measured, running });
    const cpu = (c, side) => results[c][side].map((r) => r.cpuUs);
    const rows = [];
    for (const group of measured) {
      for (const c of group.cases) {
        for (const app of settings.apps) {
          const [shoal, alone] = PAIRS[app];
          const r = ratio(samples[c.name][shoal], samples[c.name][alone]);
          const perRequest = ratio(cpu(c.name, shoal), cpu(c.name, alone));
          rows.push({
            case: c.name,
            client: c.client,
            comparison: `${group.sides[shoal].label} / ${group.sides[alone].label}`,
            shoalRps: r.aRps,
            aloneRps: r.bRps,
            ratio: r.ratio,
            roundRatios: r.roundRatios,
            cpuUs: { shoal: median(cpu(c.name, shoal)), alone: median(cpu(c.name, alone)) },
            cpuRatio: perRequest.ratio,
            cpuRoundRatios: perRequest.roundRatios,
            failed: { shoal: failed[c.name][shoal], alone: failed[c.name][alone] },
          });
        }
      }
    }
    console.log('\n| case | Shoal / alone | req/s Shoal / alone | req/s ratio | round ratios | CPU µs/request Shoal / alone | CPU ratio | round ratios | failed |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const list = (ratios) => ratios.map((r) => r.toFixed(2)).join(', ');
    for (const row of rows) {
      console.log(
        `| ${row.case} | ${row.comparison} | ${row.shoalRps} / ${row.aloneRps} | **${row.ratio.toFixed(2)}** | ${list(row.roundRatios)} ` +
          `| ${row.cpuUs.shoal.toFixed(0)} / ${row.cpuUs.alone.toFixed(0)} | ${row.cpuRatio.toFixed(2)} | ${list(row.cpuRoundRatios)} | ${row.failed.shoal}, ${row.failed.alone} |`,
      );
    }
    console.log('');
    for (const group of measured) {
      for (const c of group.cases) {
        const parts = rows
          .filter((row) => row.case === c.name)
          .map((row) => `${row.comparison} ${row.ratio.toFixed(2)} (${k(row.shoalRps)} / ${k(row.aloneRps)} req/s; CPU per request ${row.cpuRatio.toFixed(2)}x)`);
        console.log(`${c.name} (${c.client}): ${parts.join('; ')}`);
      }
    }
    Object.assign(report, { rows, samples, cpuUs: Object.fromEntries(Object.keys(results).map((c) => [c, Object.fromEntries(Object.keys(results[c]).map((side) => [side, cpu(c, side)]))])), failed });
  } finally {
    await running.stopAll();
    certificate.remove();
  }
  report.host.loadavgAfter = os.loadavg()[0];
  report.durationS = Math.round((Date.now() - startedAt) / 1000);
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'tls.json');
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)} in ${report.durationS} s (req/s are medians; a ratio is the median of the per-round ratios)`);
})().catch(async (error) => {
  console.error(error);
  await running.stopAll();
  process.exit(1);
});
