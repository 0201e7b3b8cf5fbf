import type { ListenerSpec } from '../../src/transport';
import { checkPassedSocket, matchDescriptors, whySlotsShare } from '../../src/systemd';
import type { PassedSocketInfo } from '../../src/systemd';

const spec = (name: string, transport: string, port = 0, host = '0.0.0.0', options: Record<string, unknown> = {}): ListenerSpec => ({
  name, transport, protocol: transport === 'http' ? 'tcp' : transport, host, port, options,
});
const tcpSocket: PassedSocketInfo = {
  fd: 3, type: 'stream', family: 'IPv6', protocol: 'tcp', listening: true, reusePort: false, v6only: false, uid: process.geteuid!(), address: '::', port: 8080,
};

describe('matchDescriptors', () => {
  const listeners = [spec('http', 'http'), spec('udp', 'udp')];

  it('matches by FileDescriptorName= when a name is a listener\'s, else by order', () => {
    expect(matchDescriptors([{ fd: 3, name: 'udp' }, { fd: 4, name: 'http' }], listeners).map((m) => [m.descriptor.fd, m.spec.name])).toEqual([[3, 'udp'], [4, 'http']]);
    expect(matchDescriptors([{ fd: 3, name: 'shoal' }, { fd: 4, name: 'shoal' }], listeners).map((m) => [m.descriptor.fd, m.spec.name])).toEqual([[3, 'http'], [4, 'udp']]);
    expect(matchDescriptors([{ fd: 3, name: 'http' }], listeners).map((m) => m.spec.name)).toEqual(['http']);
  });

  it('refuses a descriptor that fits no listener, naming it and the listeners', () => {
    expect(() => matchDescriptors([{ fd: 3, name: 'http' }, { fd: 4, name: 'other' }], listeners)).toThrow(/descriptor 4 \(FileDescriptorName=other\) fits no listener; the listeners are http, udp/);
    expect(() => matchDescriptors([3, 4, 5].map((fd) => ({ fd, name: 'x' })), listeners)).toThrow(/descriptor 5/);
  });
});

describe('checkPassedSocket', () => {
  it('takes a dual-stack wildcard socket for a wildcard host, and its port for port 0', () => {
    expect(() => checkPassedSocket(spec('http', 'http'), tcpSocket)).not.toThrow();
    expect(() => checkPassedSocket(spec('http', 'http', 8080), tcpSocket)).not.toThrow();
  });

  it.each([
    ['a datagram socket for tcp', spec('http', 'http'), { type: 'dgram', protocol: 'udp' }, /whose type is a dgram socket \(udp\), but the listener needs a stream socket \(tcp\)/],
    ['a stream socket for udp', spec('udp', 'udp'), {}, /listener "udp" .* needs a dgram socket \(udp\)/],
    ['another port', spec('http', 'http', 9090), {}, /whose port is port 8080, but the listener needs port 9090/],
    ['another address', spec('http', 'http', 0, '127.0.0.1'), {}, /whose address is ::, but the listener needs 127.0.0.1/],
    ['a connection (Accept=yes)', spec('http', 'http'), { listening: false }, /not listening \(Accept=yes/],
    ['a unix socket', spec('http', 'http'), { family: 'unix' }, /address family is AF_UNIX/],
    ['a one-to-one SCTP socket for a one-to-many listener', spec('s', 'sctp', 0, '0.0.0.0', { style: 'one-to-many' }), { protocol: 'sctp' }, /needs a seqpacket socket \(sctp\)/],
  ])('refuses %s, naming the listener and the mismatch', (_what, listener, change, message) => {
    expect(() => checkPassedSocket(listener, { ...tcpSocket, ...change } as PassedSocketInfo)).toThrow(message);
  });
});

describe('whySlotsShare', () => {
  it('lets slots open their own sockets only beside a SO_REUSEPORT socket of our user that we may bind', () => {
    expect(whySlotsShare(tcpSocket)).toMatch(/no SO_REUSEPORT/);
    expect(whySlotsShare({ ...tcpSocket, reusePort: true })).toBeNull();
    expect(whySlotsShare({ ...tcpSocket, reusePort: true, v6only: true })).toMatch(/IPv6-only/);
    expect(whySlotsShare({ ...tcpSocket, reusePort: true, uid: process.geteuid!() + 1 })).toMatch(/belongs to uid/);
  });
});
