#!/usr/bin/env python3
"""Screen-pop delay and wallboard cost, driven by scripts/bench-workspace.sh (loopback only).

  workspace_bench.py SETTINGS.json

SETTINGS (written by the shell script): http, sip (host:port of the running service), pid (its
process id), phone_port (the UDP port every agent URI points at), agents, supervisors,
password_file, secs, warmup, hold_ms, ring_ms, rate, scenario (tests/sipp/load_bridged.xml),
callers_csv, work (the work directory; SIPp runs there and finds tone.ulaw).

One process, one asyncio loop, one clock (time.monotonic):
  - it is every agent's SIP phone: one UDP socket on phone_port answers the INVITEs of all agent
    URIs (sip:aNNNN@127.0.0.1:phone_port; the user part says which agent), 180 at once, 200 with
    a one-line PCMU SDP after ring_ms, 200 to BYE, CANCEL (+487), OPTIONS and INFO. The INVITE's
    arrival is stamped when the datagram reaches the loop. The SDP names a UDP port that is bound
    but never read: the service's RTP to the agents is dropped by the kernel, costing nothing here.
  - it signs every account in once (POST /login, as the login form does) and keeps the cookie;
  - it holds each agent's GET /workspace/events and, in the second half, each supervisor's
    GET /wallboard/events (the wallboard page's own stream) and GET /console/events (the live
    list that the header of every supervisor page opens too, the wallboard's included) open, each from its own loopback
    address (127.0.1.N agents, 127.0.2.N supervisors: one browser each, as in an office, so the
    per-address connection limit is not what is measured). Every chunk is stamped when it
    reaches the loop.
Both stamps of one offer are taken by the same loop, so their difference has no clock alignment
error; its error is the loop's own scheduling (one Python thread, busy at most a few ms at a time
here). The pop is published just before the INVITE is sent, so a delay can be slightly negative.

Timeline: callers (SIPp, the scenario file as is) start; after `warmup` s the first window of
secs/2 s measures the service's CPU and RSS with only the agents' pages open; then the
supervisors' wallboards are opened and, once each has its first figures, the second window of
secs/2 s measures the same with them watching. Screen pops are counted in both windows (and
reported per window); the wallboard delay is from an agent's phone receiving the INVITE to the
first `figures` event, on each supervisor's stream, whose agent rows name that call (the agent's
row carries the call id while ringing and in the call). With supervisors, one GET
/wallboard/figures a second (both windows alike) times a single read of the figures, to tell a
slow read from a stream that does not read.
"""
import asyncio
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

S = {}
T0 = time.monotonic()
CID_RE = re.compile(r'"call_id":"([0-9a-f-]{36})"')


def now():
    return time.monotonic()


def log(msg):
    wall = time.strftime("%H:%M:%S", time.gmtime())
    print(f"[{now() - T0:6.1f}s {wall}Z] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# Measurements shared by everything in the loop.

class Book:
    def __init__(self):
        self.invites = {}      # (call, agent) -> monotonic time the INVITE reached the phone
        self.first_invite = {}  # call -> monotonic time of its first agent INVITE
        self.pops = {}         # (call, agent) -> monotonic time the screen_pop reached the agent
        self.pop_agent_mismatch = 0
        self.answered = 0
        self.cancelled = 0
        self.byes = 0
        self.options = 0
        self.other_requests = 0
        self.retransmitted_invites = 0
        self.agent_events = {"screen_pop": 0, "state": 0, "other": 0}
        self.agent_lagged = 0
        self.stream_errors = []
        # supervisor index -> {call: first time a figures event named it}
        self.board_seen = {}
        self.board_ready = {}   # supervisor index -> time its first figures arrived
        self.board_events = 0
        self.board_bytes = 0
        self.board_lagged = 0
        self.loop_lag = []      # ms a 10 ms sleep overshot: the error bound of every stamp
        self.board_count = {}   # supervisor -> figures events received
        self.console_events = {}  # /console/events (the header's live list): name -> count
        self.reads = []         # (start, ms) of GET /wallboard/figures, one a second


BOOK = Book()


def pctl(values, q):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(q * len(v)))]


# ---------------------------------------------------------------------------------------------
# The agents' phones: one UDP socket for every agent URI.

