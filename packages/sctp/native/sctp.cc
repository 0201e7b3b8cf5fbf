// Shoal SCTP addon: thin, non-throwing bindings over the Linux kernel's SCTP.
//
// Rules (DESIGN.md section 7):
//  - every function returns a number >= 0 on success or -errno on failure and
//    never throws; the TypeScript side turns -errno into an Error with code,
//    errno and syscall. Arguments are validated in TypeScript before they get
//    here; the checks below only guard memory safety.
//  - sockets are non-blocking and close-on-exec; EINTR is retried; EAGAIN is
//    returned as -EAGAIN (backpressure), never treated as a failure here.
//  - one Ctx per polled socket, owning its uv_poll_t, freed in the uv_close
//    callback (which also closes the fd).
//  - JS callbacks go through MakeCallback so microtasks run right after them.
//
// No libsctp: sctp_bindx/connectx/peeloff are the setsockopt/getsockopt calls
// of <linux/sctp.h>.

#include <napi.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/sctp.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

#define RETRY_EINTR(expr)              \
  ({                                   \
    long _r;                           \
    do {                               \
      _r = (long)(expr);               \
    } while (_r == -1 && errno == EINTR); \
    _r;                                \
  })

// ---------------------------------------------------------------- addresses

// An IPv6 literal may carry a zone ("fe80::1%lo" or "fe80::1%2"): the zone
// becomes sin6_scope_id (an interface name through if_nametoindex, or a
// number). A zone on an IPv4 address, or an unknown interface, is refused.
bool ParseAddr(const std::string& host, int port, sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof(*ss));
  std::string ip = host;
  std::string zone;
  size_t pct = host.find('%');
  if (pct != std::string::npos) {
    ip = host.substr(0, pct);
    zone = host.substr(pct + 1);
    if (zone.empty()) return false;
  }
  sockaddr_in* in4 = reinterpret_cast<sockaddr_in*>(ss);
  if (zone.empty() && inet_pton(AF_INET, ip.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return true;
  }
  sockaddr_in6* in6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (!zone.empty()) {
      char* end = nullptr;
      unsigned long n = strtoul(zone.c_str(), &end, 10);
      if (end != nullptr && *end == '\0' && zone[0] >= '0' && zone[0] <= '9') {
        in6->sin6_scope_id = static_cast<uint32_t>(n);
      } else {
        in6->sin6_scope_id = if_nametoindex(zone.c_str());
      }
      if (in6->sin6_scope_id == 0) return false;
    }
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// {address, port, family[, scopeId]}: a scoped IPv6 address is printed with
// its zone as node:net does ("fe80::1%lo"; the index when the interface has
// no name any more) and also gives scopeId (the interface index).
Napi::Value AddrToJs(Napi::Env env, const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {0};
  Napi::Object o = Napi::Object::New(env);
  if (sa->sa_family == AF_INET) {
    const sockaddr_in* in4 = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in4->sin_addr, buf, INET6_ADDRSTRLEN);
    o.Set("address", buf);
    o.Set("port", ntohs(in4->sin_port));
    o.Set("family", "IPv4");
  } else if (sa->sa_family == AF_INET6) {
    const sockaddr_in6* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, INET6_ADDRSTRLEN);
    if (in6->sin6_scope_id != 0) {
      char ifname[IF_NAMESIZE + 1] = {0};
      size_t at = strlen(buf);
      if (if_indextoname(in6->sin6_scope_id, ifname) != nullptr) {
        snprintf(buf + at, sizeof(buf) - at, "%%%s", ifname);
      } else {
        snprintf(buf + at, sizeof(buf) - at, "%%%u", in6->sin6_scope_id);
      }
    }
    o.Set("address", buf);
    o.Set("port", ntohs(in6->sin6_port));
    o.Set("family", "IPv6");
    if (in6->sin6_scope_id != 0) o.Set("scopeId", in6->sin6_scope_id);
  } else {
    return env.Null();
  }
  return o;
}

// Packs addresses the way sctp_bindx/sctp_connectx expect them: sockaddr_in and
// sockaddr_in6 back to back, each with its own size. Returns false on a bad
// address (TypeScript validates first, so this only guards).
bool PackAddrs(const Napi::Array& hosts, int port, std::vector<char>* out, int* count) {
  out->clear();
  *count = 0;
  for (uint32_t i = 0; i < hosts.Length(); i++) {
    Napi::Value v = hosts.Get(i);
    if (!v.IsString()) return false;
    sockaddr_storage ss;
    socklen_t len;
    if (!ParseAddr(v.As<Napi::String>().Utf8Value(), port, &ss, &len)) return false;
    const char* p = reinterpret_cast<const char*>(&ss);
    out->insert(out->end(), p, p + len);
    (*count)++;
  }
  return *count > 0;
}

int Errno() { return -errno; }

// ---------------------------------------------------------------- poll ctx

enum Mode { MODE_LISTEN = 0, MODE_DATA = 1, MODE_UNIX = 2 };
enum Event {
  EV_READABLE = 0,  // listener: accept() is ready
  EV_BATCH = 1,     // data: (entries[], meta Float64Array)
  EV_WRITABLE = 3,
  EV_ERROR = 4,     // (negative errno, syscall)
  EV_EOF = 5,
  EV_FDS = 7,       // unix: (data Buffer, fds number[])
  EV_BOUNDARY = 8,  // data: the messages read in parts are complete (or dropped)
};

constexpr int kBatch = 32;         // messages per recvmmsg
constexpr size_t kSlot = 65536;    // bytes per receive slot
constexpr int kMeta = 9;           // numbers per message in the meta array

struct Scratch {
  std::vector<char> data;
  std::vector<char> ctrl;
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  Scratch() : data(kBatch * kSlot), ctrl(kBatch * 256) {}
};
// One scratch per thread (each worker_thread has its own loop); everything read
// into it is copied out before any JS runs.
thread_local std::unique_ptr<Scratch> tls_scratch;
Scratch* GetScratch() {
  if (!tls_scratch) tls_scratch.reset(new Scratch());
  return tls_scratch.get();
}

class Handle;
struct EnvState;

// A message that arrives over several reads (no MSG_EOR yet): one per
// association, stream and ordering, since with interleaving (RFC 8260) or on a
// one-to-many socket the parts of several messages can alternate.
struct Partial {
  std::vector<char> data;
  double meta[kMeta];
  // Over maxMessageBytes: the rest of this message is read and dropped.
  bool discarding = false;
};

uint64_t PartialKey(const sctp_rcvinfo* ri) {
  if (ri == nullptr) return 0;
  return (static_cast<uint64_t>(static_cast<uint32_t>(ri->rcv_assoc_id)) << 17) |
         (static_cast<uint64_t>(ri->rcv_sid) << 1) | ((ri->rcv_flags & SCTP_UNORDERED) ? 1 : 0);
}
uint32_t PartialAssoc(uint64_t key) { return static_cast<uint32_t>(key >> 17); }

struct Ctx {
  uv_poll_t poll;
  int fd = -1;
  int mode = MODE_DATA;
  // What JavaScript asked for (UV_READABLE / UV_WRITABLE). The poll also
  // reads while a message is in parts: a pause takes effect at a message
  // boundary, so what stays in the kernel always starts a message.
  int events = 0;
  bool closing = false;
  size_t maxMessageBytes = 0;
  napi_env env = nullptr;
  EnvState* state = nullptr;
  Napi::FunctionReference cb;
  Napi::AsyncContext* actx = nullptr;
  Handle* owner = nullptr;
  std::unordered_map<uint64_t, Partial> partials;
  std::vector<char> npartial;  // a notification in parts
};

// Per Node environment (main thread or a worker; instance data, so several
// environments on one thread stay apart): the live contexts, how many closes
// still wait for their uv_close callback, and the async cleanup hook that
// keeps the environment (and this library, which a worker unloads when it
// ends) alive until they have all run.
struct EnvState {
  std::unordered_set<Ctx*> live;
  int closing = 0;
  napi_async_cleanup_hook_handle cleanup = nullptr;
  bool tearingDown = false;
};

void Track(Ctx* ctx) { ctx->state->live.insert(ctx); }
void Untrack(Ctx* ctx) { ctx->state->live.erase(ctx); }

void OnClosed(uv_handle_t* h) {
  Ctx* ctx = static_cast<Ctx*>(h->data);
  EnvState* st = ctx->state;
  ctx->cb.Reset();  // no-op when the cleanup hook already released it
  delete ctx->actx;
  delete ctx;
  if (--st->closing == 0 && st->tearingDown && st->cleanup != nullptr) {
    napi_async_cleanup_hook_handle hook = st->cleanup;
    st->cleanup = nullptr;
    napi_remove_async_cleanup_hook(hook);
  }
}

void UpdatePoll(Ctx* ctx);

// Calls into JS; reports an exception the callback threw as an uncaught one
// (like any Node callback) instead of leaving it pending.
void Call(Ctx* ctx, const std::vector<napi_value>& args) {
  if (ctx->cb.IsEmpty() || ctx->actx == nullptr) return;
  napi_env env = ctx->env;
  napi_value global, fn, result;
  if (napi_get_global(env, &global) != napi_ok || napi_get_reference_value(env, ctx->cb, &fn) != napi_ok) return;
  // Plain N-API here: while a worker terminates JS cannot run and
  // node-addon-api would turn that into a fatal error.
  napi_status st = napi_make_callback(env, static_cast<napi_async_context>(*ctx->actx), global, fn, args.size(),
                                      args.data(), &result);
  if (st == napi_pending_exception) {
    napi_value err;
    if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
  }
}

Napi::Value NotificationToJs(Napi::Env env, const char* buf, size_t len);

void MetaFromRcvinfo(double* m, const sctp_rcvinfo* ri, int msgFlags) {
  m[0] = ri ? ri->rcv_sid : 0;
  m[1] = ri ? ntohl(ri->rcv_ppid) : 0;
  m[2] = ri ? ri->rcv_ssn : 0;
  m[3] = ri ? ri->rcv_tsn : 0;
  m[4] = ri ? ri->rcv_cumtsn : 0;
  m[5] = ri ? ri->rcv_assoc_id : 0;
  m[6] = ri ? ri->rcv_flags : 0;
  m[7] = ri ? ri->rcv_context : 0;
  m[8] = msgFlags;
}

// Whether the poll reads: when JavaScript wants messages, and also while a
// message is in parts (a pause takes effect at the next message boundary).
bool Reading(const Ctx* ctx) {
  return (ctx->events & UV_READABLE) != 0 || (ctx->mode == MODE_DATA && !ctx->partials.empty());
}

void PushMeta(std::vector<double>* meta, const double* m) {
  for (int k = 0; k < kMeta; k++) meta->push_back(m[k]);
}

// The association ended or restarted: the kernel drops its messages in parts,
// and so do we.
void ForgetAssoc(Ctx* ctx, uint32_t assocId) {
  for (auto it = ctx->partials.begin(); it != ctx->partials.end();) {
    if (PartialAssoc(it->first) == assocId) it = ctx->partials.erase(it);
    else ++it;
  }
}

