#!/usr/bin/env python3
"""A socket activator like systemd's, for one listening socket.

    reuseport-activator.py [--kind tcp|sctp|sctp-many] [--no-reuseport] <host> <port> <fd-name> <command> [args...]

Opens a listening socket (TCP by default; SCTP one-to-one or one-to-many)
on <host>:<port>, with SO_REUSEPORT unless --no-reuseport (systemd's
ReusePort=yes, which systemd-socket-activate cannot set, and it has no SCTP),
puts it at fd 3, sets LISTEN_FDS=1, LISTEN_PID (this very process: exec keeps
the pid) and LISTEN_FDNAMES=<fd-name>, then execs <command> as systemd does.
"""
import os
import socket
import sys

args = sys.argv[1:]
kind = "tcp"
reuse_port = True
while args[0].startswith("--"):
    option = args.pop(0)
    if option == "--kind":
        kind = args.pop(0)
    elif option == "--no-reuseport":
        reuse_port = False
host, port, name, *command = args
sock_type, protocol = {
    "tcp": (socket.SOCK_STREAM, socket.IPPROTO_TCP),
    "sctp": (socket.SOCK_STREAM, socket.IPPROTO_SCTP),
    "sctp-many": (socket.SOCK_SEQPACKET, socket.IPPROTO_SCTP),
}[kind]
sock = socket.socket(socket.AF_INET, sock_type, protocol)
if reuse_port:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind((host, int(port)))
sock.listen(128)
if sock.fileno() != 3:
    os.dup2(sock.fileno(), 3)
# Python opens sockets close-on-exec; the passed one must survive the exec.
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES=name)
os.execv(command[0], command)
