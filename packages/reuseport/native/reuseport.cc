// Shoal reuseport addon: attaches and detaches the classic-BPF program that
// picks the socket of a SO_REUSEPORT group (SO_ATTACH_REUSEPORT_CBPF,
// SO_DETACH_REUSEPORT_BPF).
//
// Rules (as in @shoal/sctp): every function returns 0 or -errno and never
// throws on a failed system call; TypeScript builds the error. Arguments are
// validated in TypeScript; the checks here only guard memory safety. The
// numeric constants the program builder needs come from the kernel headers
// here, so that JavaScript never guesses them.

#include <napi.h>

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/filter.h>

#include <vector>

// Older libc headers may lack these; the values are the kernel's
// (include/uapi/asm-generic/socket.h) and never change.
#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif

namespace {

// Reads one {code, jt, jf, k} object; false when a field is missing or not a number.
bool ReadInstruction(const Napi::Value& v, sock_filter* out) {
  if (!v.IsObject()) return false;
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value code = o.Get("code"), jt = o.Get("jt"), jf = o.Get("jf"), k = o.Get("k");
  if (!code.IsNumber() || !jt.IsNumber() || !jf.IsNumber() || !k.IsNumber()) return false;
  out->code = static_cast<uint16_t>(code.As<Napi::Number>().Uint32Value());
  out->jt = static_cast<uint8_t>(jt.As<Napi::Number>().Uint32Value());
  out->jf = static_cast<uint8_t>(jf.As<Napi::Number>().Uint32Value());
  // k may be given as a negative offset (SKF_NET_OFF + n) or as its unsigned value.
  out->k = static_cast<uint32_t>(k.As<Napi::Number>().Int64Value());
  return true;
}

// attachReuseportCbpf(fd, instructions) -> 0 | -errno. instructions: an array
// of {code, jt, jf, k}, or a Uint32Array of pairs (code | jt << 16 | jf << 24, k).
Napi::Value AttachReuseportCbpf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber()) return Napi::Number::New(env, -EINVAL);
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::vector<sock_filter> program;
  if (info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array) {
    Napi::Uint32Array words = info[1].As<Napi::Uint32Array>();
    if (words.ElementLength() % 2 != 0) return Napi::Number::New(env, -EINVAL);
    for (size_t i = 0; i < words.ElementLength(); i += 2) {
      sock_filter insn;
      insn.code = static_cast<uint16_t>(words[i] & 0xffff);
      insn.jt = static_cast<uint8_t>((words[i] >> 16) & 0xff);
      insn.jf = static_cast<uint8_t>((words[i] >> 24) & 0xff);
      insn.k = words[i + 1];
      program.push_back(insn);
    }
  } else if (info[1].IsArray()) {
    Napi::Array list = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      sock_filter insn;
      if (!ReadInstruction(list.Get(i), &insn)) return Napi::Number::New(env, -EINVAL);
      program.push_back(insn);
    }
  } else {
    return Napi::Number::New(env, -EINVAL);
  }
  // The kernel checks the length too (EINVAL); this only keeps len within its u16.
  if (program.empty() || program.size() > BPF_MAXINSNS) return Napi::Number::New(env, -EINVAL);
  sock_fprog fprog;
  fprog.len = static_cast<unsigned short>(program.size());
  fprog.filter = program.data();
  int r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof(fprog));
  return Napi::Number::New(env, r == 0 ? 0 : -errno);
}

// detachReuseportBpf(fd) -> 0 | -errno (ENOENT: no program was attached).
Napi::Value DetachReuseportBpf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Number::New(env, -EINVAL);
  int fd = info[0].As<Napi::Number>().Int32Value();
  int unused = 0;
  int r = setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &unused, sizeof(unused));
  return Napi::Number::New(env, r == 0 ? 0 : -errno);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("attachReuseportCbpf", Napi::Function::New(env, AttachReuseportCbpf, "attachReuseportCbpf"));
  exports.Set("detachReuseportBpf", Napi::Function::New(env, DetachReuseportBpf, "detachReuseportBpf"));
  Napi::Object c = Napi::Object::New(env);
#define EXPORT_CONSTANT(name) c.Set(#name, Napi::Number::New(env, static_cast<double>(name)))
  EXPORT_CONSTANT(SO_ATTACH_REUSEPORT_CBPF);
  EXPORT_CONSTANT(SO_DETACH_REUSEPORT_BPF);
  // Instruction classes, sizes, modes, operations and sources (<linux/bpf_common.h>).
  EXPORT_CONSTANT(BPF_LD);
  EXPORT_CONSTANT(BPF_LDX);
  EXPORT_CONSTANT(BPF_ST);
  EXPORT_CONSTANT(BPF_STX);
  EXPORT_CONSTANT(BPF_ALU);
  EXPORT_CONSTANT(BPF_JMP);
  EXPORT_CONSTANT(BPF_RET);
  EXPORT_CONSTANT(BPF_MISC);
  EXPORT_CONSTANT(BPF_W);
  EXPORT_CONSTANT(BPF_H);
  EXPORT_CONSTANT(BPF_B);
  EXPORT_CONSTANT(BPF_IMM);
  EXPORT_CONSTANT(BPF_ABS);
  EXPORT_CONSTANT(BPF_IND);
  EXPORT_CONSTANT(BPF_MEM);
  EXPORT_CONSTANT(BPF_LEN);
  EXPORT_CONSTANT(BPF_MSH);
  EXPORT_CONSTANT(BPF_ADD);
  EXPORT_CONSTANT(BPF_SUB);
  EXPORT_CONSTANT(BPF_MUL);
  EXPORT_CONSTANT(BPF_DIV);
  EXPORT_CONSTANT(BPF_OR);
  EXPORT_CONSTANT(BPF_AND);
  EXPORT_CONSTANT(BPF_LSH);
  EXPORT_CONSTANT(BPF_RSH);
  EXPORT_CONSTANT(BPF_NEG);
  EXPORT_CONSTANT(BPF_MOD);
  EXPORT_CONSTANT(BPF_XOR);
  EXPORT_CONSTANT(BPF_JA);
  EXPORT_CONSTANT(BPF_JEQ);
  EXPORT_CONSTANT(BPF_JGT);
  EXPORT_CONSTANT(BPF_JGE);
  EXPORT_CONSTANT(BPF_JSET);
  EXPORT_CONSTANT(BPF_K);
  EXPORT_CONSTANT(BPF_X);
  EXPORT_CONSTANT(BPF_A);
  EXPORT_CONSTANT(BPF_TAX);
  EXPORT_CONSTANT(BPF_TXA);
  EXPORT_CONSTANT(BPF_MAXINSNS);
  EXPORT_CONSTANT(BPF_MEMWORDS);
  // Negative offsets of loads (<linux/filter.h>): relative to the network
  // header, the link-layer header, or ancillary data.
  EXPORT_CONSTANT(SKF_NET_OFF);
  EXPORT_CONSTANT(SKF_LL_OFF);
  EXPORT_CONSTANT(SKF_AD_OFF);
  EXPORT_CONSTANT(SKF_AD_PROTOCOL);
#undef EXPORT_CONSTANT
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(shoal_reuseport, Init)
