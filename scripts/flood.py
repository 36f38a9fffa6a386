#!/usr/bin/env python3
"""SIP floods and a liveness probe for scripts/bench-flood.sh (loopback only).

  flood.py flood TARGET SOURCE_IP METHOD SECONDS   -> sends METHOD as fast as one core goes
  flood.py probe TARGET SOURCE_IP SECONDS OUT.json -> an OPTIONS every 20 ms, retransmitted after
                                                      T1 doubling (as a UA does); latency of each
"""
import json
import socket
import sys
import time


def message(method, target, local, n):
    host, port = target
    lhost, lport = local
    return (
        f"{method} sip:frontdesk@{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {lhost}:{lport};branch=z9hG4bK-fl-{n};rport\r\n"
        f"From: <sip:861234567@{lhost}>;tag=f{n}\r\n"
        f"To: <sip:frontdesk@{host}>\r\n"
        f"Call-ID: fl-{n}-{lport}@{lhost}\r\n"
        f"CSeq: 1 {method}\r\n"
        f"Contact: <sip:861234567@{lhost}:{lport}>\r\n"
        "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def target_of(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def flood(target, source, method, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.setblocking(False)
    local = s.getsockname()
    end = time.monotonic() + secs
    n = 0
    # Precompute a batch of distinct messages; cycling them keeps the sender fast.
    batch = [message(method, target, local, i) for i in range(4096)]
    while time.monotonic() < end:
        for m in batch[:512]:
            try:
                s.sendto(m, target)
                n += 1
            except BlockingIOError:
                pass
        batch = batch[512:] + batch[:512]
        # Responses are read and thrown away so our own buffer never matters.
        try:
            while True:
                s.recv(65536)
        except BlockingIOError:
            pass
    print(json.dumps({"method": method, "source": source, "sent": n, "seconds": secs}))


def probe(target, source, secs, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    local = s.getsockname()
    results = []
    end = time.monotonic() + secs
    n = 0
    while time.monotonic() < end:
        n += 1
        call_id = f"fl-{n}-{local[1]}@{local[0]}".encode()
        msg = message("OPTIONS", target, local, n)
        asked = time.monotonic()
        wait, sends, latency = 0.5, 0, None
        while sends < 5 and latency is None:
            s.sendto(msg, target)
            sends += 1
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                s.settimeout(max(0.001, deadline - time.monotonic()))
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    break
                if call_id in data and data.startswith(b"SIP/2.0 200"):
                    latency = time.monotonic() - asked
                    break
            wait *= 2
        results.append({"at": asked, "latency": latency, "sends": sends})
        time.sleep(max(0.0, 0.02 - (time.monotonic() - asked)))
    with open(out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "flood":
        flood(target_of(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]))
    elif mode == "probe":
        probe(target_of(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(f"unknown mode {mode}")
