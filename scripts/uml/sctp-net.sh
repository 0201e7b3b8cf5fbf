#!/bin/sh
# Runs inside a User-Mode Linux guest (see run-in-uml.sh), before an SCTP test
# suite: the network the SCTP suites of @shoal/sctp and @shoal/transport-sctp
# expect. Each guest has its own kernel, so two guests running at once do not
# share addresses, ports or /tmp.
set -e
# Extra loopback addresses: clients with distinct source addresses, and a
# multi-homed peer.
for i in $(seq 2 30); do ip addr add "127.0.0.$i/8" dev lo 2>/dev/null || true; done
# ipv6.ko is loaded after lo came up: give lo its ::1.
ip -6 addr add ::1/128 dev lo 2>/dev/null || true
# Let sockets have send buffers big enough for multi-MiB messages (the
# kernel caps SO_SNDBUF/SO_RCVBUF at twice these; see the @shoal/sctp README,
# "Known limits").
echo 8388608 >/proc/sys/net/core/wmem_max
echo 8388608 >/proc/sys/net/core/rmem_max
echo "[uml-suite] kernel $(uname -r), node $(node -v), $(nproc) CPU"
