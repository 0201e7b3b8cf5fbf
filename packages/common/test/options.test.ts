import { z } from 'zod';
import { lazySchema, parseSection, validateOptions } from '../src';

const schema = z.strictObject({
  port: z.number({ error: 'an integer from 0 to 65535' }).int().min(0).max(65535).default(0),
  framing: z.enum(['lines', 'raw'], { error: 'one of "lines", "raw"' }).default('raw'),
  tls: z.union([z.literal(false), z.strictObject({ key: z.string({ error: 'a PEM string' }) })], { error: 'false or an object' }).optional(),
  nested: z.strictObject({ depth: z.number({ error: 'a number' }).optional() }).optional(),
});

describe('validateOptions', () => {
  it('fills in defaults and freezes the result', () => {
    const { value, problems } = validateOptions(schema, { nested: { depth: 2 } }, 'listeners.echo.options');
    expect(problems).toEqual([]);
    expect(value).toEqual({ port: 0, framing: 'raw', nested: { depth: 2 } });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value!.nested)).toBe(true);
  });

  it('lists every problem with its field path and what was given', () => {
    const { value, problems } = validateOptions(schema, { port: 70000, framing: 'xml', colour: 'red', tls: { key: 1 }, nested: { deep: 1 } }, 'listeners.echo.options');
    expect(value).toBeUndefined();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^listeners\.echo\.options\.port must be .*got 70000$/),
        'listeners.echo.options.framing must be one of "lines", "raw", got "xml"',
        'listeners.echo.options.colour is not a known option (known: port, framing, tls, nested)',
        'listeners.echo.options.tls.key must be a PEM string, got 1',
        'listeners.echo.options.nested.deep is not a known option (known: depth)',
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('shows the value of an array element that a refinement refused', () => {
    const list = z.strictObject({ hosts: z.array(z.string().refine((h) => h.includes('.'), { error: 'a dotted name' })) });
    expect(validateOptions(list, { hosts: ['a.b', 'nodot'] }, 'redis').problems).toEqual(['redis.hosts.1 must be a dotted name, got "nodot"']);
  });

  it('shows a secret field (a passphrase, a password, a token) only by its type, and a URL without its password', () => {
    const secrets = z.strictObject({
      tls: z.strictObject({ passphrase: z.string({ error: 'a string' }) }),
      auth: z.strictObject({ password: z.string().min(12, { error: 'a string of 12 characters or more' }), token: z.string({ error: 'a string' }) }),
      url: z.string().startsWith('redis://', { error: 'a redis:// URL' }),
    });
    const { problems } = validateOptions(secrets, { tls: { passphrase: 987654 }, auth: { password: 'hunter2', token: ['t0ken'] }, url: 'rediss://app:s3cret@cache:6379/0' }, 'x');
    expect(problems).toEqual([
      'x.tls.passphrase must be a string, got a number (not shown: a secret)',
      'x.auth.password must be a string of 12 characters or more, got a string (not shown: a secret)',
      'x.auth.token must be a string, got an array (not shown: a secret)',
      'x.url must be a redis:// URL, got "rediss://app:***@cache:6379/0"',
    ]);
  });

  it('parseSection adds problems to a shared list and leaves the value unfrozen', () => {
    const problems: string[] = [];
    expect(parseSection(schema, 'offload', { port: -1 }, problems)).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/^offload\.port must be/)]);
    const value = parseSection(schema, 'offload', {}, problems);
    expect(Object.isFrozen(value)).toBe(false);
  });

  it('builds a lazy schema once', () => {
    let built = 0;
    const get = lazySchema(() => ++built);
    expect(get()).toBe(1);
    expect(get()).toBe(1);
  });
});
