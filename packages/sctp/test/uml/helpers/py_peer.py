#!/usr/bin/env python3
"""A non-Shoal SCTP peer (Python's socket module over the kernel SCTP).

  py_peer.py client PORT   connect (one-to-one), send b"hello from python" on
                           stream 2 with PPID 99 (SCTP_SNDINFO), read one reply
                           with its SCTP_RCVINFO and print it as JSON
  py_peer.py server        one-to-many endpoint on 127.0.0.1: print the port,
                           echo one message back on its stream/PPID, print JSON
"""
import json
import socket
import struct
import sys

IPPROTO_SCTP = 132
SCTP_SNDINFO = 2
SCTP_RCVINFO = 3
SCTP_RECVRCVINFO = 32
SNDINFO = "=HHIIi"  # sid, flags, ppid, context, assoc_id
RCVINFO = "=HHHxxIIIIi"  # sid, ssn, flags, ppid, tsn, cumtsn, context, assoc_id


def rcvinfo(anc):
    for level, kind, data in anc:
        if level == IPPROTO_SCTP and kind == SCTP_RCVINFO:
            sid, ssn, flags, ppid, tsn, cumtsn, context, assoc = struct.unpack(RCVINFO, data[: struct.calcsize(RCVINFO)])
            return {"stream": sid, "ssn": ssn, "ppid": socket.ntohl(ppid), "assocId": assoc}
    return None


def client(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
    s.setsockopt(IPPROTO_SCTP, SCTP_RECVRCVINFO, 1)
    s.connect(("127.0.0.1", port))
    info = struct.pack(SNDINFO, 2, 0, socket.htonl(99), 0, 0)
    s.sendmsg([b"hello from python"], [(IPPROTO_SCTP, SCTP_SNDINFO, info)])
    while True:
        data, anc, flags, _ = s.recvmsg(65536, 1024)
        if flags & 0x8000:  # MSG_NOTIFICATION
            continue
        break
    print(json.dumps({"data": data.decode(), "info": rcvinfo(anc)}), flush=True)
    s.close()


def server():
    s = socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET, IPPROTO_SCTP)
    s.setsockopt(IPPROTO_SCTP, SCTP_RECVRCVINFO, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(5)
    print(json.dumps({"port": s.getsockname()[1]}), flush=True)
    while True:
        data, anc, flags, addr = s.recvmsg(65536, 1024)
        if flags & 0x8000:
            continue
        info = rcvinfo(anc)
        reply = struct.pack(SNDINFO, info["stream"], 0, socket.htonl(info["ppid"]), 0, info["assocId"])
        s.sendmsg([b"python echo: " + data], [(IPPROTO_SCTP, SCTP_SNDINFO, reply)])
        print(json.dumps({"data": data.decode(), "info": info}), flush=True)
        break
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(int(sys.argv[2]))
    else:
        server()