def parse_sip(data):
    try:
        text = data.decode("utf-8", "replace")
    except Exception:
        return None
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    if not lines or not lines[0]:
        return None
    compact = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length"}
    headers = []
    for line in lines[1:]:
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        k = k.strip().lower()
        headers.append((compact.get(k, k), v.strip()))
    return lines[0], headers, body


def header(headers, name):
    for k, v in headers:
        if k == name:
            return v
    return None


class Phones(asyncio.DatagramProtocol):
    def __init__(self, port, rtp_port):
        self.port = port
        self.rtp_port = rtp_port
        self.transport = None
        self.dialogs = {}  # Call-ID -> {"agent", "tag", "final": bytes, "acked", "addr"}

    def connection_made(self, transport):
        self.transport = transport

    def response(self, headers, code, reason, tag=None, body=""):
        out = [f"SIP/2.0 {code} {reason}"]
        for k, v in headers:
            if k == "via":
                out.append(f"Via: {v}")
        out.append(f"From: {header(headers, 'from')}")
        to = header(headers, "to") or ""
        if tag and ";tag=" not in to:
            to += f";tag={tag}"
        out.append(f"To: {to}")
        out.append(f"Call-ID: {header(headers, 'call-id')}")
        out.append(f"CSeq: {header(headers, 'cseq')}")
        out.append(f"Contact: <sip:phone@127.0.0.1:{self.port}>")
        if body:
            out.append("Content-Type: application/sdp")
        out.append(f"Content-Length: {len(body.encode())}")
        return ("\r\n".join(x for x in out if x) + "\r\n\r\n" + body).encode()

    def sdp(self):
        return (
            "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {self.rtp_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        )

    def datagram_received(self, data, addr):
        t = now()
        msg = parse_sip(data)
        if msg is None:
            return
        first, headers, _ = msg
        if first.startswith("SIP/2.0"):
            return  # we send no requests
        method, uri = first.split(" ", 2)[:2]
        call = header(headers, "call-id") or ""
        if method == "INVITE":
            d = self.dialogs.get(call)
            if d is not None:
                # A retransmission, or a re-INVITE (tagged To) within the call.
                if ";tag=" in (header(headers, "to") or "") and d.get("final"):
                    self.transport.sendto(self.response(headers, 200, "OK", d["tag"], self.sdp()), addr)
                else:
                    BOOK.retransmitted_invites += 1
                    if d.get("final"):
                        self.transport.sendto(d["final"], addr)
                return
            user = urllib.parse.unquote(uri.split(":", 1)[1].split("@", 1)[0])
            fcid = header(headers, "x-frontdesk-call-id") or call
            key = (fcid, user)
            BOOK.invites.setdefault(key, t)
            BOOK.first_invite.setdefault(fcid, t)
            tag = f"ph{abs(hash(call)) % 10**10}"
            d = {"agent": user, "tag": tag, "final": None, "acked": False, "headers": headers}
            self.dialogs[call] = d
            self.transport.sendto(self.response(headers, 180, "Ringing", tag), addr)
            asyncio.get_running_loop().call_later(S["ring_ms"] / 1000, self.answer, call, headers, addr)
        elif method == "ACK":
            d = self.dialogs.get(call)
            if d:
                d["acked"] = True
        elif method == "CANCEL":
            self.transport.sendto(self.response(headers, 200, "OK"), addr)
            d = self.dialogs.get(call)
            if d and not d.get("final"):
                BOOK.cancelled += 1
                d["final"] = self.response(d["headers"], 487, "Request Terminated", d["tag"])
                self.transport.sendto(d["final"], addr)
        elif method == "BYE":
            self.transport.sendto(self.response(headers, 200, "OK"), addr)
            if self.dialogs.pop(call, None) is not None:
                BOOK.byes += 1
        elif method == "OPTIONS":
            BOOK.options += 1
            self.transport.sendto(self.response(headers, 200, "OK"), addr)
        else:
            BOOK.other_requests += 1
            self.transport.sendto(self.response(headers, 200, "OK"), addr)

    def answer(self, call, headers, addr):
        d = self.dialogs.get(call)
        if d is None or d.get("final"):
            return
        d["final"] = self.response(headers, 200, "OK", d["tag"], self.sdp())
        BOOK.answered += 1
        self.transport.sendto(d["final"], addr)
        # Retransmit the 200 until the ACK comes (T1 doubling, as a UA does).
        loop = asyncio.get_running_loop()

        def again(wait):
            if call in self.dialogs and not d["acked"] and wait <= 4.0:
                self.transport.sendto(d["final"], addr)
                loop.call_later(wait * 2, again, wait * 2)
        loop.call_later(0.5, again, 0.5)


# ---------------------------------------------------------------------------------------------
# HTTP: sign-in, and SSE streams read by a Protocol so every chunk is stamped as it arrives.

def hostport(text):
    h, p = text.rsplit(":", 1)
    return h, int(p)


async def sign_in(name, password, src):
    host, port = hostport(S["http"])
    body = urllib.parse.urlencode({"name": name, "password": password, "next": "/"}).encode()
    for attempt in range(20):
        reader, writer = await asyncio.open_connection(host, port, local_addr=(src, 0))
        writer.write(
            (f"POST /login HTTP/1.1\r\nHost: {S['http']}\r\nOrigin: http://{S['http']}\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\n"
             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        writer.close()
        status = int(head.split(b" ", 2)[1])
        cookie = None
        retry = 1
        for line in head.decode("latin-1").split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "set-cookie" and v.strip().startswith("fd_session="):
                cookie = v.strip().split(";", 1)[0].split("=", 1)[1]
            if k.lower() == "retry-after":
                retry = max(1, int(v.strip() or 1))
        if status in (302, 303) and cookie:
            return cookie
        if status == 429:
            await asyncio.sleep(retry)
            continue
        raise RuntimeError(f"sign-in of {name} answered {status}")
    raise RuntimeError(f"sign-in of {name}: still refused after 20 tries")


class Sse(asyncio.Protocol):
    """A GET of an event stream; on_event(name, data, t) for each SSE event."""

    def __init__(self, path, cookie, on_event, label):
        self.path, self.cookie, self.on_event, self.label = path, cookie, on_event, label
        self.buf = b""
        self.headers_done = False
        self.chunked = False
        self.chunk_left = 0
        self.body = b""
        self.event = None
        self.data = []
        self.closed = asyncio.get_event_loop().create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(
            (f"GET {self.path} HTTP/1.1\r\nHost: {S['http']}\r\nCookie: fd_session={self.cookie}\r\n"
             "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode())

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(exc)

    def data_received(self, data):
        t = now()
        self.buf += data
        if not self.headers_done:
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                return
            head = self.buf[:i].decode("latin-1")
            self.buf = self.buf[i + 4:]
            status = int(head.split(" ", 2)[1])
            if status != 200:
                BOOK.stream_errors.append(f"{self.label}: HTTP {status}")
                self.transport.close()
                return
            self.chunked = "transfer-encoding: chunked" in head.lower()
            self.headers_done = True
        if self.chunked:
            while True:
                if self.chunk_left == 0:
                    i = self.buf.find(b"\r\n")
                    if i < 0:
                        break
                    line = self.buf[:i].split(b";")[0].strip()
                    if not line:  # the CRLF after a chunk
                        self.buf = self.buf[i + 2:]
                        continue
                    self.chunk_left = int(line, 16)
                    self.buf = self.buf[i + 2:]
                    if self.chunk_left == 0:
                        self.transport.close()
                        return
                take = self.buf[: self.chunk_left]
                self.body += take
                self.buf = self.buf[len(take):]
                self.chunk_left -= len(take)
                if self.chunk_left > 0:
                    break
        else:
            self.body += self.buf
            self.buf = b""
        self.lines(t)

    def lines(self, t):
        while True:
            i = self.body.find(b"\n")
            if i < 0:
                return
            line = self.body[:i].rstrip(b"\r").decode("utf-8", "replace")
            self.body = self.body[i + 1:]
            if line == "":
                if self.event is not None or self.data:
                    self.on_event(self.event or "message", "\n".join(self.data), t)
                self.event, self.data = None, []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                self.event = line[6:].strip()
            elif line.startswith("data:"):
                self.data.append(line[5:].lstrip(" ") if line.startswith("data: ") else line[5:])


async def open_stream(path, cookie, on_event, src, label):
    host, port = hostport(S["http"])
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_connection(
        lambda: Sse(path, cookie, on_event, label), host, port, local_addr=(src, 0))
    return transport, proto


def agent_event(agent):
    def on(name, data, t):
        if name == "screen_pop":
            BOOK.agent_events["screen_pop"] += 1
            try:
                ev = json.loads(data)
            except ValueError:
                return
            if ev.get("agent") != agent:
                BOOK.pop_agent_mismatch += 1
            BOOK.pops.setdefault((ev.get("call_id"), agent), t)
        elif name == "state":
            BOOK.agent_events["state"] += 1
        elif name == "lagged":
            BOOK.agent_lagged += 1
        else:
            BOOK.agent_events["other"] += 1
    return on


def console_event(name, data, t):
    BOOK.console_events[name] = BOOK.console_events.get(name, 0) + 1


def board_event(idx):
    seen = BOOK.board_seen.setdefault(idx, {})

    def on(name, data, t):
        if name == "figures":
            BOOK.board_events += 1
            BOOK.board_count[idx] = BOOK.board_count.get(idx, 0) + 1
            BOOK.board_bytes += len(data)
            BOOK.board_ready.setdefault(idx, t)
            # Only the agents' rows carry call ids; a regex is far cheaper than json here.
            for cid in CID_RE.findall(data):
                seen.setdefault(cid, t)
        elif name == "lagged":
            BOOK.board_lagged += 1
    return on


# ---------------------------------------------------------------------------------------------
# The service's and the peers' CPU and memory, from /proc.

HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def self_ticks():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * HZ


class Window:
    """CPU of the service (and of SIPp and this driver) over a stretch of time, RSS sampled."""

    def __init__(self, name, sipp_pid):
        self.name, self.sipp_pid = name, sipp_pid
        self.t0, self.c0 = now(), cpu_ticks(S["pid"])
        self.s0 = cpu_ticks(sipp_pid) if sipp_pid else 0
        self.d0 = self_ticks()
        self.rss = []
        self.first_offer = len(BOOK.invites)

    async def run(self, secs):
        end = self.t0 + secs
        while now() < end:
            self.rss.append(rss_kb(S["pid"]))
            await asyncio.sleep(min(1.0, max(0.0, end - now())))
        self.t1 = now()
        span = self.t1 - self.t0
        self.cpu = (cpu_ticks(S["pid"]) - self.c0) / HZ / span * 100
        self.sipp = ((cpu_ticks(self.sipp_pid) - self.s0) / HZ / span * 100) if self.sipp_pid else float("nan")
        self.driver = (self_ticks() - self.d0) / HZ / span * 100
        self.rss.append(rss_kb(S["pid"]))
        self.span = span


# ---------------------------------------------------------------------------------------------

def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start_callers(total_secs):
    limit = int(total_secs + S["hold_ms"] / 1000 + 120)
    cmd = [
        "timeout", str(limit + 30), "sipp", S["sip"], "-sf", S["scenario"], "-inf", S["callers_csv"],
        "-d", str(S["hold_ms"]), "-r", str(S["rate"]), "-l", str(S["callers"]),
        "-m", str(S["max_calls"]), "-i", "127.0.0.1", "-p", "0", "-mp", str(free_udp_port()),
        "-nostdin", "-trace_stat", "-stf", os.path.join(S["work"], "callers.csv.stat"), "-fd", "1",
        "-timeout", f"{limit}s", "-timeout_error",
    ]
    out = open(os.path.join(S["work"], "callers.out"), "w")
    p = subprocess.Popen(cmd, cwd=S["work"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    # The shell script's exit trap ends this process group too, should the driver itself be killed.
    with open(os.path.join(S["work"], "callers.pgid"), "w") as f:
        f.write(str(p.pid))
    return p


def sipp_totals():
    path = os.path.join(S["work"], "callers.csv.stat")
    try:
        rows = open(path).read().splitlines()
    except OSError:
        return {}
    return dict(zip(rows[0].split(";"), rows[-1].split(";"))) if len(rows) > 1 else {}


def pop_delays(lo, hi):
    """Screen-pop delays (ms) of offers whose INVITE came between lo and hi; and the misses."""
    got, missing = [], 0
    for key, t in BOOK.invites.items():
        if not (lo <= t < hi):
            continue
        p = BOOK.pops.get(key)
        if p is None:
            missing += 1
        else:
            got.append((p - t) * 1000)
    return got, missing


def board_delays(lo, hi):
    got, missing = [], 0
    for idx, seen in BOOK.board_seen.items():
        ready = BOOK.board_ready.get(idx)
        if ready is None:
            continue
        for cid, t in BOOK.first_invite.items():
            if not (max(lo, ready) <= t < hi):
                continue
            s = seen.get(cid)
            if s is None:
                missing += 1
            else:
                got.append((s - t) * 1000)
    return got, missing


def fmt(v):
    if not v:
        return "n=0"
    return (f"n={len(v)}  p50 {pctl(v, .5):.1f}  p99 {pctl(v, .99):.1f}  max {max(v):.1f} ms"
            f"  (min {min(v):.1f})")


def fmt_never(v, missing):
    """Percentiles with the offers never shown counted as never (infinitely late)."""
    if not v and not missing:
        return "n=0"
    all_ = v + [float("inf")] * missing
    show = lambda x: "never" if x == float("inf") else f"{x:.1f}"
    return f"n={len(all_)}  p50 {show(pctl(all_, .5))}  p99 {show(pctl(all_, .99))} ms"


async def read_figures_every_second(cookie, src):
    """Times GET /wallboard/figures (one read of the board's figures, as each stream does)."""
    host, port = hostport(S["http"])
    while True:
        t = now()
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(src, 0))
            writer.write((f"GET /wallboard/figures HTTP/1.1\r\nHost: {S['http']}\r\n"
                          f"Cookie: fd_session={cookie}\r\nConnection: close\r\n\r\n").encode())
            await reader.read()  # until the server closes
            writer.close()
            BOOK.reads.append((t, (now() - t) * 1000))
        except OSError:
            BOOK.reads.append((t, float("inf")))
        await asyncio.sleep(max(0.0, 1.0 - (now() - t)))


async def watch_loop():
    while True:
        t = now()
        await asyncio.sleep(0.01)
        BOOK.loop_lag.append((now() - t - 0.01) * 1000)


def fmt_reads(w):
    v = [ms for t, ms in BOOK.reads if w.t0 <= t < w.t1]
    return f"n={len(v)} p50 {pctl(v, .5):.0f} max {max(v, default=float('nan')):.0f} ms" if v else "n=0"


async def main():
    password = open(S["password_file"]).read().strip()
    n, m = S["agents"], S["supervisors"]
    agents = [f"a{i:04d}" for i in range(1, n + 1)]
    sups = [f"s{i:04d}" for i in range(1, m + 1)]
    agent_src = {a: f"127.0.1.{i}" for i, a in enumerate(agents, 1)}
    sup_src = {s: f"127.0.2.{i}" for i, s in enumerate(sups, 1)}
    loop = asyncio.get_running_loop()

    lag_task = asyncio.create_task(watch_loop())
    # SIGTERM (the script's trap, or its `timeout`) cancels the run, so `finally` stops SIPp.
    me = asyncio.current_task()
    loop.add_signal_handler(signal.SIGTERM, me.cancel)
    # Phones first, so the service's OPTIONS checks find them.
    rtp_sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp_sink.bind(("127.0.0.1", 0))
    rtp_sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    phones_transport, phones = await loop.create_datagram_endpoint(
        lambda: Phones(S["phone_port"], rtp_sink.getsockname()[1]),
        local_addr=("127.0.0.1", S["phone_port"]))

    # Every account signs in once (2 at a time: argon2 runs [http] verify_concurrency at once).
    t = now()
    cookies = {}
    gate = asyncio.Semaphore(2)

    async def one(name, src):
        async with gate:
            cookies[name] = await sign_in(name, password, src)
    await asyncio.gather(*(one(a, agent_src[a]) for a in agents), *(one(s, sup_src[s]) for s in sups))
    log(f"signed in {len(cookies)} accounts in {now() - t:.1f} s")

    # The agents' pages.
    agent_streams = []
    for a in agents:
        agent_streams.append(await open_stream("/workspace/events", cookies[a], agent_event(a), agent_src[a], a))
    await asyncio.sleep(1.5)
    if BOOK.stream_errors:
        raise RuntimeError("; ".join(BOOK.stream_errors[:5]))
    log(f"{n} agents' streams open (/workspace/events); {BOOK.agent_events['state']} state events so far")

    half = S["secs"] / 2
    probe = None
    if sups:
        probe = asyncio.create_task(read_figures_every_second(cookies[sups[0]], "127.0.3.1"))
    callers = start_callers(S["warmup"] + 2 * half + 10)
    started = now()
    try:
        await asyncio.sleep(0.5)
        sipp_pid = callers.pid
        kids = children(callers.pid)  # `timeout` runs sipp as its child
        if kids:
            sipp_pid = kids[0]
        log(f"callers started (SIPp {os.path.basename(S['scenario'])}, {S['rate']}/s up to {S['callers']} at once, "
            f"each held {S['hold_ms']} ms after keying); warm-up {S['warmup']} s")
        await asyncio.sleep(S["warmup"])
        if BOOK.first_invite:
            log(f"first offer {min(BOOK.first_invite.values()) - started:.1f} s after the callers started; "
                f"{len(BOOK.invites)} offers in the warm-up")
        else:
            log("warning: no agent has been offered a call yet (give more WARMUP)")

        w0 = Window("0 supervisors", sipp_pid)
        log(f"window 1: {half:.0f} s with {n} agents' pages and no wallboard")
        await w0.run(half)

        board_streams = []
        for s in sups:
            board_streams.append(await open_stream("/wallboard/events", cookies[s], board_event(s), sup_src[s], s))
            # The page's header opens the console's live list too, on every supervisor page.
            board_streams.append(await open_stream("/console/events", cookies[s], console_event, sup_src[s], s))
        deadline = now() + 15
        while len(BOOK.board_ready) < m and now() < deadline:
            await asyncio.sleep(0.1)
        if BOOK.stream_errors:
            raise RuntimeError("; ".join(BOOK.stream_errors[:5]))
        log(f"{len(BOOK.board_ready)} of {m} wallboards open with their first figures (/wallboard/events)")
        await asyncio.sleep(1)
        w1 = Window(f"{m} supervisors", sipp_pid)
        log(f"window 2: {half:.0f} s with {n} agents' pages and {m} wallboards")
        await w1.run(half)
        t_end = now()
    finally:
        # The callers are stopped; the pops and figures of the last offers get 5 s more.
        try:
            os.killpg(callers.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    await asyncio.sleep(5)
    sipp = sipp_totals()
    try:
        callers.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(callers.pid, signal.SIGKILL)

    pops0, miss0 = pop_delays(w0.t0, w0.t1)
    pops1, miss1 = pop_delays(w1.t0, w1.t1)
    pops_all, miss_all = pop_delays(w0.t0, w1.t1)
    board, board_miss = board_delays(w1.t0, w1.t1)
    per_agent = {}
    for (cid, a), t in BOOK.invites.items():
        if w0.t0 <= t < w1.t1:
            per_agent[a] = per_agent.get(a, 0) + 1
    offered_counts = sorted(per_agent.get(a, 0) for a in agents)
    orphans = sum(1 for k in BOOK.pops if k not in BOOK.invites)

    print()
    print(f"scenario: {n} agents (each a SIP phone in the driver answering after {S['ring_ms']} ms, and "
          f"signed in with /workspace/events open), callers SIPp {os.path.relpath(S['scenario'], S['root'])} "
          f"({S['rate']} new/s, at most {S['callers']} at once, each held {S['hold_ms']} ms after keying 1 1), "
          f"[routing] wrap_up_seconds = {S['wrap_up']}; warm-up {S['warmup']} s, then {half:.0f} s without "
          f"and {half:.0f} s with {m} supervisors on the wallboard (/wallboard/events + /console/events); binary {S['bin']}")
    rows = [
        ("offers (INVITEs at the agents' phones), windows 1+2",
         f"{sum(offered_counts)}; per agent min {offered_counts[0] if offered_counts else 0} / "
         f"median {offered_counts[len(offered_counts) // 2] if offered_counts else 0} / max {offered_counts[-1] if offered_counts else 0}"),
        ("offers per second (each one bus event, screen_pop) w1 / w2",
         f"{len(pops0) + miss0:.0f} / {w0.span:.0f} s = {(len(pops0) + miss0) / w0.span:.2f}; "
         f"{len(pops1) + miss1:.0f} / {w1.span:.0f} s = {(len(pops1) + miss1) / w1.span:.2f}"),
        ("screen pop: INVITE at phone -> screen_pop on agent's stream, w1+w2", fmt(pops_all)),
        ("  window 1 (no wallboard)", fmt(pops0)),
        (f"  window 2 ({m} wallboards)", fmt(pops1)),
        ("screen pops missing (offer without a pop) w1+w2 / w1 / w2", f"{miss_all} / {miss0} / {miss1}"),
        ("screen pops without an INVITE at the phone", str(orphans)),
        ("service CPU, window 1 (no wallboard)", f"{w0.cpu:.1f}% of a core over {w0.span:.0f} s"),
        (f"service CPU, window 2 ({m} wallboards)", f"{w1.cpu:.1f}% of a core over {w1.span:.0f} s"),
        ("service RSS, window 1: mean / max", f"{sum(w0.rss) / len(w0.rss) / 1024:.1f} / {max(w0.rss) / 1024:.1f} MiB"),
        ("service RSS, window 2: mean / max", f"{sum(w1.rss) / len(w1.rss) / 1024:.1f} / {max(w1.rss) / 1024:.1f} MiB"),
        ("wallboard: INVITE at phone -> first figures naming the call", fmt(board)),
        ("  the same, offers never shown counted as never", fmt_never(board, board_miss)),
        ("wallboard: offers a board never showed", f"{board_miss} (of {len(board) + board_miss} offer x board pairs)"),
        ("wallboard: figures events received / size", f"{BOOK.board_events} ({BOOK.board_events / max(1, m) / w1.span:.2f} per board per s), "
         f"mean {BOOK.board_bytes / max(1, BOOK.board_events) / 1024:.1f} KiB"),
        ("wallboard: figures events per board, min / max", f"{min(BOOK.board_count.values(), default=0)} / {max(BOOK.board_count.values(), default=0)}"),
        ("GET /wallboard/figures (1/s, both windows) w1 / w2", f"{fmt_reads(w0)} | {fmt_reads(w1)}"),
        ("/console/events (each wallboard page's live list) events", json.dumps(BOOK.console_events)),
        ("lagged events: agents' streams / wallboards", f"{BOOK.agent_lagged} / {BOOK.board_lagged}"),
        ("agents' phones: answered / cancelled / BYEs / OPTIONS", f"{BOOK.answered} / {BOOK.cancelled} / {BOOK.byes} / {BOOK.options}"),
        ("callers: calls ok / failed (SIPp, stopped at the end)", f"{sipp.get('SuccessfulCall(C)', '?')} / {sipp.get('FailedCall(C)', '?')}"),
        ("SIPp callers CPU w1 / w2", f"{w0.sipp:.1f}% / {w1.sipp:.1f}% of a core"),
        ("this driver's CPU w1 / w2", f"{w0.driver:.1f}% / {w1.driver:.1f}% of a core"),
        ("this driver's loop lag (stamping error) p99 / max",
         f"{pctl(BOOK.loop_lag, .99):.1f} / {max(BOOK.loop_lag or [0]):.1f} ms"),
    ]
    w = max(len(k) for k, _ in rows)
    print(f"| {'measure'.ljust(w)} | value |")
    print(f"|{'-' * (w + 2)}|-------|")
    for k, v in rows:
        print(f"| {k.ljust(w)} | {v} |")
    with open(os.path.join(S["work"], "delays.json"), "w") as f:
        json.dump({"pops_w1": pops0, "pops_w2": pops1, "board_w2": board}, f)
    for tr, _ in agent_streams + board_streams:
        tr.close()
    phones_transport.close()
    lag_task.cancel()
    if probe:
        probe.cancel()


if __name__ == "__main__":
    S.update(json.load(open(sys.argv[1])))
    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        print("stopped before the end: no figures", file=sys.stderr)
        sys.exit(143)
