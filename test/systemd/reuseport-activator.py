#!/usr/bin/env python3
"""A socket activator like systemd with ReusePort=yes, for one TCP socket.

    reuseport-activator.py <host> <port> <fd-name> <command> [args...]

Opens a listening TCP socket with SO_REUSEPORT on <host>:<port>, puts it at
fd 3, sets LISTEN_FDS=1, LISTEN_PID (this very process: exec keeps the pid)
and LISTEN_FDNAMES=<fd-name>, then execs <command> as systemd does.
(systemd-socket-activate cannot set SO_REUSEPORT.)
"""
import os
import socket
import sys

host, port, name, *command = sys.argv[1:]
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind((host, int(port)))
sock.listen(128)
if sock.fileno() != 3:
    os.dup2(sock.fileno(), 3)
# Python opens sockets close-on-exec; the passed one must survive the exec.
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES=name)
os.execv(command[0], command)
