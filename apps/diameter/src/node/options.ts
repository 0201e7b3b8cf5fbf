// The options of a Diameter node: who it is (Origin-Host, Origin-Realm,
// Host-IP-Address for each local address of its multi-homed endpoint, vendor
// and product) and its timers. The Options type, its defaults in one
// constant, one validation that names every bad field and freezes the result.
import { isIP } from 'node:net';
import { lazySchema, validateOptions } from '@shoal/common';
import { DisconnectCause } from '../codec';
import { ERR_DIAMETER_OPTIONS_INVALID } from '../errors';

export interface DiameterNodeOptions {
  /** Origin-Host: this node's DiameterIdentity (an FQDN). */
  readonly originHost: string;
  /** Origin-Realm; requests for another Destination-Realm are answered DIAMETER_REALM_NOT_SERVED. */
  readonly originRealm: string;
  /** Host-IP-Address of the CEA: every local address of the SCTP endpoint (multi-homing). */
  readonly hostIpAddresses: readonly string[];
  /** Vendor-Id of the CEA (an IANA enterprise number; 0 for none). */
  readonly vendorId: number;
  readonly productName: string;
  readonly firmwareRevision: number;
  /**
   * Tw of RFC 3539: a DWR goes out after this long without any message from
   * the peer (jittered by up to 2 s either way); no answer within another Tw
   * makes the peer suspect, and a third silent Tw closes the association.
   */
  readonly watchdogMs: number;
  /** How long a DPR waits for its DPA, and a DPA for the peer to close, before this side closes. */
  readonly disconnectTimeoutMs: number;
  /** Disconnect-Cause of the DPR sent when the node stops (0 REBOOTING, 1 BUSY, 2 DO_NOT_WANT_TO_TALK_TO_YOU). */
  readonly disconnectCause: number;
}

export const DIAMETER_NODE_DEFAULTS: Readonly<Omit<DiameterNodeOptions, 'originHost' | 'originRealm' | 'hostIpAddresses'>> = Object.freeze({
  vendorId: 0,
  productName: 'Shoal Diameter example',
  firmwareRevision: 1,
  watchdogMs: 30_000,
  disconnectTimeoutMs: 5_000,
  disconnectCause: DisconnectCause.Rebooting,
});

/** RFC 3539 section 3.4.1: Tw MUST NOT be below 6 seconds. */
export const MIN_WATCHDOG_MS = 6_000;

const schema = lazySchema(() => {
  const { z } = require('zod') as typeof import('zod');
  const D = DIAMETER_NODE_DEFAULTS;
  const identity = (what: string) => z.string({ error: what }).regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { error: what });
  const ADDRESS = 'an IPv4 or IPv6 address literal';
  return z.strictObject(
    {
      originHost: identity('a DiameterIdentity (an FQDN such as shoal.example.org)'),
      originRealm: identity('a realm (a domain name such as example.org)'),
      hostIpAddresses: z
        .array(z.string({ error: ADDRESS }).refine((a) => isIP(a) !== 0, { error: ADDRESS }), { error: 'an array of local IP addresses' })
        .min(1, { error: 'at least one address (the CEA needs a Host-IP-Address)' }),
      vendorId: z.int({ error: 'an integer from 0 to 4294967295' }).min(0).max(0xffffffff).default(D.vendorId),
      productName: z.string({ error: 'a string' }).min(1, { error: 'a non-empty string' }).default(D.productName),
      firmwareRevision: z.int({ error: 'an integer from 0 to 4294967295' }).min(0).max(0xffffffff).default(D.firmwareRevision),
      watchdogMs: z.int({ error: `an integer number of milliseconds, at least ${MIN_WATCHDOG_MS} (RFC 3539)` }).min(MIN_WATCHDOG_MS).max(3_600_000).default(D.watchdogMs),
      disconnectTimeoutMs: z.int({ error: 'an integer number of milliseconds from 100 to 600000' }).min(100).max(600_000).default(D.disconnectTimeoutMs),
      disconnectCause: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: '0 (REBOOTING), 1 (BUSY) or 2 (DO_NOT_WANT_TO_TALK_TO_YOU)' }).default(D.disconnectCause as 0 | 1 | 2),
    },
    { error: 'an object of Diameter node options' },
  );
});

/** Fills defaults, checks every field (naming it by its path) and freezes the result; throws SHOAL_ERR_DIAMETER_OPTIONS_INVALID. */
export function validateDiameterNodeOptions(input: unknown, path = 'diameter'): DiameterNodeOptions {
  const { value, problems } = validateOptions(schema(), input, path);
  if (value === undefined || problems.length > 0) throw new ERR_DIAMETER_OPTIONS_INVALID(problems);
  return value as DiameterNodeOptions;
}
