// Shoal systemd addon: the two things Node cannot do itself for systemd.
//  - notify(): send one datagram to $NOTIFY_SOCKET (AF_UNIX SOCK_DGRAM, which
//    node:dgram does not offer), abstract addresses included ('@' prefix).
//  - socketInfo()/setCloexec(): look at a descriptor systemd passed (LISTEN_FDS)
//    before anything uses it, and keep it from leaking into child processes.
//
// Rules (DESIGN.md section 7): every function returns a value >= 0 (or an
// object) on success and -errno on failure, never throws on a failed system
// call; arguments are validated in TypeScript, the checks here only guard
// memory safety. EINTR is retried; sockets are non-blocking and close-on-exec.

#include <napi.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace {

template <typename F>
long RetryEintr(F call) {
  long r;
  do {
    r = static_cast<long>(call());
  } while (r == -1 && errno == EINTR);
  return r;
}

// notify(path: string, message: Buffer): bytes sent or -errno.
// A path starting with '@' names an abstract socket (first byte NUL, no terminator).
Napi::Value Notify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsBuffer()) return Napi::Number::New(env, -EINVAL);
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Buffer<char> message = info[1].As<Napi::Buffer<char>>();

  sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return Napi::Number::New(env, -EINVAL);
  memcpy(addr.sun_path, path.data(), path.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') {
    addr.sun_path[0] = '\0';
  } else {
    length += 1;  // the terminating NUL of a path
  }

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Napi::Number::New(env, -errno);
  long sent = RetryEintr([&] {
    return sendto(fd, message.Data(), message.Length(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), length);
  });
  int saved = errno;
  close(fd);
  return Napi::Number::New(env, sent < 0 ? -saved : static_cast<double>(sent));
}

int IntOption(int fd, int level, int name, int* value) {
  socklen_t length = sizeof(*value);
  return getsockopt(fd, level, name, value, &length) < 0 ? -errno : 0;
}

// socketInfo(fd): { type, family, protocol, listening, reusePort, v6only, address, port, uid } or -errno.
// `address`/`port` are set for AF_INET/AF_INET6 only.
Napi::Value SocketInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Number::New(env, -EINVAL);
  int fd = info[0].As<Napi::Number>().Int32Value();

  struct stat st;
  if (fstat(fd, &st) < 0) return Napi::Number::New(env, -errno);
  if (!S_ISSOCK(st.st_mode)) return Napi::Number::New(env, -ENOTSOCK);

  int type = 0, family = 0, protocol = 0, listening = 0, reusePort = 0, v6only = 0;
  int r;
  if ((r = IntOption(fd, SOL_SOCKET, SO_TYPE, &type)) < 0) return Napi::Number::New(env, r);
  if ((r = IntOption(fd, SOL_SOCKET, SO_DOMAIN, &family)) < 0) return Napi::Number::New(env, r);
  if ((r = IntOption(fd, SOL_SOCKET, SO_PROTOCOL, &protocol)) < 0) return Napi::Number::New(env, r);
  if ((r = IntOption(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening)) < 0) return Napi::Number::New(env, r);
  if ((r = IntOption(fd, SOL_SOCKET, SO_REUSEPORT, &reusePort)) < 0) return Napi::Number::New(env, r);
  if (family == AF_INET6 && (r = IntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only)) < 0) return Napi::Number::New(env, r);

  Napi::Object out = Napi::Object::New(env);
  out.Set("type", type);
  out.Set("family", family);
  out.Set("protocol", protocol);
  out.Set("listening", listening != 0);
  out.Set("reusePort", reusePort != 0);
  out.Set("v6only", v6only != 0);
  // The kernel lets only sockets of one owner share a reuseport group; a socket's owner is its inode's uid.
  out.Set("uid", static_cast<double>(st.st_uid));

  sockaddr_storage ss;
  socklen_t length = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &length) < 0) return Napi::Number::New(env, -errno);
  char text[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const sockaddr_in* in4 = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
    out.Set("address", text);
    out.Set("port", ntohs(in4->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    const sockaddr_in6* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    out.Set("address", text);
    out.Set("port", ntohs(in6->sin6_port));
  }
  return out;
}

// setCloexec(fd): 0 or -errno. systemd passes its sockets without FD_CLOEXEC.
Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Number::New(env, -EINVAL);
  int fd = info[0].As<Napi::Number>().Int32Value();
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return Napi::Number::New(env, -errno);
  if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return Napi::Number::New(env, -errno);
  return Napi::Number::New(env, 0);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("notify", Napi::Function::New(env, Notify));
  exports.Set("socketInfo", Napi::Function::New(env, SocketInfo));
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexec));
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("SOCK_STREAM", static_cast<int>(SOCK_STREAM));
  constants.Set("SOCK_DGRAM", static_cast<int>(SOCK_DGRAM));
  constants.Set("SOCK_SEQPACKET", static_cast<int>(SOCK_SEQPACKET));
  constants.Set("AF_INET", static_cast<int>(AF_INET));
  constants.Set("AF_INET6", static_cast<int>(AF_INET6));
  constants.Set("AF_UNIX", static_cast<int>(AF_UNIX));
  constants.Set("IPPROTO_TCP", static_cast<int>(IPPROTO_TCP));
  constants.Set("IPPROTO_UDP", static_cast<int>(IPPROTO_UDP));
  constants.Set("IPPROTO_SCTP", static_cast<int>(IPPROTO_SCTP));
  exports.Set("constants", constants);
  return exports;
}

}  // namespace

NODE_API_MODULE(shoal_systemd, Init)