Napi::Object TooLarge(Napi::Env env, double assocId, size_t bytes) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", "message-too-large");
  o.Set("assocId", assocId);
  o.Set("bytes", static_cast<double>(bytes));
  return o;
}

// force: read even while paused (the socket has failed: what the kernel
// queued before the failure, COMM_LOST among it, comes first).
void ReadData(Ctx* ctx, bool force = false) {
  Napi::Env env(ctx->env);
  Scratch* s = GetScratch();
  int pendingErr = 0;
  bool hadPartials = !ctx->partials.empty();
  for (int round = 0; round < 8 && !ctx->closing && (force || Reading(ctx)); round++) {
    for (int i = 0; i < kBatch; i++) {
      s->iov[i].iov_base = s->data.data() + i * kSlot;
      s->iov[i].iov_len = kSlot;
      memset(&s->msgs[i].msg_hdr, 0, sizeof(msghdr));
      s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
      s->msgs[i].msg_hdr.msg_iovlen = 1;
      s->msgs[i].msg_hdr.msg_control = s->ctrl.data() + i * 256;
      s->msgs[i].msg_hdr.msg_controllen = 256;
      s->msgs[i].msg_len = 0;
    }
    int n = RETRY_EINTR(recvmmsg(ctx->fd, s->msgs, kBatch, MSG_DONTWAIT, nullptr));
    if (n < 0 && pendingErr == 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      // The socket's error (e.g. ECONNRESET after an ABORT) comes before the
      // notifications queued with it; reading it clears it, so read once more
      // to deliver those (COMM_LOST) first, then report the error.
      pendingErr = Errno();
      continue;
    }
    if (n <= 0) break;
    Napi::HandleScope scope(env);
    Napi::Array entries = Napi::Array::New(env);
    std::vector<double> meta;
    meta.reserve(n * kMeta);
    uint32_t count = 0;
    bool eof = false;
    for (int i = 0; i < n; i++) {
      msghdr& mh = s->msgs[i].msg_hdr;
      size_t len = s->msgs[i].msg_len;
      const char* data = static_cast<const char*>(s->iov[i].iov_base);
      if (len == 0 && !(mh.msg_flags & MSG_NOTIFICATION)) {
        // One-to-one style: the association has ended (orderly shutdown).
        eof = true;
        break;
      }
      const sctp_rcvinfo* ri = nullptr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_RCVINFO)
          ri = reinterpret_cast<const sctp_rcvinfo*>(CMSG_DATA(c));
      }
      bool eor = (mh.msg_flags & MSG_EOR) != 0;
      double m[kMeta];
      if (mh.msg_flags & MSG_NOTIFICATION) {
        // Notifications have their own reassembly: one can arrive in the
        // middle of a partially delivered message (e.g. PARTIAL_DELIVERY_EVENT).
        if (!eor || !ctx->npartial.empty()) {
          ctx->npartial.insert(ctx->npartial.end(), data, data + len);
          if (!eor) continue;
          data = ctx->npartial.data();
          len = ctx->npartial.size();
        }
        const sctp_notification* sn = reinterpret_cast<const sctp_notification*>(data);
        if (len >= sizeof(sctp_assoc_change) && sn->sn_header.sn_type == SCTP_ASSOC_CHANGE &&
            sn->sn_assoc_change.sac_state != SCTP_COMM_UP) {
          ForgetAssoc(ctx, static_cast<uint32_t>(sn->sn_assoc_change.sac_assoc_id));
        } else if (len >= sizeof(sctp_pdapi_event) && sn->sn_header.sn_type == SCTP_PARTIAL_DELIVERY_EVENT &&
                   sn->sn_pdapi_event.pdapi_indication == SCTP_PARTIAL_DELIVERY_ABORTED) {
          // The message being delivered in parts will never complete.
          sctp_rcvinfo k;
          memset(&k, 0, sizeof(k));
          k.rcv_assoc_id = sn->sn_pdapi_event.pdapi_assoc_id;
          k.rcv_sid = static_cast<uint16_t>(sn->sn_pdapi_event.pdapi_stream);
          ctx->partials.erase(PartialKey(&k));
          k.rcv_flags = SCTP_UNORDERED;
          ctx->partials.erase(PartialKey(&k));
        }
        MetaFromRcvinfo(m, nullptr, mh.msg_flags);
        entries.Set(count++, NotificationToJs(env, data, len));
        PushMeta(&meta, m);
        ctx->npartial.clear();
        continue;
      }
      uint64_t key = PartialKey(ri);
      auto it = ctx->partials.find(key);
      if (it == ctx->partials.end() && eor) {
        // A whole message in one read: the common case.
        MetaFromRcvinfo(m, ri, mh.msg_flags);
        if (ctx->maxMessageBytes > 0 && len > ctx->maxMessageBytes) {
          entries.Set(count++, TooLarge(env, m[5], len));
        } else {
          entries.Set(count++, Napi::Buffer<char>::Copy(env, data, len));
        }
        PushMeta(&meta, m);
        continue;
      }
      if (it == ctx->partials.end()) {
        it = ctx->partials.emplace(key, Partial()).first;
        MetaFromRcvinfo(it->second.meta, ri, mh.msg_flags);
      }
      Partial& p = it->second;
      if (!p.discarding && ctx->maxMessageBytes > 0 && p.data.size() + len > ctx->maxMessageBytes) {
        // Over the limit: tell JS (which aborts the association) and drop
        // the rest of this message as it comes.
        entries.Set(count++, TooLarge(env, p.meta[5], p.data.size() + len));
        PushMeta(&meta, p.meta);
        p.discarding = true;
        std::vector<char>().swap(p.data);
      }
      if (p.discarding) {
        if (eor) ctx->partials.erase(it);
        continue;
      }
      p.data.insert(p.data.end(), data, data + len);
      if (!eor) continue;
      entries.Set(count++, Napi::Buffer<char>::Copy(env, p.data.data(), p.data.size()));
      PushMeta(&meta, p.meta);
      ctx->partials.erase(it);
    }
    if (count > 0) {
      Napi::Float64Array fa = Napi::Float64Array::New(env, meta.size());
      memcpy(fa.Data(), meta.data(), meta.size() * sizeof(double));
      // JavaScript may pause here: the loop condition stops reading then.
      Call(ctx, {Napi::Number::New(env, EV_BATCH), entries, fa});
    }
    if (eof && !ctx->closing) {
      ctx->events &= ~UV_READABLE;
      ctx->partials.clear();
      UpdatePoll(ctx);
      Call(ctx, {Napi::Number::New(env, EV_EOF)});
      return;
    }
    if (n < kBatch) break;  // drained what was there
  }
  if (ctx->closing) return;
  if (pendingErr != 0) {
    Napi::HandleScope scope(env);
    ctx->events &= ~UV_READABLE;
    ctx->partials.clear();
    UpdatePoll(ctx);
    Call(ctx, {Napi::Number::New(env, EV_ERROR), Napi::Number::New(env, pendingErr),
               Napi::String::New(env, "recvmsg")});
    return;
  }
  // A message completed while JavaScript had paused: the poll stops reading.
  UpdatePoll(ctx);
  if (hadPartials && ctx->partials.empty()) {
    Napi::HandleScope scope(env);
    Call(ctx, {Napi::Number::New(env, EV_BOUNDARY)});
  }
}

void ReadUnix(Ctx* ctx) {
  Napi::Env env(ctx->env);
  for (int round = 0; round < 16 && !ctx->closing; round++) {
    char data[4096];
    char ctrl[CMSG_SPACE(sizeof(int) * 64)];
    iovec iov = {data, sizeof(data)};
    msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctrl;
    mh.msg_controllen = sizeof(ctrl);
    long n = RETRY_EINTR(recvmsg(ctx->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
    Napi::HandleScope scope(env);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      int err = Errno();
      ctx->events &= ~UV_READABLE;
      UpdatePoll(ctx);
      Call(ctx, {Napi::Number::New(env, EV_ERROR), Napi::Number::New(env, err),
                 Napi::String::New(env, "recvmsg")});
      return;
    }
    Napi::Array fds = Napi::Array::New(env);
    uint32_t nfd = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int* p = reinterpret_cast<int*>(CMSG_DATA(c));
        for (size_t j = 0; j < k; j++) fds.Set(nfd++, p[j]);
      }
    }
    if (n == 0 && nfd == 0) {
      ctx->events &= ~UV_READABLE;
      UpdatePoll(ctx);
      Call(ctx, {Napi::Number::New(env, EV_EOF)});
      return;
    }
    Call(ctx, {Napi::Number::New(env, EV_FDS), Napi::Buffer<char>::Copy(env, data, n), fds,
               Napi::Boolean::New(env, (mh.msg_flags & MSG_CTRUNC) != 0)});
  }
}

void OnPollBody(Ctx* ctx, int status, int events);

void OnPoll(uv_poll_t* h, int status, int events) {
  Ctx* ctx = static_cast<Ctx*>(h->data);
  if (ctx->closing) return;
  // While an environment shuts down (worker terminated, process exiting) its
  // loop still runs but JS cannot: creating a Buffer or calling back would
  // then fail (and node-addon-api would abort). Probe once with plain N-API
  // and stop polling if JS cannot run; the cleanup hook closes the socket.
  napi_handle_scope hs;
  if (napi_open_handle_scope(ctx->env, &hs) != napi_ok) {
    uv_poll_stop(&ctx->poll);
    ctx->events = 0;
    return;
  }
  napi_value probe;
  if (napi_create_buffer_copy(ctx->env, 0, nullptr, nullptr, &probe) != napi_ok) {
    bool pending = false;
    napi_value ignored;
    if (napi_is_exception_pending(ctx->env, &pending) == napi_ok && pending)
      napi_get_and_clear_last_exception(ctx->env, &ignored);
    uv_poll_stop(&ctx->poll);
    ctx->events = 0;
    napi_close_handle_scope(ctx->env, hs);
    return;
  }
  OnPollBody(ctx, status, events);
  napi_close_handle_scope(ctx->env, hs);
}

