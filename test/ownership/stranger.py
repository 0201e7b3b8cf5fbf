#!/usr/bin/env python3
"""A stranger on a port: a few lines of Python that bind a port with SO_REUSEPORT,
as any program of the same user may, and count what the kernel gives them.
  stranger.py tcp|udp <host> <port>
Prints "listening <pid>" once bound, then on SIGTERM (or stdin closed) one line
"got <n>" (connections accepted or datagrams received) and exits."""
import os, select, signal, socket, sys

kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ':' in host else socket.AF_INET
sock = socket.socket(family, socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind((host, port))
if kind == 'tcp':
    sock.listen(128)
got = 0
stop = False

def on_term(*_):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_term)


def take():
    global got
    if kind == 'tcp':
        conn, _ = sock.accept()
        conn.close()
    else:
        sock.recvfrom(65536)
    got += 1

print(f"listening {os.getpid()}", flush=True)
# Bounded: never outlives its test by more than a few minutes.
deadline_turns = 1200
while not stop and deadline_turns > 0:
    ready, _, _ = select.select([sock, sys.stdin], [], [], 0.25)
    deadline_turns -= 1
    if sys.stdin in ready and sys.stdin.read(1) == '':
        break
    if sock in ready:
        take()

# What the kernel queued for it before the stop counts too.
while select.select([sock], [], [], 0)[0]:
    take()
print(f"got {got}", flush=True)
