/*
 * The C baseline for bench/sctp: the same two benchmarks as bench.js, over
 * the same kernel SCTP, with the same socket options as the addon's defaults
 * (SCTP_NODELAY, 1 MiB SO_SNDBUF/SO_RCVBUF, delayed SACK 10 ms / 2 packets,
 * 16 streams). A forked child is the server, the parent the client; blocking
 * sockets, one send()/recv() per message.
 *
 *   sctp_bench pingpong SIZE COUNT   round trips of SIZE-byte messages
 *   sctp_bench bulk SIZE COUNT       one-way SIZE-byte messages, then one ack
 *
 * Prints one line: "<mode> <size> <count> <seconds> <messages/s>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sctp.h>

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void tune(int fd) {
  int one = 1, buf = 1 << 20;
  struct sctp_sack_info sack = {0, 10, 2};
  struct sctp_initmsg init = {16, 16, 0, 0};
  if (setsockopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one)) < 0) die("SCTP_NODELAY");
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) < 0) die("SO_SNDBUF");
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0) die("SO_RCVBUF");
  if (setsockopt(fd, IPPROTO_SCTP, SCTP_DELAYED_SACK, &sack, sizeof(sack)) < 0) die("SCTP_DELAYED_SACK");
  if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) < 0) die("SCTP_INITMSG");
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s pingpong|bulk SIZE COUNT\n", argv[0]);
    return 2;
  }
  int pingpong = strcmp(argv[1], "pingpong") == 0;
  size_t size = strtoul(argv[2], NULL, 10);
  long count = strtol(argv[3], NULL, 10);
  char *buf = malloc(size < 65536 ? 65536 : size);
  memset(buf, 'x', size);

  int lfd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
  if (lfd < 0) die("socket");
  tune(lfd);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) die("bind");
  socklen_t sl = sizeof(sa);
  getsockname(lfd, (struct sockaddr *)&sa, &sl);
  if (listen(lfd, 16) < 0) die("listen");

  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) die("accept");
    for (long i = 0; i < count; i++) {
      ssize_t n = recv(fd, buf, 65536 > size ? 65536 : size, 0);
      if (n <= 0) die("server recv");
      if (pingpong && send(fd, buf, n, 0) != n) die("server send");
    }
    if (!pingpong && send(fd, "k", 1, 0) != 1) die("server ack");
    recv(fd, buf, 1, 0); /* wait for the client to close */
    _exit(0);
  }
  close(lfd);
  int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
  if (fd < 0) die("socket");
  tune(fd);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) die("connect");
  double t0 = now();
  for (long i = 0; i < count; i++) {
    if (send(fd, buf, size, 0) != (ssize_t)size) die("client send");
    if (pingpong && recv(fd, buf, size < 65536 ? 65536 : size, 0) <= 0) die("client recv");
  }
  if (!pingpong && recv(fd, buf, 65536, 0) != 1) die("client ack");
  double t = now() - t0;
  close(fd);
  waitpid(pid, NULL, 0);
  printf("%s %zu %ld %.3f %.0f\n", argv[1], size, count, t, count / t);
  return 0;
}
