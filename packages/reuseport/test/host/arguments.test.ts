// Bad arguments and refused system calls: each error names the argument or
// carries the errno as code (as node:net) and says what to do.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { definedErrorCodes } from '@shoal/common';
import * as api from '../../src';

describe('arguments', () => {
  test.each([0, -1, 1.5, 65536, Number.NaN, '2', undefined])('count %p is refused, naming count', (count) => {
    expect(() => api.selectAmongFirst(count as number)).toThrow(
      expect.objectContaining({ code: 'SHOAL_ERR_REUSEPORT_INVALID_ARGUMENT', message: expect.stringMatching(/^count must be an integer from 1 to 65535, got /) }),
    );
    expect(() => api.attachSelector(0, count as number)).toThrow(expect.objectContaining({ message: expect.stringMatching(/^count must be/) }));
  });

  test('a negative fd is refused, naming fd', () => {
    expect(() => api.attachSelector(-1, 2)).toThrow(expect.objectContaining({ code: 'SHOAL_ERR_REUSEPORT_INVALID_ARGUMENT', message: 'fd must be an integer from 0 to 2147483647, got -1' }));
  });

  test('the program for 1 to 65535 sockets is accepted by the builder and stays within classic BPF limits', () => {
    for (const count of [1, 2, 7, 65535]) {
      const program = api.selectAmongFirst(count);
      expect(program.length).toBeLessThan(64);
      for (const insn of program) {
        expect(insn.jt).toBeLessThanOrEqual(255);
        expect(insn.jf).toBeLessThanOrEqual(255);
        expect(insn.k).toBe(insn.k >>> 0);
      }
    }
  });
});

describe('refused system calls', () => {
  test('a fd that is not a socket: ENOTSOCK', () => {
    const fd = fs.openSync(__filename, 'r');
    try {
      expect(() => api.attachSelector(fd, 2)).toThrow(
        expect.objectContaining({ code: 'ENOTSOCK', shoalCode: 'SHOAL_ERR_REUSEPORT_ATTACH_FAILED', errno: -os.constants.errno.ENOTSOCK, syscall: 'setsockopt', message: expect.stringMatching(/is not a socket: pass the fd of a listening TCP socket/) }),
      );
    } finally {
      fs.closeSync(fd);
    }
  });

  test('a closed fd: EBADF', () => {
    const fd = fs.openSync(__filename, 'r');
    fs.closeSync(fd);
    expect(() => api.attachSelector(fd, 2)).toThrow(expect.objectContaining({ code: 'EBADF', message: expect.stringMatching(/is not open/) }));
    expect(() => api.detachSelector(fd)).toThrow(expect.objectContaining({ code: 'EBADF', shoalCode: 'SHOAL_ERR_REUSEPORT_DETACH_FAILED' }));
  });

  test('a listening socket without reusePort: EINVAL, saying to set reusePort', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      expect(() => api.attachSelector(fd, 2)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/not in a reuseport group \(set reusePort/) }));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('detaching when nothing is attached: ENOENT; after attaching: fine', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, reusePort: true }, resolve));
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      expect(() => api.detachSelector(fd)).toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringMatching(/nothing to detach/) }));
      api.attachSelector(fd, 2);
      expect(() => api.detachSelector(fd)).not.toThrow();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('errors', () => {
  const ours = (code: string): boolean => code.startsWith('SHOAL_ERR_REUSEPORT_');
  const section = (doc: string, heading: string): string => doc.split(`\n## ${heading}\n`)[1].split('\n## ')[0];

  test('every code is exported from index.ts and documented in docs/errors.md', () => {
    const exported = Object.values(api)
      .filter((v): v is typeof v & { code: string } => typeof v === 'function' && typeof (v as { code?: unknown }).code === 'string')
      .map((e) => e.code);
    const defined = definedErrorCodes().filter(ours).sort();
    expect(exported.sort()).toEqual(defined);
    const doc = section(fs.readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8'), '@shoal/reuseport');
    expect([...new Set([...doc.matchAll(/`(SHOAL_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]))].sort()).toEqual(defined);
  });
});
