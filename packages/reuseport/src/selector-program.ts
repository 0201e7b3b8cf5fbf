// The program that keeps a reuseport group's traffic on its first `count`
// sockets: it hashes the packet's source address and source port and returns
// the hash modulo `count`, an index into the group's socket array (the kernel
// runs it in run_bpf_filter, net/core/sock_reuseport.c).
//
// The kernel has already pulled the transport header when the program runs,
// so absolute offsets start at the payload: every header field is read
// relative to the network header (SKF_NET_OFF + n, resolved by
// bpf_internal_load_pointer_neg_helper). Any load that fails ends a classic
// BPF program with 0, which is index 0: still one of the first `count`.
import { checkCount } from './arguments';
import { constant, type SockFilter } from './native';
import { NEXT, ProgramWriter } from './program-writer';

/** Knuth's multiplicative-hash constant (2^32 / golden ratio, odd): spreads consecutive ports over the whole word. */
const GOLDEN = 0x9e3779b1;

/** Where the fields are, from the start of the IP header. */
const IPV4_SOURCE_ADDRESS = 12;
const IPV6_SOURCE_ADDRESS = 8;
/** IPv6 without extension headers: the transport header follows the 40-byte fixed header. */
const IPV6_HEADER_BYTES = 40;

/**
 * The classic-BPF program that selects among the first `count` sockets of a
 * reuseport group by a hash of the source address and port (IPv4 and IPv6,
 * TCP and UDP). Attach it with attachSelector (or SO_ATTACH_REUSEPORT_CBPF).
 */
export function selectAmongFirst(count: number): SockFilter[] {
  checkCount(count);
  const net = constant('SKF_NET_OFF');
  const p = new ProgramWriter();
  // The IP version is the high nibble of the first byte of the network header.
  p.op(['BPF_LD', 'BPF_B', 'BPF_ABS'], net)
    .op(['BPF_ALU', 'BPF_RSH', 'BPF_K'], 4)
    .jump('BPF_JEQ', 4, 'ipv4', NEXT)
    .jump('BPF_JEQ', 6, 'ipv6', 'unknown');

  // IPv4: M[0] = hash(source address); X = header length (IHL * 4); A = source port.
  p.label('ipv4')
    .op(['BPF_LD', 'BPF_W', 'BPF_ABS'], net + IPV4_SOURCE_ADDRESS)
    .op(['BPF_ALU', 'BPF_MUL', 'BPF_K'], GOLDEN)
    .op(['BPF_ST'], 0)
    .op(['BPF_LDX', 'BPF_B', 'BPF_MSH'], net)
    .op(['BPF_LD', 'BPF_H', 'BPF_IND'], net)
    .goto('port');

  // IPv6: the four words of the source address, one after another into M[0].
  p.label('ipv6');
  for (let word = 0; word < 4; word++) {
    p.op(['BPF_LD', 'BPF_W', 'BPF_ABS'], net + IPV6_SOURCE_ADDRESS + 4 * word);
    if (word > 0) p.op(['BPF_LDX', 'BPF_MEM'], 0).op(['BPF_ALU', 'BPF_XOR', 'BPF_X']);
    p.op(['BPF_ALU', 'BPF_MUL', 'BPF_K'], GOLDEN).op(['BPF_ST'], 0);
  }
  p.op(['BPF_LD', 'BPF_H', 'BPF_ABS'], net + IPV6_HEADER_BYTES);

  // A = source port: mix it into the address hash, fold the high half down, and take it modulo count.
  p.label('port')
    .op(['BPF_LDX', 'BPF_MEM'], 0)
    .op(['BPF_ALU', 'BPF_XOR', 'BPF_X'])
    .op(['BPF_ALU', 'BPF_MUL', 'BPF_K'], GOLDEN)
    .op(['BPF_MISC', 'BPF_TAX'])
    .op(['BPF_ALU', 'BPF_RSH', 'BPF_K'], 16)
    .op(['BPF_ALU', 'BPF_XOR', 'BPF_X'])
    .op(['BPF_ALU', 'BPF_MOD', 'BPF_K'], count)
    .op(['BPF_RET', 'BPF_A']);

  // Neither IPv4 nor IPv6 (cannot happen for TCP or UDP): the first socket, never a stranger's.
  p.label('unknown').op(['BPF_RET', 'BPF_K'], 0);
  return p.build();
}