void OnPollBody(Ctx* ctx, int status, int events) {
  Napi::Env env(ctx->env);
  if (status < 0) {
    // libuv reports POLLERR as UV_EBADF and stops watching. The socket has a
    // pending error (e.g. the association was aborted): first deliver what is
    // queued (the COMM_LOST notification), then the socket's own error.
    ctx->events = 0;
    int soerr = 0;
    socklen_t l = sizeof(soerr);
    if (getsockopt(ctx->fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0 || soerr == 0) soerr = -status;
    if (ctx->mode == MODE_DATA) ReadData(ctx, true);
    if (ctx->closing) return;
    Napi::HandleScope scope(env);
    Call(ctx, {Napi::Number::New(env, EV_ERROR), Napi::Number::New(env, -soerr),
               Napi::String::New(env, "poll")});
    return;
  }
  if ((events & UV_READABLE) && Reading(ctx)) {
    if (ctx->mode == MODE_LISTEN) {
      Napi::HandleScope scope(env);
      Call(ctx, {Napi::Number::New(env, EV_READABLE)});
    } else if (ctx->mode == MODE_DATA) {
      ReadData(ctx);
    } else {
      ReadUnix(ctx);
    }
  }
  if (ctx->closing) return;
  if ((events & UV_WRITABLE) && (ctx->events & UV_WRITABLE)) {
    Napi::HandleScope scope(env);
    Call(ctx, {Napi::Number::New(env, EV_WRITABLE)});
  }
}

void UpdatePoll(Ctx* ctx) {
  if (ctx->closing) return;
  int events = (ctx->events & UV_WRITABLE) | (Reading(ctx) ? UV_READABLE : 0);
  if (events == 0) {
    uv_poll_stop(&ctx->poll);
  } else {
    uv_poll_start(&ctx->poll, events, OnPoll);
  }
}

void CloseCtx(Ctx* ctx) {
  if (ctx->closing) return;
  ctx->closing = true;
  Untrack(ctx);
  // uv_poll_stop removes the fd from epoll, so the fd can be closed now (a
  // close() in JS is then visible to the kernel at once: a closed listener
  // stops accepting before the promise resolves); the Ctx itself is freed in
  // the uv_close callback.
  uv_poll_stop(&ctx->poll);
  if (ctx->fd >= 0) close(ctx->fd);
  ctx->fd = -1;
  ctx->state->closing++;
  uv_close(reinterpret_cast<uv_handle_t*>(&ctx->poll), OnClosed);
}

// new Handle(fd, mode, callback, maxMessageBytes)
class Handle : public Napi::ObjectWrap<Handle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Handle",
                       {InstanceMethod("setEvents", &Handle::SetEvents),
                        InstanceMethod("setMaxMessageBytes", &Handle::SetMaxMessageBytes),
                        InstanceMethod("partialMessages", &Handle::PartialMessages),
                        InstanceMethod("ref", &Handle::Ref),
                        InstanceMethod("unref", &Handle::Unref),
                        InstanceMethod("close", &Handle::Close)});
  }

  explicit Handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Handle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsFunction() ||
        !info[3].IsNumber()) {
      Napi::TypeError::New(env, "Handle(fd, mode, callback, maxMessageBytes)").ThrowAsJavaScriptException();
      return;
    }
    ctx_ = new Ctx();
    ctx_->fd = info[0].As<Napi::Number>().Int32Value();
    ctx_->mode = info[1].As<Napi::Number>().Int32Value();
    ctx_->maxMessageBytes = static_cast<size_t>(info[3].As<Napi::Number>().DoubleValue());
    ctx_->env = env;
    void* st = nullptr;
    napi_get_instance_data(env, &st);
    ctx_->state = static_cast<EnvState*>(st);
    ctx_->cb = Napi::Persistent(info[2].As<Napi::Function>());
    ctx_->actx = new Napi::AsyncContext(env, "ShoalSctpHandle");
    ctx_->owner = this;
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    int r = uv_poll_init(loop, &ctx_->poll, ctx_->fd);
    ctx_->poll.data = ctx_;
    if (r == 0) Track(ctx_);
    if (r != 0) {
      // Not pollable: keep the ctx but mark it closed; JS sees initError.
      initError_ = r;
      ctx_->closing = true;
      ctx_->cb.Reset();
      delete ctx_->actx;
      delete ctx_;
      ctx_ = nullptr;
    }
    info.This().As<Napi::Object>().Set("initError", Napi::Number::New(env, initError_));
  }

  // The env is going away (cleanup hook): forget the ctx, which is closed.
  void Detach() { ctx_ = nullptr; }

  ~Handle() override {
    // Collected without close(): free the poll handle and the fd.
    if (ctx_ != nullptr) {
      ctx_->owner = nullptr;
      CloseCtx(ctx_);
    }
  }

 private:
  // setEvents(readable, writable) -> 0 | -errno
  Napi::Value SetEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (ctx_ == nullptr || ctx_->closing) return Napi::Number::New(env, -EBADF);
    int ev = 0;
    if (info[0].ToBoolean()) ev |= UV_READABLE;
    if (info[1].ToBoolean()) ev |= UV_WRITABLE;
    if (ev != ctx_->events) {
      ctx_->events = ev;
      UpdatePoll(ctx_);
    }
    return Napi::Number::New(env, 0);
  }

  Napi::Value SetMaxMessageBytes(const Napi::CallbackInfo& info) {
    if (ctx_ != nullptr && info[0].IsNumber())
      ctx_->maxMessageBytes = static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue());
    return info.Env().Undefined();
  }

  // Messages read in part (or being dropped after message-too-large): while
  // there are any, the socket is not at a message boundary.
  Napi::Value PartialMessages(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), ctx_ == nullptr ? 0 : static_cast<double>(ctx_->partials.size()));
  }

  // ref()/unref(): whether this socket alone keeps the event loop (and the
  // process) alive, like a net.Socket's.
  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (ctx_ != nullptr && !ctx_->closing) uv_ref(reinterpret_cast<uv_handle_t*>(&ctx_->poll));
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (ctx_ != nullptr && !ctx_->closing) uv_unref(reinterpret_cast<uv_handle_t*>(&ctx_->poll));
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (ctx_ != nullptr) {
      ctx_->owner = nullptr;
      CloseCtx(ctx_);
      ctx_ = nullptr;
    }
    return info.Env().Undefined();
  }

  Ctx* ctx_ = nullptr;
  int initError_ = 0;
};

// Runs when the environment (main thread or a worker) is torn down: stops and
// closes every socket still open, releasing the JS references while the env is
// still valid.
void EnvCleanup(napi_async_cleanup_hook_handle hook, void* data) {
  EnvState* st = static_cast<EnvState*>(data);
  st->tearingDown = true;
  st->cleanup = hook;
  std::vector<Ctx*> all(st->live.begin(), st->live.end());
  for (Ctx* c : all) {
    if (c->owner != nullptr) c->owner->Detach();
    c->owner = nullptr;
    c->cb.Reset();
    delete c->actx;
    c->actx = nullptr;
    CloseCtx(c);
  }
  if (st->closing == 0) {
    st->cleanup = nullptr;
    napi_remove_async_cleanup_hook(hook);
  }
}

// ---------------------------------------------------------------- notifications

const char* SacState(int s) {
  switch (s) {
    case SCTP_COMM_UP: return "COMM_UP";
    case SCTP_COMM_LOST: return "COMM_LOST";
    case SCTP_RESTART: return "RESTART";
    case SCTP_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
    case SCTP_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
    default: return "UNKNOWN";
  }
}

const char* PaddrState(int s) {
  switch (s) {
    case SCTP_ADDR_AVAILABLE: return "ADDR_AVAILABLE";
    case SCTP_ADDR_UNREACHABLE: return "ADDR_UNREACHABLE";
    case SCTP_ADDR_REMOVED: return "ADDR_REMOVED";
    case SCTP_ADDR_ADDED: return "ADDR_ADDED";
    case SCTP_ADDR_MADE_PRIM: return "ADDR_MADE_PRIM";
    case SCTP_ADDR_CONFIRMED: return "ADDR_CONFIRMED";
    case SCTP_ADDR_POTENTIALLY_FAILED: return "ADDR_POTENTIALLY_FAILED";
    default: return "UNKNOWN";
  }
}

const char* AuthIndication(uint32_t i) {
  switch (i) {
    case SCTP_AUTH_NEW_KEY: return "NEW_KEY";
    case SCTP_AUTH_FREE_KEY: return "FREE_KEY";
    case SCTP_AUTH_NO_AUTH: return "NO_AUTH";
    default: return "UNKNOWN";
  }
}

