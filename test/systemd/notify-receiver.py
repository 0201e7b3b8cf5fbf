#!/usr/bin/env python3
"""A stand-in for systemd's notification socket, as a test needs it.

    notify-receiver.py <address> [<http-port> <admin-port>]

Binds an AF_UNIX datagram socket at <address> (a path, or '@name' for an
abstract one), prints "listening", then one JSON line per datagram received:
{"fields": {...}, "monotonicUsec": <CLOCK_MONOTONIC at receipt>}. At each
READY=1 it asks, before reading on, what a client would see: GET / on
<http-port> and the ready count from <admin-port>/status. Exits after
STOPPING=1, or after 120 s without a datagram.
"""
import json
import socket
import sys
import time
import urllib.request

address = sys.argv[1]
http_port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
admin_port = int(sys.argv[3]) if len(sys.argv) > 3 else 0

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("\0" + address[1:] if address.startswith("@") else address)
sock.settimeout(120)
print("listening", flush=True)


def probe():
    result = {}
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=5) as answer:
            result["http"] = answer.status
    except Exception as error:  # what the test reports
        result["http"] = repr(error)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/status", timeout=5) as answer:
            status = json.load(answer)
            result["ready"] = status["ready"]
            result["workers"] = status["workers"]
    except Exception as error:
        result["ready"] = repr(error)
    return result


deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        data = sock.recv(4096)
    except socket.timeout:
        break
    received = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
    line = {"fields": fields, "monotonicUsec": received}
    if fields.get("READY") == "1" and http_port:
        line["probe"] = probe()
    print(json.dumps(line), flush=True)
    if fields.get("STOPPING") == "1":
        break
