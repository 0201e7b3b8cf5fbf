// Where the node listens and who it is, from the environment (the same
// function gives shoal.config.ts its listener and the workers their node
// options, so both always agree):
//   SHOAL_DIAMETER_ADDRESSES    local addresses, comma-separated (default 127.0.0.1): the first is the
//                               listener's host, the others its extra addresses (multi-homing); all of
//                               them are the CEA's Host-IP-Address AVPs
//   SHOAL_DIAMETER_PORT         SCTP port (default 3868)
//   SHOAL_DIAMETER_STREAMS      SCTP streams each way (default 16)
//   SHOAL_DIAMETER_ORIGIN_HOST  Origin-Host (default shoal.example.org)
//   SHOAL_DIAMETER_ORIGIN_REALM Origin-Realm (default example.org)
//   SHOAL_DIAMETER_WATCHDOG_MS  Tw of RFC 3539 (default 30000, at least 6000)
//   SHOAL_DIAMETER_VENDOR_ID    Vendor-Id (default 0)
import { type DiameterNodeOptions, validateDiameterNodeOptions } from '../node';

/** The name of the SCTP listener the handlers bind to. */
export const DIAMETER_LISTENER = 'diameter';

/** Diameter messages are small: a bigger one aborts its association (counted in shoal_protocol_errors_total). */
export const MAX_DIAMETER_MESSAGE_BYTES = 64 * 1024;

export interface DiameterSettings {
  readonly node: DiameterNodeOptions;
  readonly listener: { transport: 'sctp'; host: string; port: number; options: Record<string, unknown> };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // A malformed number stays a string, so that the validation names the field and shows the value.
  return /^\d+$/.test(raw) ? Number(raw) : (raw as unknown as number);
}

export function diameterSettings(env: NodeJS.ProcessEnv = process.env): DiameterSettings {
  const addresses = (env.SHOAL_DIAMETER_ADDRESSES ?? '127.0.0.1').split(',').map((a) => a.trim()).filter((a) => a !== '');
  const node = validateDiameterNodeOptions(
    {
      originHost: env.SHOAL_DIAMETER_ORIGIN_HOST ?? 'shoal.example.org',
      originRealm: env.SHOAL_DIAMETER_ORIGIN_REALM ?? 'example.org',
      hostIpAddresses: addresses,
      vendorId: integer(env, 'SHOAL_DIAMETER_VENDOR_ID', 0),
      watchdogMs: integer(env, 'SHOAL_DIAMETER_WATCHDOG_MS', 30_000),
    },
    'SHOAL_DIAMETER_*',
  );
  const [host, ...more] = node.hostIpAddresses;
  return {
    node,
    listener: {
      transport: 'sctp',
      host,
      port: integer(env, 'SHOAL_DIAMETER_PORT', 3868),
      options: {
        style: 'one-to-one',
        addresses: more,
        streams: integer(env, 'SHOAL_DIAMETER_STREAMS', 16),
        maxMessageBytes: MAX_DIAMETER_MESSAGE_BYTES,
        // The association moves to the new worker on reload, with its Diameter state (ctx.state).
        handOffOnReload: true,
        socket: { noDelay: true },
      },
    },
  };
}
