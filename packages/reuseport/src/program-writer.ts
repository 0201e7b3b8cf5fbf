// Writes a classic-BPF program with named jump targets, so the program text
// reads like the assembly of bpf_asm and no jump offset is counted by hand.
import { constant, type SockFilter } from './native';

/** A jump target: a label, or `next` for the following instruction. */
export type Target = string;
export const NEXT: Target = '';

interface Pending {
  insn: SockFilter;
  jt?: Target;
  jf?: Target;
  /** An unconditional jump (BPF_JMP|BPF_JA) to this label: its offset goes in k. */
  ja?: Target;
}

export class ProgramWriter {
  private readonly pending: Pending[] = [];
  private readonly labels = new Map<string, number>();

  /** An instruction without jumps; `k` may be negative (SKF_NET_OFF + n), stored as its u32. */
  op(opcodes: readonly string[], k = 0): this {
    this.pending.push({ insn: { code: code(opcodes), jt: 0, jf: 0, k: k >>> 0 } });
    return this;
  }

  /** A conditional jump (BPF_JMP|<test>|BPF_K): to `jt` when true, to `jf` when false. */
  jump(test: string, k: number, jt: Target, jf: Target): this {
    this.pending.push({ insn: { code: code(['BPF_JMP', test, 'BPF_K']), jt: 0, jf: 0, k: k >>> 0 }, jt, jf });
    return this;
  }

  /** An unconditional jump. */
  goto(target: Target): this {
    this.pending.push({ insn: { code: code(['BPF_JMP', 'BPF_JA']), jt: 0, jf: 0, k: 0 }, ja: target });
    return this;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} is defined twice`);
    this.labels.set(name, this.pending.length);
    return this;
  }

  /** The instructions, with every jump resolved (classic BPF only jumps forward, at most 255 for jt/jf). */
  build(): SockFilter[] {
    return this.pending.map((p, at) => {
      const insn = { ...p.insn };
      if (p.jt !== undefined) insn.jt = this.offset(at, p.jt, 255);
      if (p.jf !== undefined) insn.jf = this.offset(at, p.jf, 255);
      if (p.ja !== undefined) insn.k = this.offset(at, p.ja, 0xffffffff);
      return insn;
    });
  }

  private offset(at: number, target: Target, max: number): number {
    if (target === NEXT) return 0;
    const to = this.labels.get(target);
    if (to === undefined) throw new Error(`jump to unknown label ${target}`);
    const offset = to - (at + 1);
    if (offset < 0 || offset > max) throw new Error(`jump to ${target} is ${offset} instructions away (0 to ${max} allowed)`);
    return offset;
  }
}

/** The opcode of OR-ed parts, each a constant of the addon (BPF_LD, BPF_H, BPF_ABS...). */
function code(parts: readonly string[]): number {
  return parts.reduce((acc, name) => acc | constant(name), 0);
}