Napi::Value NotificationToJs(Napi::Env env, const char* buf, size_t len) {
  Napi::Object o = Napi::Object::New(env);
  if (len < 8) {
    o.Set("type", "unknown");
    return o;
  }
  const sctp_notification* n = reinterpret_cast<const sctp_notification*>(buf);
  uint16_t type = n->sn_header.sn_type;
  o.Set("rawType", type);
  switch (type) {
    case SCTP_ASSOC_CHANGE: {
      const sctp_assoc_change& a = n->sn_assoc_change;
      o.Set("type", "assoc-change");
      o.Set("state", SacState(a.sac_state));
      o.Set("error", a.sac_error);
      o.Set("outboundStreams", a.sac_outbound_streams);
      o.Set("inboundStreams", a.sac_inbound_streams);
      o.Set("assocId", a.sac_assoc_id);
      size_t infoLen = len > sizeof(sctp_assoc_change) ? len - sizeof(sctp_assoc_change) : 0;
      o.Set("info", Napi::Buffer<char>::Copy(env, buf + sizeof(sctp_assoc_change), infoLen));
      break;
    }
    case SCTP_PEER_ADDR_CHANGE: {
      const sctp_paddr_change& p = n->sn_paddr_change;
      o.Set("type", "peer-addr-change");
      o.Set("address", AddrToJs(env, reinterpret_cast<const sockaddr*>(&p.spc_aaddr)));
      o.Set("state", PaddrState(p.spc_state));
      o.Set("error", p.spc_error);
      o.Set("assocId", p.spc_assoc_id);
      break;
    }
    case SCTP_REMOTE_ERROR: {
      const sctp_remote_error& r = n->sn_remote_error;
      o.Set("type", "remote-error");
      o.Set("error", ntohs(r.sre_error));
      o.Set("assocId", r.sre_assoc_id);
      size_t dl = len > sizeof(sctp_remote_error) ? len - sizeof(sctp_remote_error) : 0;
      o.Set("data", Napi::Buffer<char>::Copy(env, buf + sizeof(sctp_remote_error), dl));
      break;
    }
    case SCTP_SEND_FAILED_EVENT: {
      const sctp_send_failed_event& f = n->sn_send_failed_event;
      o.Set("type", "send-failed");
      o.Set("unsent", (f.ssf_flags & SCTP_DATA_UNSENT) != 0);
      o.Set("error", f.ssf_error);
      o.Set("stream", f.ssfe_info.snd_sid);
      o.Set("ppid", ntohl(f.ssfe_info.snd_ppid));
      o.Set("context", f.ssfe_info.snd_context);
      o.Set("assocId", f.ssf_assoc_id);
      size_t dl = len > sizeof(sctp_send_failed_event) ? len - sizeof(sctp_send_failed_event) : 0;
      o.Set("data", Napi::Buffer<char>::Copy(env, buf + sizeof(sctp_send_failed_event), dl));
      break;
    }
    case SCTP_SEND_FAILED: {
      const sctp_send_failed& f = n->sn_send_failed;
      o.Set("type", "send-failed");
      o.Set("unsent", (f.ssf_flags & SCTP_DATA_UNSENT) != 0);
      o.Set("error", f.ssf_error);
      o.Set("stream", f.ssf_info.sinfo_stream);
      o.Set("ppid", ntohl(f.ssf_info.sinfo_ppid));
      o.Set("context", f.ssf_info.sinfo_context);
      o.Set("assocId", f.ssf_assoc_id);
      size_t dl = len > sizeof(sctp_send_failed) ? len - sizeof(sctp_send_failed) : 0;
      o.Set("data", Napi::Buffer<char>::Copy(env, buf + sizeof(sctp_send_failed), dl));
      break;
    }
    case SCTP_SHUTDOWN_EVENT:
      o.Set("type", "shutdown");
      o.Set("assocId", n->sn_shutdown_event.sse_assoc_id);
      break;
    case SCTP_ADAPTATION_INDICATION:
      o.Set("type", "adaptation-indication");
      o.Set("adaptationInd", n->sn_adaptation_event.sai_adaptation_ind);
      o.Set("assocId", n->sn_adaptation_event.sai_assoc_id);
      break;
    case SCTP_PARTIAL_DELIVERY_EVENT:
      o.Set("type", "partial-delivery");
      o.Set("indication", n->sn_pdapi_event.pdapi_indication);
      o.Set("stream", n->sn_pdapi_event.pdapi_stream);
      o.Set("seq", n->sn_pdapi_event.pdapi_seq);
      o.Set("assocId", n->sn_pdapi_event.pdapi_assoc_id);
      break;
    case SCTP_SENDER_DRY_EVENT:
      o.Set("type", "sender-dry");
      o.Set("assocId", n->sn_sender_dry_event.sender_dry_assoc_id);
      break;
    case SCTP_AUTHENTICATION_EVENT: {
      const sctp_authkey_event& a = n->sn_authkey_event;
      o.Set("type", "authentication");
      o.Set("indication", a.auth_indication);
      o.Set("indicationName", AuthIndication(a.auth_indication));
      o.Set("keyNumber", a.auth_keynumber);
      o.Set("altKeyNumber", a.auth_altkeynumber);
      o.Set("assocId", a.auth_assoc_id);
      break;
    }
    case SCTP_STREAM_RESET_EVENT: {
      const sctp_stream_reset_event& r = n->sn_strreset_event;
      o.Set("type", "stream-reset");
      o.Set("flags", r.strreset_flags);
      o.Set("incoming", (r.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) != 0);
      o.Set("outgoing", (r.strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN) != 0);
      o.Set("denied", (r.strreset_flags & SCTP_STREAM_RESET_DENIED) != 0);
      o.Set("failed", (r.strreset_flags & SCTP_STREAM_RESET_FAILED) != 0);
      o.Set("assocId", r.strreset_assoc_id);
      // The streams follow the header; none listed means all streams.
      size_t total = len < r.strreset_length ? len : r.strreset_length;
      size_t head = sizeof(sctp_stream_reset_event);
      Napi::Array streams = Napi::Array::New(env);
      uint32_t k = 0;
      for (size_t at = head; at + sizeof(uint16_t) <= total; at += sizeof(uint16_t)) {
        uint16_t sid;
        memcpy(&sid, buf + at, sizeof(sid));
        streams.Set(k++, sid);
      }
      o.Set("streams", streams);
      break;
    }
    case SCTP_ASSOC_RESET_EVENT: {
      const sctp_assoc_reset_event& r = n->sn_assocreset_event;
      if (len < sizeof(sctp_assoc_reset_event)) {
        o.Set("type", "unknown");
        break;
      }
      o.Set("type", "assoc-reset");
      o.Set("flags", r.assocreset_flags);
      o.Set("denied", (r.assocreset_flags & SCTP_ASSOC_RESET_DENIED) != 0);
      o.Set("failed", (r.assocreset_flags & SCTP_ASSOC_RESET_FAILED) != 0);
      o.Set("localTsn", r.assocreset_local_tsn);
      o.Set("remoteTsn", r.assocreset_remote_tsn);
      o.Set("assocId", r.assocreset_assoc_id);
      break;
    }
    case SCTP_STREAM_CHANGE_EVENT: {
      const sctp_stream_change_event& c = n->sn_strchange_event;
      if (len < sizeof(sctp_stream_change_event)) {
        o.Set("type", "unknown");
        break;
      }
      o.Set("type", "stream-change");
      o.Set("flags", c.strchange_flags);
      o.Set("denied", (c.strchange_flags & SCTP_STREAM_CHANGE_DENIED) != 0);
      o.Set("failed", (c.strchange_flags & SCTP_STREAM_CHANGE_FAILED) != 0);
      o.Set("inboundStreams", c.strchange_instrms);
      o.Set("outboundStreams", c.strchange_outstrms);
      o.Set("assocId", c.strchange_assoc_id);
      break;
    }
    default:
      o.Set("type", "unknown");
      break;
  }
  return o;
}

// ---------------------------------------------------------------- functions

int Int(const Napi::CallbackInfo& info, size_t i, int def = 0) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : def;
}
uint32_t U32(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Uint32Value() : 0;
}
Napi::Number Num(Napi::Env env, double v) { return Napi::Number::New(env, v); }

// socket(family 4|6, style 0=stream|1=seqpacket) -> fd | -errno
Napi::Value Socket(const Napi::CallbackInfo& info) {
  int family = Int(info, 0) == 6 ? AF_INET6 : AF_INET;
  int type = Int(info, 1) == 1 ? SOCK_SEQPACKET : SOCK_STREAM;
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
  if (fd < 0) return Num(info.Env(), Errno());
  // Receive sctp_rcvinfo with every message (stream, ppid, ssn, tsn, assoc id).
  int on = 1;
  setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
  return Num(info.Env(), fd);
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  int r = close(Int(info, 0, -1));
  return Num(info.Env(), r < 0 && errno != EINTR ? Errno() : 0);
}

// bindx(fd, hosts[], port, op 0=bind|1=add|2=remove) -> 0 | -errno
Napi::Value Bindx(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsArray()) return Num(env, -EINVAL);
  std::vector<char> packed;
  int count;
  if (!PackAddrs(info[1].As<Napi::Array>(), Int(info, 2), &packed, &count)) return Num(env, -EINVAL);
  int op = Int(info, 3);
  int r;
  if (op == 0 && count == 1) {
    r = bind(Int(info, 0, -1), reinterpret_cast<sockaddr*>(packed.data()),
             static_cast<socklen_t>(packed.size()));
  } else {
    int opt = op == 2 ? SCTP_SOCKOPT_BINDX_REM : SCTP_SOCKOPT_BINDX_ADD;
    r = setsockopt(Int(info, 0, -1), IPPROTO_SCTP, opt, packed.data(), static_cast<socklen_t>(packed.size()));
  }
  return Num(env, r < 0 ? Errno() : 0);
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  int r = listen(Int(info, 0, -1), Int(info, 1, 511));
  return Num(info.Env(), r < 0 ? Errno() : 0);
}

// connectx(fd, hosts[], port) -> assocId (>= 0, 0 when the kernel gave none) | -errno
// A non-blocking connect returns EINPROGRESS: that is success here; the
// association's COMM_UP (or writability for one-to-one) says when it is up.
Napi::Value Connectx(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsArray()) return Num(env, -EINVAL);
  std::vector<char> packed;
  int count;
  if (!PackAddrs(info[1].As<Napi::Array>(), Int(info, 2), &packed, &count)) return Num(env, -EINVAL);
  sctp_getaddrs_old param;
  param.assoc_id = 0;
  param.addr_num = static_cast<int>(packed.size());  // bytes, as libsctp passes it
  param.addrs = reinterpret_cast<sockaddr*>(packed.data());
  socklen_t len = sizeof(param);
  int fd = Int(info, 0, -1);
  int r = RETRY_EINTR(getsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX3, &param, &len));
  if (r < 0 && errno != EINPROGRESS) return Num(env, Errno());
  return Num(env, param.assoc_id);
}

// accept(fd) -> fd | -errno (-EAGAIN when nothing is waiting)
Napi::Value Accept(const Napi::CallbackInfo& info) {
  int fd = RETRY_EINTR(accept4(Int(info, 0, -1), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (fd < 0) return Num(info.Env(), Errno());
  int on = 1;
  setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
  return Num(info.Env(), fd);
}

// peeloff(fd, assocId) -> new fd | -errno
Napi::Value Peeloff(const Napi::CallbackInfo& info) {
  sctp_peeloff_flags_arg_t arg;
  memset(&arg, 0, sizeof(arg));
  arg.p_arg.associd = Int(info, 1);
  arg.flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
  socklen_t len = sizeof(arg);
  int r = getsockopt(Int(info, 0, -1), IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &arg, &len);
  if (r < 0) return Num(info.Env(), Errno());
  return Num(info.Env(), arg.p_arg.sd);
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  int r = shutdown(Int(info, 0, -1), Int(info, 1, SHUT_WR));
  return Num(info.Env(), r < 0 ? Errno() : 0);
}

// Builds the msghdr for one message. flags: SCTP_UNORDERED, SCTP_EOF,
// SCTP_ABORT, SCTP_SENDALL (sctp_sndinfo snd_flags).
struct SendSpec {
  bool hasInfo;
  sctp_sndinfo snd;
  uint16_t prPolicy;  // SCTP_PR_SCTP_NONE, _TTL, _RTX or _PRIO
  uint32_t prValue;   // ms, retransmissions or priority (0 highest)
  sockaddr_storage to;
  socklen_t tolen;
};

long DoSend(int fd, const void* data, size_t len, const SendSpec& s) {
  char ctrl[CMSG_SPACE(sizeof(sctp_sndinfo)) + CMSG_SPACE(sizeof(sctp_prinfo))];
  iovec iov = {const_cast<void*>(data), len};
  msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (s.tolen > 0) {
    mh.msg_name = const_cast<sockaddr_storage*>(&s.to);
    mh.msg_namelen = s.tolen;
  }
  size_t clen = 0;
  if (s.hasInfo || s.prPolicy != SCTP_PR_SCTP_NONE) {
    memset(ctrl, 0, sizeof(ctrl));
    mh.msg_control = ctrl;
    mh.msg_controllen = sizeof(ctrl);
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = SCTP_SNDINFO;
    c->cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
    memcpy(CMSG_DATA(c), &s.snd, sizeof(sctp_sndinfo));
    clen += CMSG_SPACE(sizeof(sctp_sndinfo));
    if (s.prPolicy != SCTP_PR_SCTP_NONE) {
      c = CMSG_NXTHDR(&mh, c);
      c->cmsg_level = IPPROTO_SCTP;
      c->cmsg_type = SCTP_PRINFO;
      c->cmsg_len = CMSG_LEN(sizeof(sctp_prinfo));
      sctp_prinfo pr;
      pr.pr_policy = s.prPolicy;
      pr.pr_value = s.prValue;
      memcpy(CMSG_DATA(c), &pr, sizeof(pr));
      clen += CMSG_SPACE(sizeof(sctp_prinfo));
    }
    mh.msg_controllen = clen;
  }
  long r = RETRY_EINTR(sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL));
  return r < 0 ? Errno() : r;
}

// Reads (hasInfo, sid, ppid, flags, context, prValue, assocId, host|null, port,
// prPolicy) starting at info[i]. Without prPolicy, a prValue > 0 is a TTL.
bool ReadSpec(const Napi::CallbackInfo& info, size_t i, SendSpec* s) {
  memset(s, 0, sizeof(*s));
  s->hasInfo = info[i].ToBoolean();
  s->snd.snd_sid = static_cast<uint16_t>(U32(info, i + 1));
  s->snd.snd_ppid = htonl(U32(info, i + 2));
  s->snd.snd_flags = static_cast<uint16_t>(U32(info, i + 3));
  s->snd.snd_context = U32(info, i + 4);
  s->prValue = U32(info, i + 5);
  if (info.Length() > i + 9 && info[i + 9].IsNumber()) {
    s->prPolicy = static_cast<uint16_t>(U32(info, i + 9));
  } else {
    s->prPolicy = s->prValue > 0 ? SCTP_PR_SCTP_TTL : SCTP_PR_SCTP_NONE;
  }
  s->snd.snd_assoc_id = Int(info, i + 6);
  if (info.Length() > i + 7 && info[i + 7].IsString()) {
    if (!ParseAddr(info[i + 7].As<Napi::String>().Utf8Value(), Int(info, i + 8), &s->to, &s->tolen)) return false;
  }
  return true;
}

// send(fd, buffer, hasInfo, sid, ppid, flags, context, prValue, assocId, host|null, port, prPolicy)
//   -> bytes sent | -errno (-EAGAIN: backpressure)
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsBuffer() && !info[1].IsTypedArray()) return Num(env, -EINVAL);
  SendSpec s;
  if (!ReadSpec(info, 2, &s)) return Num(env, -EINVAL);
  Napi::Uint8Array b = info[1].As<Napi::Uint8Array>();
  return Num(env, DoSend(Int(info, 0, -1), b.Data(), b.ByteLength(), s));
}

