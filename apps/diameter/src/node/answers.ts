// Answers: the header of the request they answer (same command, application
// and identifiers, P copied, R clear, E set for a protocol error), and the
// answer-message of RFC 6733 section 7.2 for errors (Session-Id first when
// the request had one, Origin-Host, Origin-Realm, Result-Code, Error-Message,
// Failed-AVP).
import {
  type Avp, AvpCode, type DiameterMessage, type Avp as AvpT, flags, groupedAvp, isProtocolError, stringAvp, u32Avp,
} from '../codec';

export interface RequestHeader {
  readonly flags: { readonly proxiable: boolean };
  readonly commandCode: number;
  readonly applicationId: number;
  readonly hopByHop: number;
  readonly endToEnd: number;
}

export interface Identity {
  readonly originHost: string;
  readonly originRealm: string;
}

export function answerTo(request: RequestHeader, avps: readonly Avp[], resultCode: number): DiameterMessage {
  return {
    flags: flags({ proxiable: request.flags.proxiable, error: isProtocolError(resultCode) }),
    commandCode: request.commandCode,
    applicationId: request.applicationId,
    hopByHop: request.hopByHop,
    endToEnd: request.endToEnd,
    avps,
  };
}

export function originAvps(identity: Identity): Avp[] {
  return [stringAvp(AvpCode.OriginHost, identity.originHost), stringAvp(AvpCode.OriginRealm, identity.originRealm)];
}

export interface ErrorDetails {
  readonly sessionId?: AvpT;
  readonly failedAvp?: AvpT;
  readonly errorMessage?: string;
}

/** The answer-message (RFC 6733 section 7.2) of `request` with `resultCode`. */
export function errorAnswer(request: RequestHeader, identity: Identity, resultCode: number, details: ErrorDetails = {}): DiameterMessage {
  const avps: Avp[] = [];
  if (details.sessionId) avps.push(details.sessionId);
  avps.push(...originAvps(identity), u32Avp(AvpCode.ResultCode, resultCode));
  if (details.errorMessage) avps.push(stringAvp(AvpCode.ErrorMessage, details.errorMessage.slice(0, 512), { mandatory: false }));
  if (details.failedAvp) avps.push(groupedAvp(AvpCode.FailedAvp, [details.failedAvp]));
  return answerTo(request, avps, resultCode);
}

/** An example of a missing AVP for Failed-AVP: its code and zero-filled data of the minimum size (RFC 6733 section 7.5). */
export function missingAvp(code: number, bytes = 4): Avp {
  return { code, mandatory: true, data: Buffer.alloc(bytes) };
}
