// Reads the kernel's SCTP statistics from /proc/net/sctp/{snmp,assocs,eps}
// into plain objects, and into plain metric snapshots (name, help, type,
// values with labels: the shape of prom-client's metric.get(), without
// depending on it) that a collector can expose.
import * as fs from 'node:fs';
import { ERR_SCTP_UNSUPPORTED } from './errors';

export interface SctpKernelAssoc {
  assocId: number;
  style: number;
  socketState: number;
  state: number;
  txQueue: number;
  rxQueue: number;
  uid: number;
  inode: number;
  localPort: number;
  remotePort: number;
  localAddresses: string[];
  remoteAddresses: string[];
  /** Primary path (marked with * by the kernel), if shown. */
  primary: string | null;
  hbInterval: number;
  inStreams: number;
  outStreams: number;
  maxRetrans: number;
  t1Expired: number;
  t2Expired: number;
  retransmitted: number;
  sndbuf: number;
  rcvbuf: number;
}

export interface SctpKernelEndpoint {
  style: number;
  socketState: number;
  localPort: number;
  uid: number;
  inode: number;
  localAddresses: string[];
}

export interface SctpKernelStats {
  snmp: Record<string, number>;
  assocs: SctpKernelAssoc[];
  endpoints: SctpKernelEndpoint[];
}

const ROOT = '/proc/net/sctp';

function read(name: string, root: string): string {
  try {
    return fs.readFileSync(`${root}/${name}`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ERR_SCTP_UNSUPPORTED(`${root}/${name} does not exist: the sctp module is not loaded`, { cause: err });
    }
    throw err;
  }
}

/** /proc/net/sctp/snmp: { SctpCurrEstab: 1, SctpActiveEstabs: 3, ... } */
export function readSctpSnmp(root = ROOT): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of read('snmp', root).split('\n')) {
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Parses one assocs line; exported for tests. */
export function parseAssocLine(line: string): SctpKernelAssoc | null {
  const t = line.trim().split(/\s+/);
  const sep = t.indexOf('<->');
  if (sep < 0 || sep < 13) return null;
  const n = (i: number): number => Number(t[i]);
  const tail = t.slice(sep + 1);
  const fixed = 11;
  const raddrs = tail.slice(0, Math.max(0, tail.length - fixed));
  const rest = tail.slice(tail.length - fixed);
  const clean = (a: string): string => a.replace(/^\*/, '');
  const primary = raddrs.find((a) => a.startsWith('*'));
  return {
    style: n(2), socketState: n(3), state: n(4), assocId: n(6), txQueue: n(7), rxQueue: n(8), uid: n(9), inode: n(10),
    localPort: n(11), remotePort: n(12),
    localAddresses: t.slice(13, sep).map(clean),
    remoteAddresses: raddrs.map(clean),
    primary: primary === undefined ? null : clean(primary),
    hbInterval: Number(rest[0]), inStreams: Number(rest[1]), outStreams: Number(rest[2]), maxRetrans: Number(rest[3]),
    t1Expired: Number(rest[4]), t2Expired: Number(rest[5]), retransmitted: Number(rest[6]),
    sndbuf: Number(rest[9]), rcvbuf: Number(rest[10]),
  };
}

export function readSctpAssocs(root = ROOT): SctpKernelAssoc[] {
  const lines = read('assocs', root).split('\n').slice(1);
  return lines.map(parseAssocLine).filter((a): a is SctpKernelAssoc => a !== null);
}

export function readSctpEndpoints(root = ROOT): SctpKernelEndpoint[] {
  const out: SctpKernelEndpoint[] = [];
  for (const line of read('eps', root).split('\n').slice(1)) {
    const t = line.trim().split(/\s+/);
    if (t.length < 9) continue;
    out.push({
      style: Number(t[2]), socketState: Number(t[3]), localPort: Number(t[5]), uid: Number(t[6]), inode: Number(t[7]),
      localAddresses: t.slice(8),
    });
  }
  return out;
}

export function readSctpKernelStats(root = ROOT): SctpKernelStats {
  return { snmp: readSctpSnmp(root), assocs: readSctpAssocs(root), endpoints: readSctpEndpoints(root) };
}

/** A metric as plain data, in the shape of prom-client's `await metric.get()`. */
export interface PromMetricSnapshot {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  values: { value: number; labels: Record<string, string | number> }[];
}

const GAUGES = new Set(['SctpCurrEstab']);

/**
 * The kernel's SCTP statistics as plain metric snapshots: every SNMP
 * field as shoal_sctp_kernel_<field> (counters, SctpCurrEstab a gauge), plus
 * the number of associations and endpoints and their queued bytes.
 */
export function sctpKernelMetrics(root = ROOT): PromMetricSnapshot[] {
  const s = readSctpKernelStats(root);
  const out: PromMetricSnapshot[] = Object.entries(s.snmp).map(([k, v]) => ({
    name: `shoal_sctp_kernel_${k.replace(/^Sctp/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}${GAUGES.has(k) ? '' : '_total'}`,
    help: `Kernel SCTP MIB ${k} (/proc/net/sctp/snmp)`,
    type: GAUGES.has(k) ? 'gauge' : 'counter',
    values: [{ value: v, labels: {} }],
  }));
  out.push(
    { name: 'shoal_sctp_kernel_associations', help: 'Associations listed in /proc/net/sctp/assocs', type: 'gauge', values: [{ value: s.assocs.length, labels: {} }] },
    { name: 'shoal_sctp_kernel_endpoints', help: 'Endpoints listed in /proc/net/sctp/eps', type: 'gauge', values: [{ value: s.endpoints.length, labels: {} }] },
    { name: 'shoal_sctp_kernel_tx_queue_bytes', help: 'Bytes queued for sending over all associations', type: 'gauge', values: [{ value: s.assocs.reduce((a, x) => a + x.txQueue, 0), labels: {} }] },
    { name: 'shoal_sctp_kernel_rx_queue_bytes', help: 'Bytes queued for reading over all associations', type: 'gauge', values: [{ value: s.assocs.reduce((a, x) => a + x.rxQueue, 0), labels: {} }] },
  );
  return out;
}