// sendMany(fd, buffers[], start, hasInfo, sid, ppid, flags, context, prValue, assocId, null, 0, prPolicy)
//   -> number of messages sent (>= 1) | -errno. One sendmmsg for many
// messages with the same send info and PR-SCTP policy (used by uncork()).
Napi::Value SendMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsArray()) return Num(env, -EINVAL);
  Napi::Array arr = info[1].As<Napi::Array>();
  uint32_t start = U32(info, 2);
  uint32_t total = arr.Length();
  if (start >= total) return Num(env, 0);
  SendSpec s;
  if (!ReadSpec(info, 3, &s)) return Num(env, -EINVAL);
  constexpr uint32_t kMax = 64;
  uint32_t n = total - start < kMax ? total - start : kMax;
  mmsghdr msgs[kMax];
  iovec iov[kMax];
  char ctrl[CMSG_SPACE(sizeof(sctp_sndinfo)) + CMSG_SPACE(sizeof(sctp_prinfo))];
  memset(ctrl, 0, sizeof(ctrl));
  bool withPr = s.prPolicy != SCTP_PR_SCTP_NONE;
  size_t ctrlLen = 0;
  if (s.hasInfo || withPr) {
    cmsghdr* c = reinterpret_cast<cmsghdr*>(ctrl);
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = SCTP_SNDINFO;
    c->cmsg_len = CMSG_LEN(sizeof(sctp_sndinfo));
    memcpy(CMSG_DATA(c), &s.snd, sizeof(sctp_sndinfo));
    ctrlLen = CMSG_SPACE(sizeof(sctp_sndinfo));
    if (withPr) {
      c = reinterpret_cast<cmsghdr*>(ctrl + ctrlLen);
      c->cmsg_level = IPPROTO_SCTP;
      c->cmsg_type = SCTP_PRINFO;
      c->cmsg_len = CMSG_LEN(sizeof(sctp_prinfo));
      sctp_prinfo pr;
      pr.pr_policy = s.prPolicy;
      pr.pr_value = s.prValue;
      memcpy(CMSG_DATA(c), &pr, sizeof(pr));
      ctrlLen += CMSG_SPACE(sizeof(sctp_prinfo));
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(start + i);
    if (!v.IsTypedArray()) return Num(env, -EINVAL);
    Napi::Uint8Array b = v.As<Napi::Uint8Array>();
    iov[i].iov_base = b.Data();
    iov[i].iov_len = b.ByteLength();
    memset(&msgs[i], 0, sizeof(mmsghdr));
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (ctrlLen > 0) {
      msgs[i].msg_hdr.msg_control = ctrl;
      msgs[i].msg_hdr.msg_controllen = ctrlLen;
    }
  }
  int r = RETRY_EINTR(sendmmsg(Int(info, 0, -1), msgs, n, MSG_DONTWAIT | MSG_NOSIGNAL));
  return Num(env, r < 0 ? Errno() : r);
}

// Option codes shared with src/native.ts (OPT).
enum Opt {
  O_NODELAY = 1, O_INITMSG, O_RTOINFO, O_ASSOCINFO, O_PEER_ADDR_PARAMS, O_DELAYED_SACK,
  O_DEFAULT_SNDINFO, O_DISABLE_FRAGMENTS, O_MAXSEG, O_SNDBUF, O_RCVBUF, O_REUSEPORT,
  O_AUTOCLOSE, O_EVENT, O_STATUS, O_PRIMARY_ADDR, O_RECVRCVINFO, O_ADAPTATION_LAYER,
  O_PR_SUPPORTED, O_REUSEADDR, O_SO_ERROR, O_PEER_ADDR_INFO, O_FRAGMENT_INTERLEAVE,
  O_PARTIAL_DELIVERY_POINT, O_LINGER,
  // RFC 6525 stream reconfiguration, RFC 8260 interleaving, RFC 4895 AUTH,
  // PR-SCTP policies, RFC 7829 thresholds, RFC 5061 ASCONF.
  O_ENABLE_STREAM_RESET, O_RECONFIG_SUPPORTED, O_RESET_STREAMS, O_ADD_STREAMS, O_RESET_ASSOC,
  O_INTERLEAVING_SUPPORTED, O_STREAM_SCHEDULER, O_AUTH_SUPPORTED, O_AUTH_KEY, O_AUTH_ACTIVE_KEY,
  O_AUTH_DELETE_KEY, O_AUTH_DEACTIVATE_KEY, O_AUTH_CHUNK, O_PEER_AUTH_CHUNKS, O_LOCAL_AUTH_CHUNKS,
  O_DEFAULT_PRINFO, O_PR_ASSOC_STATUS, O_PR_STREAM_STATUS, O_PEER_ADDR_THLDS, O_SET_PEER_PRIMARY_ADDR,
  O_ASCONF_SUPPORTED,
  O_COUNT
};

// The options whose value is a struct sctp_assoc_value: their kernel name.
int AssocValueName(int opt) {
  switch (opt) {
    case O_MAXSEG: return SCTP_MAXSEG;
    case O_PR_SUPPORTED: return SCTP_PR_SUPPORTED;
    case O_ENABLE_STREAM_RESET: return SCTP_ENABLE_STREAM_RESET;
    case O_RECONFIG_SUPPORTED: return SCTP_RECONFIG_SUPPORTED;
    case O_INTERLEAVING_SUPPORTED: return SCTP_INTERLEAVING_SUPPORTED;
    case O_STREAM_SCHEDULER: return SCTP_STREAM_SCHEDULER;
    case O_AUTH_SUPPORTED: return SCTP_AUTH_SUPPORTED;
    case O_ASCONF_SUPPORTED: return SCTP_ASCONF_SUPPORTED;
    default: return -1;
  }
}

// The options whose value is a struct sctp_authkeyid (a key number).
int AuthKeyIdName(int opt) {
  switch (opt) {
    case O_AUTH_ACTIVE_KEY: return SCTP_AUTH_ACTIVE_KEY;
    case O_AUTH_DELETE_KEY: return SCTP_AUTH_DELETE_KEY;
    case O_AUTH_DEACTIVATE_KEY: return SCTP_AUTH_DEACTIVATE_KEY;
    default: return -1;
  }
}

int IntOptLevelName(int opt, int* level, int* name) {
  switch (opt) {
    case O_NODELAY: *level = IPPROTO_SCTP; *name = SCTP_NODELAY; return 1;
    case O_DISABLE_FRAGMENTS: *level = IPPROTO_SCTP; *name = SCTP_DISABLE_FRAGMENTS; return 1;
    case O_SNDBUF: *level = SOL_SOCKET; *name = SO_SNDBUF; return 1;
    case O_RCVBUF: *level = SOL_SOCKET; *name = SO_RCVBUF; return 1;
    case O_REUSEPORT: *level = SOL_SOCKET; *name = SO_REUSEPORT; return 1;
    case O_REUSEADDR: *level = SOL_SOCKET; *name = SO_REUSEADDR; return 1;
    case O_AUTOCLOSE: *level = IPPROTO_SCTP; *name = SCTP_AUTOCLOSE; return 1;
    case O_RECVRCVINFO: *level = IPPROTO_SCTP; *name = SCTP_RECVRCVINFO; return 1;
    case O_SO_ERROR: *level = SOL_SOCKET; *name = SO_ERROR; return 1;
    case O_FRAGMENT_INTERLEAVE: *level = IPPROTO_SCTP; *name = SCTP_FRAGMENT_INTERLEAVE; return 1;
    case O_PARTIAL_DELIVERY_POINT: *level = IPPROTO_SCTP; *name = SCTP_PARTIAL_DELIVERY_POINT; return 1;
    default: return 0;
  }
}

double NumAt(const Napi::Array& a, uint32_t i) {
  Napi::Value v = a.Get(i);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0;
}

// setOpt(fd, opt, assocId, values number[], host|null, port) -> 0 | -errno
Napi::Value SetOpt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = Int(info, 0, -1);
  int opt = Int(info, 1);
  int assoc = Int(info, 2);
  if (!info[3].IsArray()) return Num(env, -EINVAL);
  Napi::Array v = info[3].As<Napi::Array>();
  sockaddr_storage addr;
  socklen_t alen = 0;
  memset(&addr, 0, sizeof(addr));
  if (info.Length() > 4 && info[4].IsString()) {
    if (!ParseAddr(info[4].As<Napi::String>().Utf8Value(), Int(info, 5), &addr, &alen)) return Num(env, -EINVAL);
  }
  int level, name, r;
  if (IntOptLevelName(opt, &level, &name)) {
    int x = static_cast<int>(NumAt(v, 0));
    r = setsockopt(fd, level, name, &x, sizeof(x));
    return Num(env, r < 0 ? Errno() : 0);
  }
  switch (opt) {
    case O_INITMSG: {
      sctp_initmsg m;
      memset(&m, 0, sizeof(m));
      m.sinit_num_ostreams = static_cast<uint16_t>(NumAt(v, 0));
      m.sinit_max_instreams = static_cast<uint16_t>(NumAt(v, 1));
      m.sinit_max_attempts = static_cast<uint16_t>(NumAt(v, 2));
      m.sinit_max_init_timeo = static_cast<uint16_t>(NumAt(v, 3));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &m, sizeof(m));
      break;
    }
    case O_RTOINFO: {
      sctp_rtoinfo m;
      m.srto_assoc_id = assoc;
      m.srto_initial = static_cast<uint32_t>(NumAt(v, 0));
      m.srto_max = static_cast<uint32_t>(NumAt(v, 1));
      m.srto_min = static_cast<uint32_t>(NumAt(v, 2));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &m, sizeof(m));
      break;
    }
    case O_ASSOCINFO: {
      sctp_assocparams m;
      memset(&m, 0, sizeof(m));
      m.sasoc_assoc_id = assoc;
      m.sasoc_asocmaxrxt = static_cast<uint16_t>(NumAt(v, 0));
      m.sasoc_cookie_life = static_cast<uint32_t>(NumAt(v, 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_ASSOCINFO, &m, sizeof(m));
      break;
    }
    case O_PEER_ADDR_PARAMS: {
      sctp_paddrparams m;
      memset(&m, 0, sizeof(m));
      m.spp_assoc_id = assoc;
      if (alen > 0) memcpy(&m.spp_address, &addr, alen);
      m.spp_hbinterval = static_cast<uint32_t>(NumAt(v, 0));
      m.spp_pathmaxrxt = static_cast<uint16_t>(NumAt(v, 1));
      m.spp_pathmtu = static_cast<uint32_t>(NumAt(v, 2));
      m.spp_sackdelay = static_cast<uint32_t>(NumAt(v, 3));
      m.spp_flags = static_cast<uint32_t>(NumAt(v, 4));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &m, sizeof(m));
      break;
    }
    case O_DELAYED_SACK: {
      sctp_sack_info m;
      m.sack_assoc_id = assoc;
      m.sack_delay = static_cast<uint32_t>(NumAt(v, 0));
      m.sack_freq = static_cast<uint32_t>(NumAt(v, 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_DELAYED_SACK, &m, sizeof(m));
      break;
    }
    case O_DEFAULT_SNDINFO: {
      sctp_sndinfo m;
      memset(&m, 0, sizeof(m));
      m.snd_sid = static_cast<uint16_t>(NumAt(v, 0));
      m.snd_flags = static_cast<uint16_t>(NumAt(v, 1));
      m.snd_ppid = htonl(static_cast<uint32_t>(NumAt(v, 2)));
      m.snd_context = static_cast<uint32_t>(NumAt(v, 3));
      m.snd_assoc_id = assoc;
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &m, sizeof(m));
      break;
    }
    case O_MAXSEG:
    case O_PR_SUPPORTED:
    case O_ENABLE_STREAM_RESET:
    case O_RECONFIG_SUPPORTED:
    case O_INTERLEAVING_SUPPORTED:
    case O_STREAM_SCHEDULER:
    case O_AUTH_SUPPORTED:
    case O_ASCONF_SUPPORTED: {
      sctp_assoc_value m;
      m.assoc_id = assoc;
      m.assoc_value = static_cast<uint32_t>(NumAt(v, 0));
      r = setsockopt(fd, IPPROTO_SCTP, AssocValueName(opt), &m, sizeof(m));
      break;
    }
    case O_RESET_STREAMS: {
      // values: [flags, stream...]; no stream listed = every stream.
      uint32_t n = v.Length() > 0 ? v.Length() - 1 : 0;
      if (n > 65535) return Num(env, -EINVAL);
      std::vector<char> b(sizeof(sctp_reset_streams) + n * sizeof(uint16_t));
      sctp_reset_streams* m = reinterpret_cast<sctp_reset_streams*>(b.data());
      m->srs_assoc_id = assoc;
      m->srs_flags = static_cast<uint16_t>(NumAt(v, 0));
      m->srs_number_streams = static_cast<uint16_t>(n);
      for (uint32_t i = 0; i < n; i++) m->srs_stream_list[i] = static_cast<uint16_t>(NumAt(v, i + 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_RESET_STREAMS, b.data(), static_cast<socklen_t>(b.size()));
      break;
    }
    case O_ADD_STREAMS: {
      sctp_add_streams m;
      memset(&m, 0, sizeof(m));
      m.sas_assoc_id = assoc;
      m.sas_instrms = static_cast<uint16_t>(NumAt(v, 0));
      m.sas_outstrms = static_cast<uint16_t>(NumAt(v, 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_ADD_STREAMS, &m, sizeof(m));
      break;
    }
    case O_RESET_ASSOC: {
      sctp_assoc_t m = assoc;
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_RESET_ASSOC, &m, sizeof(m));
      break;
    }
    case O_AUTH_KEY: {
      // values: [keyNumber, byte...]
      uint32_t n = v.Length() > 0 ? v.Length() - 1 : 0;
      if (n > 65535) return Num(env, -EINVAL);
      std::vector<char> b(sizeof(sctp_authkey) + n);
      sctp_authkey* m = reinterpret_cast<sctp_authkey*>(b.data());
      m->sca_assoc_id = assoc;
      m->sca_keynumber = static_cast<uint16_t>(NumAt(v, 0));
      m->sca_keylength = static_cast<uint16_t>(n);
      for (uint32_t i = 0; i < n; i++) m->sca_key[i] = static_cast<uint8_t>(NumAt(v, i + 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_AUTH_KEY, b.data(), static_cast<socklen_t>(b.size()));
      // The secret is not left in freed memory.
      volatile char* wipe = b.data();
      for (size_t i = 0; i < b.size(); i++) wipe[i] = 0;
      break;
    }
    case O_AUTH_ACTIVE_KEY:
    case O_AUTH_DELETE_KEY:
    case O_AUTH_DEACTIVATE_KEY: {
      sctp_authkeyid m;
      memset(&m, 0, sizeof(m));
      m.scact_assoc_id = assoc;
      m.scact_keynumber = static_cast<uint16_t>(NumAt(v, 0));
      r = setsockopt(fd, IPPROTO_SCTP, AuthKeyIdName(opt), &m, sizeof(m));
      break;
    }
    case O_AUTH_CHUNK: {
      sctp_authchunk m;
      m.sauth_chunk = static_cast<uint8_t>(NumAt(v, 0));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_AUTH_CHUNK, &m, sizeof(m));
      break;
    }
    case O_DEFAULT_PRINFO: {
      sctp_default_prinfo m;
      memset(&m, 0, sizeof(m));
      m.pr_assoc_id = assoc;
      m.pr_policy = static_cast<uint16_t>(NumAt(v, 0));
      m.pr_value = static_cast<uint32_t>(NumAt(v, 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &m, sizeof(m));
      break;
    }
    case O_PEER_ADDR_THLDS: {
      // values: [pathMaxRetrans, pfThreshold, psThreshold]; every path when no address.
      sctp_paddrthlds_v2 m;
      memset(&m, 0, sizeof(m));
      m.spt_assoc_id = assoc;
      if (alen > 0) memcpy(&m.spt_address, &addr, alen);
      m.spt_pathmaxrxt = static_cast<uint16_t>(NumAt(v, 0));
      m.spt_pathpfthld = static_cast<uint16_t>(NumAt(v, 1));
      m.spt_pathcpthld = static_cast<uint16_t>(NumAt(v, 2));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &m, sizeof(m));
      break;
    }
    case O_SET_PEER_PRIMARY_ADDR: {
      sctp_setpeerprim m;
      memset(&m, 0, sizeof(m));
      m.sspp_assoc_id = assoc;
      if (alen == 0) return Num(env, -EINVAL);
      memcpy(&m.sspp_addr, &addr, alen);
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &m, sizeof(m));
      break;
    }
    case O_EVENT: {
      sctp_event m;
      memset(&m, 0, sizeof(m));
      m.se_assoc_id = assoc;
      m.se_type = static_cast<uint16_t>(NumAt(v, 0));
      m.se_on = static_cast<uint8_t>(NumAt(v, 1));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &m, sizeof(m));
      break;
    }
    case O_PRIMARY_ADDR: {
      sctp_prim m;
      memset(&m, 0, sizeof(m));
      m.ssp_assoc_id = assoc;
      if (alen == 0) return Num(env, -EINVAL);
      memcpy(&m.ssp_addr, &addr, alen);
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &m, sizeof(m));
      break;
    }
    case O_LINGER: {
      linger m;
      m.l_onoff = static_cast<int>(NumAt(v, 0));
      m.l_linger = static_cast<int>(NumAt(v, 1));
      r = setsockopt(fd, SOL_SOCKET, SO_LINGER, &m, sizeof(m));
      break;
    }
    case O_ADAPTATION_LAYER: {
      sctp_setadaptation m;
      m.ssb_adaptation_ind = static_cast<uint32_t>(NumAt(v, 0));
      r = setsockopt(fd, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &m, sizeof(m));
      break;
    }
    default:
      return Num(env, -ENOPROTOOPT);
  }
  return Num(env, r < 0 ? Errno() : 0);
}

Napi::Object PaddrInfoToJs(Napi::Env env, const sctp_paddrinfo& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("assocId", p.spinfo_assoc_id);
  o.Set("address", AddrToJs(env, reinterpret_cast<const sockaddr*>(&p.spinfo_address)));
  o.Set("state", p.spinfo_state);
  o.Set("cwnd", p.spinfo_cwnd);
  o.Set("srtt", p.spinfo_srtt);
  o.Set("rto", p.spinfo_rto);
  o.Set("mtu", p.spinfo_mtu);
  return o;
}

// getOpt(fd, opt, assocId, host|null, port) -> number | object | -errno
Napi::Value GetOpt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = Int(info, 0, -1);
  int opt = Int(info, 1);
  int assoc = Int(info, 2);
  sockaddr_storage addr;
  socklen_t alen = 0;
  memset(&addr, 0, sizeof(addr));
  if (info.Length() > 3 && info[3].IsString()) {
    if (!ParseAddr(info[3].As<Napi::String>().Utf8Value(), Int(info, 4), &addr, &alen)) return Num(env, -EINVAL);
  }
  int level, name, r;
  if (IntOptLevelName(opt, &level, &name)) {
    int x = 0;
    socklen_t l = sizeof(x);
    r = getsockopt(fd, level, name, &x, &l);
    return r < 0 ? Num(env, Errno()) : Num(env, x);
  }
  Napi::Object o = Napi::Object::New(env);
  switch (opt) {
    case O_INITMSG: {
      sctp_initmsg m;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &m, &l) < 0) return Num(env, Errno());
      o.Set("numOstreams", m.sinit_num_ostreams);
      o.Set("maxInstreams", m.sinit_max_instreams);
      o.Set("maxAttempts", m.sinit_max_attempts);
      o.Set("maxInitTimeo", m.sinit_max_init_timeo);
      return o;
    }
    case O_RTOINFO: {
      sctp_rtoinfo m;
      memset(&m, 0, sizeof(m));
      m.srto_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &m, &l) < 0) return Num(env, Errno());
      o.Set("initial", m.srto_initial);
      o.Set("max", m.srto_max);
      o.Set("min", m.srto_min);
      return o;
    }
    case O_ASSOCINFO: {
      sctp_assocparams m;
      memset(&m, 0, sizeof(m));
      m.sasoc_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_ASSOCINFO, &m, &l) < 0) return Num(env, Errno());
      o.Set("maxRetrans", m.sasoc_asocmaxrxt);
      o.Set("numberPeerDestinations", m.sasoc_number_peer_destinations);
      o.Set("peerRwnd", m.sasoc_peer_rwnd);
      o.Set("localRwnd", m.sasoc_local_rwnd);
      o.Set("cookieLife", m.sasoc_cookie_life);
      return o;
    }
    case O_PEER_ADDR_PARAMS: {
      sctp_paddrparams m;
      memset(&m, 0, sizeof(m));
      m.spp_assoc_id = assoc;
      if (alen > 0) memcpy(&m.spp_address, &addr, alen);
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &m, &l) < 0) return Num(env, Errno());
      o.Set("hbInterval", m.spp_hbinterval);
      o.Set("pathMaxRetrans", m.spp_pathmaxrxt);
      o.Set("pathMtu", m.spp_pathmtu);
      o.Set("sackDelay", m.spp_sackdelay);
      o.Set("flags", m.spp_flags);
      return o;
    }
    case O_DELAYED_SACK: {
      sctp_sack_info m;
      memset(&m, 0, sizeof(m));
      m.sack_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_DELAYED_SACK, &m, &l) < 0) return Num(env, Errno());
      o.Set("delay", m.sack_delay);
      o.Set("freq", m.sack_freq);
      return o;
    }
    case O_DEFAULT_SNDINFO: {
      sctp_sndinfo m;
      memset(&m, 0, sizeof(m));
      m.snd_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &m, &l) < 0) return Num(env, Errno());
      o.Set("stream", m.snd_sid);
      o.Set("flags", m.snd_flags);
      o.Set("ppid", ntohl(m.snd_ppid));
      o.Set("context", m.snd_context);
      return o;
    }
    case O_MAXSEG:
    case O_PR_SUPPORTED:
    case O_ENABLE_STREAM_RESET:
    case O_RECONFIG_SUPPORTED:
    case O_INTERLEAVING_SUPPORTED:
    case O_STREAM_SCHEDULER:
    case O_AUTH_SUPPORTED:
    case O_ASCONF_SUPPORTED: {
      sctp_assoc_value m;
      m.assoc_id = assoc;
      m.assoc_value = 0;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, AssocValueName(opt), &m, &l) < 0) return Num(env, Errno());
      return Num(env, m.assoc_value);
    }
    case O_AUTH_ACTIVE_KEY: {
      sctp_authkeyid m;
      memset(&m, 0, sizeof(m));
      m.scact_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_AUTH_ACTIVE_KEY, &m, &l) < 0) return Num(env, Errno());
      return Num(env, m.scact_keynumber);
    }
    case O_PEER_AUTH_CHUNKS:
    case O_LOCAL_AUTH_CHUNKS: {
      // At most 256 chunk types (one byte each).
      std::vector<char> b(sizeof(sctp_authchunks) + 256);
      sctp_authchunks* m = reinterpret_cast<sctp_authchunks*>(b.data());
      m->gauth_assoc_id = assoc;
      socklen_t l = static_cast<socklen_t>(b.size());
      if (getsockopt(fd, IPPROTO_SCTP, opt == O_PEER_AUTH_CHUNKS ? SCTP_PEER_AUTH_CHUNKS : SCTP_LOCAL_AUTH_CHUNKS, m, &l) < 0)
        return Num(env, Errno());
      Napi::Array a = Napi::Array::New(env);
      uint32_t n = m->gauth_number_of_chunks;
      size_t room = l > sizeof(sctp_authchunks) ? l - sizeof(sctp_authchunks) : 0;
      for (uint32_t i = 0; i < n && i < room; i++) a.Set(i, m->gauth_chunks[i]);
      return a;
    }
    case O_DEFAULT_PRINFO: {
      sctp_default_prinfo m;
      memset(&m, 0, sizeof(m));
      m.pr_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &m, &l) < 0) return Num(env, Errno());
      o.Set("policy", m.pr_policy);
      o.Set("value", m.pr_value);
      return o;
    }
    case O_PR_ASSOC_STATUS:
    case O_PR_STREAM_STATUS: {
      // info[5]: policy (SCTP_PR_SCTP_TTL/_RTX/_PRIO or SCTP_PR_SCTP_ALL), info[6]: stream.
      sctp_prstatus m;
      memset(&m, 0, sizeof(m));
      m.sprstat_assoc_id = assoc;
      m.sprstat_policy = static_cast<uint16_t>(Int(info, 5));
      m.sprstat_sid = static_cast<uint16_t>(Int(info, 6));
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, opt == O_PR_ASSOC_STATUS ? SCTP_PR_ASSOC_STATUS : SCTP_PR_STREAM_STATUS, &m, &l) < 0)
        return Num(env, Errno());
      o.Set("abandonedUnsent", static_cast<double>(m.sprstat_abandoned_unsent));
      o.Set("abandonedSent", static_cast<double>(m.sprstat_abandoned_sent));
      return o;
    }
    case O_PEER_ADDR_THLDS: {
      sctp_paddrthlds_v2 m;
      memset(&m, 0, sizeof(m));
      m.spt_assoc_id = assoc;
      if (alen > 0) memcpy(&m.spt_address, &addr, alen);
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &m, &l) < 0) return Num(env, Errno());
      o.Set("pathMaxRetrans", m.spt_pathmaxrxt);
      o.Set("pfThreshold", m.spt_pathpfthld);
      o.Set("psThreshold", m.spt_pathcpthld);
      return o;
    }
    case O_EVENT: {
      sctp_event m;
      memset(&m, 0, sizeof(m));
      m.se_assoc_id = assoc;
      m.se_type = static_cast<uint16_t>(info.Length() > 5 ? Int(info, 5) : 0);
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &m, &l) < 0) return Num(env, Errno());
      return Num(env, m.se_on);
    }
    case O_STATUS: {
      sctp_status m;
      memset(&m, 0, sizeof(m));
      m.sstat_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &m, &l) < 0) return Num(env, Errno());
      o.Set("assocId", m.sstat_assoc_id);
      o.Set("state", m.sstat_state);
      o.Set("rwnd", m.sstat_rwnd);
      o.Set("unackData", m.sstat_unackdata);
      o.Set("pendingData", m.sstat_penddata);
      o.Set("inboundStreams", m.sstat_instrms);
      o.Set("outboundStreams", m.sstat_outstrms);
      o.Set("fragmentationPoint", m.sstat_fragmentation_point);
      o.Set("primary", PaddrInfoToJs(env, m.sstat_primary));
      return o;
    }
    case O_PEER_ADDR_INFO: {
      sctp_paddrinfo m;
      memset(&m, 0, sizeof(m));
      m.spinfo_assoc_id = assoc;
      if (alen == 0) return Num(env, -EINVAL);
      memcpy(&m.spinfo_address, &addr, alen);
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &m, &l) < 0) return Num(env, Errno());
      return PaddrInfoToJs(env, m);
    }
    case O_PRIMARY_ADDR: {
      sctp_prim m;
      memset(&m, 0, sizeof(m));
      m.ssp_assoc_id = assoc;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &m, &l) < 0) return Num(env, Errno());
      return AddrToJs(env, reinterpret_cast<const sockaddr*>(&m.ssp_addr));
    }
    case O_ADAPTATION_LAYER: {
      sctp_setadaptation m;
      socklen_t l = sizeof(m);
      if (getsockopt(fd, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &m, &l) < 0) return Num(env, Errno());
      return Num(env, m.ssb_adaptation_ind);
    }
    default:
      return Num(env, -ENOPROTOOPT);
  }
}

// getAddrs(fd, assocId, peer) -> [{address, port, family[, scopeId]}] | -errno
// The kernel has no call that gives the count first: it fails with ENOMEM
// when the buffer is too small, so the buffer grows until the list fits
// (64 addresses first, up to 1 << 20).
Napi::Value GetAddrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = Int(info, 0, -1);
  int name = info[2].ToBoolean() ? SCTP_GET_PEER_ADDRS : SCTP_GET_LOCAL_ADDRS;
  std::vector<char> buf;
  socklen_t l = 0;
  for (size_t room = 64;; room *= 4) {
    buf.assign(sizeof(sctp_getaddrs) + room * sizeof(sockaddr_in6), 0);
    sctp_getaddrs* g = reinterpret_cast<sctp_getaddrs*>(buf.data());
    g->assoc_id = Int(info, 1);
    g->addr_num = 0;
    l = static_cast<socklen_t>(buf.size());
    if (getsockopt(fd, IPPROTO_SCTP, name, g, &l) == 0) break;
    if (errno != ENOMEM || room >= (1u << 20)) return Num(env, Errno());
  }
  const sctp_getaddrs* g = reinterpret_cast<const sctp_getaddrs*>(buf.data());
  Napi::Array out = Napi::Array::New(env);
  // The kernel gives back in l the bytes of the addresses alone (without the
  // sctp_getaddrs header).
  const char* p = reinterpret_cast<const char*>(g->addrs);
  const char* bufEnd = buf.data() + buf.size();
  const char* end = p + l < bufEnd ? p + l : bufEnd;
  for (uint32_t i = 0; i < g->addr_num && p < end; i++) {
    const sockaddr* sa = reinterpret_cast<const sockaddr*>(p);
    size_t step = sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (p + step > end) break;
    out.Set(i, AddrToJs(env, sa));
    p += step;
  }
  return out;
}

// sockName / peerName of the first address (one-to-one convenience).
Napi::Value SocketInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = Int(info, 0, -1);
  int type = 0, proto = 0, acc = 0, domain = 0;
  socklen_t l = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0) return Num(env, Errno());
  l = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l) < 0) return Num(env, Errno());
  l = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0) return Num(env, Errno());
  l = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0) return Num(env, Errno());
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", type == SOCK_STREAM ? "stream" : type == SOCK_SEQPACKET ? "seqpacket" : "other");
  o.Set("sctp", proto == IPPROTO_SCTP);
  o.Set("listening", acc != 0);
  o.Set("family", domain == AF_INET6 ? 6 : domain == AF_INET ? 4 : domain == AF_UNIX ? 1 : 0);
  return o;
}

// adoptFd(fd) -> 0 | -errno: non-blocking, close-on-exec, rcvinfo on.
Napi::Value AdoptFd(const Napi::CallbackInfo& info) {
  int fd = Int(info, 0, -1);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return Num(info.Env(), Errno());
  int fdfl = fcntl(fd, F_GETFD);
  if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) return Num(info.Env(), Errno());
  int on = 1;
  setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
  return Num(info.Env(), 0);
}

// ---------------------------------------------------------------- unix sockets (fd passing)

// unixPair() -> [fd, fd] | -errno. Both ends close-on-exec and non-blocking;
// hand one to a child through spawn's stdio (the child gets a dup without
// close-on-exec).
Napi::Value UnixPair(const Napi::CallbackInfo& info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) return Num(info.Env(), Errno());
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, sv[0]);
  a.Set(1u, sv[1]);
  return a;
}

bool UnixAddr(const std::string& path, sockaddr_un* sun) {
  memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  if (path.size() >= sizeof(sun->sun_path)) return false;
  memcpy(sun->sun_path, path.data(), path.size());
  return true;
}

// unixListen(path, backlog) -> fd | -errno
Napi::Value UnixListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_un sun;
  if (!info[0].IsString() || !UnixAddr(info[0].As<Napi::String>().Utf8Value(), &sun)) return Num(env, -ENAMETOOLONG);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Num(env, Errno());
  if (bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) < 0 || listen(fd, Int(info, 1, 16)) < 0) {
    int e = Errno();
    close(fd);
    return Num(env, e);
  }
  return Num(env, fd);
}

// unixConnect(path) -> fd | -errno (connects at once on AF_UNIX)
Napi::Value UnixConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_un sun;
  if (!info[0].IsString() || !UnixAddr(info[0].As<Napi::String>().Utf8Value(), &sun)) return Num(env, -ENAMETOOLONG);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Num(env, Errno());
  if (RETRY_EINTR(connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun))) < 0) {
    int e = Errno();
    close(fd);
    return Num(env, e);
  }
  return Num(env, fd);
}

// unixAccept(fd) -> fd | -errno
Napi::Value UnixAccept(const Napi::CallbackInfo& info) {
  int fd = RETRY_EINTR(accept4(Int(info, 0, -1), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  return Num(info.Env(), fd < 0 ? Errno() : fd);
}

// sendFds(unixFd, data Buffer (>= 1 byte), fds number[]) -> bytes | -errno
Napi::Value SendFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsTypedArray() || !info[2].IsArray()) return Num(env, -EINVAL);
  Napi::Uint8Array b = info[1].As<Napi::Uint8Array>();
  Napi::Array a = info[2].As<Napi::Array>();
  uint32_t n = a.Length();
  if (n > 64 || b.ByteLength() == 0) return Num(env, -EINVAL);
  std::vector<int> fds(n);
  for (uint32_t i = 0; i < n; i++) fds[i] = static_cast<int>(NumAt(a, i));
  std::vector<char> ctrl(CMSG_SPACE(sizeof(int) * (n ? n : 1)));
  iovec iov = {b.Data(), b.ByteLength()};
  msghdr mh;
  memset(&mh, 0, sizeof(mh));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (n > 0) {
    mh.msg_control = ctrl.data();
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * n);
  }
  long r = RETRY_EINTR(sendmsg(Int(info, 0, -1), &mh, MSG_DONTWAIT | MSG_NOSIGNAL));
  return Num(env, r < 0 ? Errno() : r);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Freed with the environment, after the cleanup hook let every close finish.
  EnvState* st = new EnvState();
  napi_set_instance_data(
      env, st, [](napi_env, void* data, void*) { delete static_cast<EnvState*>(data); }, nullptr);
  napi_add_async_cleanup_hook(env, EnvCleanup, st, nullptr);
  exports.Set("Handle", Handle::Init(env));
  exports.Set("socket", Napi::Function::New(env, Socket));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("bindx", Napi::Function::New(env, Bindx));
  exports.Set("listen", Napi::Function::New(env, Listen));
  exports.Set("connectx", Napi::Function::New(env, Connectx));
  exports.Set("accept", Napi::Function::New(env, Accept));
  exports.Set("peeloff", Napi::Function::New(env, Peeloff));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown));
  exports.Set("send", Napi::Function::New(env, Send));
  exports.Set("sendMany", Napi::Function::New(env, SendMany));
  exports.Set("setOpt", Napi::Function::New(env, SetOpt));
  exports.Set("getOpt", Napi::Function::New(env, GetOpt));
  exports.Set("getAddrs", Napi::Function::New(env, GetAddrs));
  exports.Set("socketInfo", Napi::Function::New(env, SocketInfo));
  exports.Set("adoptFd", Napi::Function::New(env, AdoptFd));
  exports.Set("unixPair", Napi::Function::New(env, UnixPair));
  exports.Set("unixListen", Napi::Function::New(env, UnixListen));
  exports.Set("unixConnect", Napi::Function::New(env, UnixConnect));
  exports.Set("unixAccept", Napi::Function::New(env, UnixAccept));
  exports.Set("sendFds", Napi::Function::New(env, SendFds));
  Napi::Object c = Napi::Object::New(env);
  c.Set("EAGAIN", static_cast<int>(EAGAIN));
  c.Set("EINPROGRESS", static_cast<int>(EINPROGRESS));
  c.Set("SCTP_UNORDERED", static_cast<int>(SCTP_UNORDERED));
  c.Set("SCTP_EOF", static_cast<int>(SCTP_EOF));
  c.Set("SCTP_ABORT", static_cast<int>(SCTP_ABORT));
  c.Set("SCTP_SENDALL", static_cast<int>(SCTP_SENDALL));
  c.Set("SCTP_ASSOC_CHANGE", static_cast<int>(SCTP_ASSOC_CHANGE));
  c.Set("SCTP_PEER_ADDR_CHANGE", static_cast<int>(SCTP_PEER_ADDR_CHANGE));
  c.Set("SCTP_REMOTE_ERROR", static_cast<int>(SCTP_REMOTE_ERROR));
  c.Set("SCTP_SEND_FAILED_EVENT", static_cast<int>(SCTP_SEND_FAILED_EVENT));
  c.Set("SCTP_SHUTDOWN_EVENT", static_cast<int>(SCTP_SHUTDOWN_EVENT));
  c.Set("SCTP_SENDER_DRY_EVENT", static_cast<int>(SCTP_SENDER_DRY_EVENT));
  c.Set("SCTP_PARTIAL_DELIVERY_EVENT", static_cast<int>(SCTP_PARTIAL_DELIVERY_EVENT));
  c.Set("SCTP_ADAPTATION_INDICATION", static_cast<int>(SCTP_ADAPTATION_INDICATION));
  c.Set("SCTP_AUTHENTICATION_EVENT", static_cast<int>(SCTP_AUTHENTICATION_EVENT));
  c.Set("SPP_HB_ENABLE", static_cast<int>(SPP_HB_ENABLE));
  c.Set("SPP_HB_DISABLE", static_cast<int>(SPP_HB_DISABLE));
  c.Set("SPP_PMTUD_ENABLE", static_cast<int>(SPP_PMTUD_ENABLE));
  c.Set("SPP_PMTUD_DISABLE", static_cast<int>(SPP_PMTUD_DISABLE));
  c.Set("SPP_SACKDELAY_ENABLE", static_cast<int>(SPP_SACKDELAY_ENABLE));
  c.Set("SPP_SACKDELAY_DISABLE", static_cast<int>(SPP_SACKDELAY_DISABLE));
  c.Set("SCTP_UNORDERED_RCV", static_cast<int>(SCTP_UNORDERED));
  c.Set("MSG_NOTIFICATION", static_cast<int>(MSG_NOTIFICATION));
  c.Set("MSG_EOR", static_cast<int>(MSG_EOR));
  c.Set("SCTP_FUTURE_ASSOC", static_cast<int>(SCTP_FUTURE_ASSOC));
  c.Set("SCTP_CURRENT_ASSOC", static_cast<int>(SCTP_CURRENT_ASSOC));
  c.Set("SCTP_ALL_ASSOC", static_cast<int>(SCTP_ALL_ASSOC));
  c.Set("SCTP_STREAM_RESET_EVENT", static_cast<int>(SCTP_STREAM_RESET_EVENT));
  c.Set("SCTP_ASSOC_RESET_EVENT", static_cast<int>(SCTP_ASSOC_RESET_EVENT));
  c.Set("SCTP_STREAM_CHANGE_EVENT", static_cast<int>(SCTP_STREAM_CHANGE_EVENT));
  c.Set("SCTP_ENABLE_RESET_STREAM_REQ", static_cast<int>(SCTP_ENABLE_RESET_STREAM_REQ));
  c.Set("SCTP_ENABLE_RESET_ASSOC_REQ", static_cast<int>(SCTP_ENABLE_RESET_ASSOC_REQ));
  c.Set("SCTP_ENABLE_CHANGE_ASSOC_REQ", static_cast<int>(SCTP_ENABLE_CHANGE_ASSOC_REQ));
  c.Set("SCTP_STREAM_RESET_INCOMING", static_cast<int>(SCTP_STREAM_RESET_INCOMING));
  c.Set("SCTP_STREAM_RESET_OUTGOING", static_cast<int>(SCTP_STREAM_RESET_OUTGOING));
  c.Set("SCTP_PR_SCTP_NONE", static_cast<int>(SCTP_PR_SCTP_NONE));
  c.Set("SCTP_PR_SCTP_TTL", static_cast<int>(SCTP_PR_SCTP_TTL));
  c.Set("SCTP_PR_SCTP_RTX", static_cast<int>(SCTP_PR_SCTP_RTX));
  c.Set("SCTP_PR_SCTP_PRIO", static_cast<int>(SCTP_PR_SCTP_PRIO));
  c.Set("SCTP_PR_SCTP_ALL", static_cast<int>(SCTP_PR_SCTP_ALL));
  c.Set("SCTP_SS_FCFS", static_cast<int>(SCTP_SS_FCFS));
  c.Set("SCTP_SS_PRIO", static_cast<int>(SCTP_SS_PRIO));
  c.Set("SCTP_SS_RR", static_cast<int>(SCTP_SS_RR));
  c.Set("SCTP_AUTH_NEW_KEY", static_cast<int>(SCTP_AUTH_NEW_KEY));
  c.Set("SCTP_AUTH_FREE_KEY", static_cast<int>(SCTP_AUTH_FREE_KEY));
  c.Set("SCTP_AUTH_NO_AUTH", static_cast<int>(SCTP_AUTH_NO_AUTH));
  exports.Set("constants", c);
  // The option codes of setOpt/getOpt (enum Opt), by name: src/native.ts's OPT
  // must match them (a host test checks it).
  Napi::Object oc = Napi::Object::New(env);
  const char* names[] = {
    "NODELAY", "INITMSG", "RTOINFO", "ASSOCINFO", "PEER_ADDR_PARAMS", "DELAYED_SACK", "DEFAULT_SNDINFO",
    "DISABLE_FRAGMENTS", "MAXSEG", "SNDBUF", "RCVBUF", "REUSEPORT", "AUTOCLOSE", "EVENT", "STATUS", "PRIMARY_ADDR",
    "RECVRCVINFO", "ADAPTATION_LAYER", "PR_SUPPORTED", "REUSEADDR", "SO_ERROR", "PEER_ADDR_INFO",
    "FRAGMENT_INTERLEAVE", "PARTIAL_DELIVERY_POINT", "LINGER", "ENABLE_STREAM_RESET", "RECONFIG_SUPPORTED",
    "RESET_STREAMS", "ADD_STREAMS", "RESET_ASSOC", "INTERLEAVING_SUPPORTED", "STREAM_SCHEDULER", "AUTH_SUPPORTED",
    "AUTH_KEY", "AUTH_ACTIVE_KEY", "AUTH_DELETE_KEY", "AUTH_DEACTIVATE_KEY", "AUTH_CHUNK", "PEER_AUTH_CHUNKS",
    "LOCAL_AUTH_CHUNKS", "DEFAULT_PRINFO", "PR_ASSOC_STATUS", "PR_STREAM_STATUS", "PEER_ADDR_THLDS",
    "SET_PEER_PRIMARY_ADDR", "ASCONF_SUPPORTED",
  };
  static_assert(sizeof(names) / sizeof(names[0]) == O_COUNT - 1, "one name per option code");
  for (int i = O_NODELAY; i < O_COUNT; i++) oc.Set(names[i - 1], i);
  exports.Set("opt", oc);
  return exports;
}

}  // namespace

NODE_API_MODULE(shoal_sctp, Init)
