#!/usr/bin/env python3
"""The host's end of the injection image's wire (ctest net-inject, test/boot/net-inject.sh).

Usage: net_inject.py --qemu-port P --port Q [--seed S]

QEMU's e1000 back end is a UDP socket on 127.0.0.1:P (-netdev dgram) that sends to 127.0.0.1:Q:
every datagram either way is one Ethernet frame, without its CRC. This script binds Q and plays
the one other host on that wire, 10.9.9.1, towards the stack at 10.9.9.2 (test/os/net-inject.yaml):
it answers the stack's ARP requests, asks the stack's counters (UDP port 9999, one line of
name=value words, services/net/netstack/stack_stats.c) and talks to the echo server on port 7.
All along it is also the test DNS server 10.9.9.1:53 of net_inject_dns (the socket library's
resolver): "bastion.test" is 10.9.9.77; "forged.test" is answered twice, first with another id
and 10.9.9.66 (a forgery the resolver must ignore), then with 10.9.9.78; "gone.test" does not
exist (NXDOMAIN); any other name is refused (REFUSED).

1. Valid requests first: a UDP echo and a TCP echo (handshake, data, its echo) answered.
2. Each kind of bad frame, a batch at a time: the counters read before it, the batch sent, the
   counters read after it. The second reading is also the barrier: frames reach the stack in
   the order they were sent (one UDP socket, one receive ring, one loop), so its answer comes
   after the stack handled the whole batch, whatever the host's speed. Each kind names the
   counters that must count its frames, and their growth must be at least the batch's size.
3. A burst of half-open TCP connections (SYNs never completed), four times the connection
   pool: every SYN is answered with a SYN-ACK, the oldest half-open connections giving their
   place to the newer SYNs once the pool is full (tcp.evicted grows; tcp.memerr does not).
4. Valid requests again: a UDP echo, a reassembled fragmented UDP echo, and a TCP echo at once
   (within 10 s, no SYN refused): half-open connections do not hold the pool for the 20 s
   lwIP keeps them.
   No bad frame's payload was ever echoed. Then "quit" ends the echo server.
Prints one line per step; exits 1 on the first failure.

--killed (ctest net-killed: the driver's test build faults after 200 frames): after the first
counters and a UDP echo, one TCP connection carries 512-byte segments, each echoed before the
next, until an echo does not come (the driver was killed mid-transfer); then the counters must
not answer any more (the guest is cut off). What happened inside is read from the serial log by
net-inject.sh.
"""
import argparse
import random
import socket
import struct
import sys
import time

HOST_MAC = bytes.fromhex("020000000001")  # locally administered: no real card has it
GUEST_MAC = bytes.fromhex("525400123456")  # -device e1000,mac=52:54:00:12:34:56
BROADCAST = b"\xff" * 6
HOST_IP = socket.inet_aton("10.9.9.1")
GUEST_IP = socket.inet_aton("10.9.9.2")
ETH_IP, ETH_ARP = 0x0800, 0x0806
ECHO_PORT, STATS_PORT, DNS_PORT = 7, 9999, 53
WAIT_FIRST_S = 240  # the first answer: the guest may still be starting under a loaded TCG
WAIT_S = 60  # any later answer (a counters' reading, an echo)
RETRY_S = 2.0  # a request unanswered this long is sent again


def fail(msg):
    print(f"net_inject: FAIL: {msg}", flush=True)
    sys.exit(1)


def say(msg):
    print(f"net_inject: {msg}", flush=True)


# ---- Frames ----

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(payload, etype=ETH_IP, dst=GUEST_MAC, src=HOST_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(payload, proto, ident=1, frag=0, ihl=5, options=b"", total=None, check=None,
         src=HOST_IP, dst=GUEST_IP, version=4):
    """An IPv4 header and payload; total, check and ihl may be set to wrong values."""
    length = 4 * 5 + len(options) + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, length, ident, frag, 64, proto, 0,
                      src, dst) + options
    c = csum(hdr) if check is None else check
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def pseudo(proto, length, src=HOST_IP, dst=GUEST_IP):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def udp(payload, sport, dport, check=None, length=None):
    n = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, n, 0) + payload
    c = csum(pseudo(17, len(seg)) + seg) if check is None else check
    if check is None and c == 0:
        c = 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


SYN, ACK, PSH, RST, FIN = 0x02, 0x10, 0x08, 0x04, 0x01


def tcp(payload, sport, dport, seq, ack, flags, check=None):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    c = csum(pseudo(6, len(seg)) + seg) if check is None else check
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def wrong(good):
    """A checksum that is not the right one (and not 0, which UDP reads as "none")."""
    return 0x1234 if good not in (0x1234, 0) else 0x4321


class Frame:
    """What the script needs of a frame from the guest; fields absent are None."""

    def __init__(self, raw):
        self.raw = raw
        self.etype = struct.unpack("!H", raw[12:14])[0] if len(raw) >= 14 else None
        self.arp_op = self.arp_tpa = self.arp_spa = self.arp_sha = None
        self.proto = self.sport = self.dport = self.payload = None
        self.seq = self.ack = self.flags = None
        body = raw[14:]
        if self.etype == ETH_ARP and len(body) >= 28:
            self.arp_op = struct.unpack("!H", body[6:8])[0]
            self.arp_sha, self.arp_spa = body[8:14], body[14:18]
            self.arp_tpa = body[24:28]
        if self.etype == ETH_IP and len(body) >= 20 and body[0] >> 4 == 4:
            ihl = (body[0] & 15) * 4
            total = struct.unpack("!H", body[2:4])[0]
            ip = body[:total]  # frames under 60 bytes come padded
            self.proto = ip[9]
            seg = ip[ihl:]
            if self.proto == 17 and len(seg) >= 8:
                self.sport, self.dport = struct.unpack("!HH", seg[:4])
                self.payload = seg[8:]
            elif self.proto == 6 and len(seg) >= 20:
                self.sport, self.dport, self.seq, self.ack, off, self.flags = struct.unpack(
                    "!HHIIBB", seg[:14])
                self.payload = seg[(off >> 4) * 4:]


# ---- The test DNS server ----

DNS_NAMES = {"bastion.test": "10.9.9.77", "forged.test": "10.9.9.78"}
DNS_FORGED = "10.9.9.66"


def query_name(query):
    """The name a DNS query asks (lower case), and the offset of the 0 that ends it."""
    labels, at = [], 12
    while at < len(query) and query[at] != 0:
        n = query[at]
        labels.append(query[at + 1:at + 1 + n].decode("ascii", "replace"))
        at += 1 + n
    return ".".join(labels).lower(), at


def dns_answers(query):
    """The answers (DNS messages) to one query, in the order to send them; [] for a datagram
    that is no query."""
    if len(query) < 17 or query[2] & 0x80:
        return []
    ident = query[:2]
    name, at = query_name(query)
    question = query[12:at + 5]

    def answer(ident, rcode, address=None):
        head = ident + struct.pack("!HHHHH", 0x8180 | rcode, 1, 1 if address else 0, 0, 0)
        rr = b""
        if address:
            rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(address)
        return head + question + rr

    if name in DNS_NAMES:
        true = answer(ident, 0, DNS_NAMES[name])
        if name == "forged.test":
            other = bytes([ident[0] ^ 0x5A, ident[1] ^ 0xA5])
            return [answer(other, 0, DNS_FORGED), true]
        return [true]
    return [answer(ident, 3 if name == "gone.test" else 5)]


# ---- The wire ----

class Wire:
    def __init__(self, qemu_port, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.peer = ("127.0.0.1", qemu_port)
        self.echoed = []  # every UDP payload the echo server sent back
        self.synacks = set()  # the ports our SYNs came from that got a SYN-ACK
        self.resets = set()  # the ports of ours the echo port sent a RST to
        self.sent = 0
        self.dns_asked = []  # the names of the DNS queries answered

    def send(self, frame):
        self.sock.sendto(frame, self.peer)
        self.sent += 1

    def take(self, pred, seconds):
        """The first frame from the guest that pred accepts, within seconds, else None. ARP
        requests for 10.9.9.1 and DNS queries to it are answered on the way, and echoes and
        SYN-ACKs recorded."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                raw = self.sock.recv(65536)
            except socket.timeout:
                return None
            f = Frame(raw)
            if f.arp_op == 1 and f.arp_tpa == HOST_IP:
                reply = struct.pack("!HHBBH", 1, ETH_IP, 6, 4, 2) + HOST_MAC + HOST_IP + \
                    f.arp_sha + f.arp_spa
                self.send(eth(reply, ETH_ARP, dst=f.arp_sha))
                continue
            if f.proto == 17 and f.dport == DNS_PORT:
                for a in dns_answers(f.payload):
                    self.send(eth(ipv4(udp(a, DNS_PORT, f.sport), 17)))
                self.dns_asked.append(query_name(f.payload)[0])
                continue
            if f.proto == 17 and f.sport == ECHO_PORT:
                self.echoed.append(f.payload)
            if f.proto == 6 and f.sport == ECHO_PORT and f.flags & SYN and f.flags & ACK:
                self.synacks.add(f.dport)
            if f.proto == 6 and f.sport == ECHO_PORT and f.flags & RST:
                self.resets.add(f.dport)
            if pred(f):
                return f


class Guest:
    def __init__(self, wire):
        self.w = wire
        self.stats_port = 20000
        self.ident = 100

    def next_ident(self):
        self.ident += 1
        return self.ident

    def counters(self, seconds=WAIT_S, must=True):
        """The stack's counters: one request from a port of its own (so a late answer to an
        earlier request is never taken for this one), sent again every RETRY_S. None when no
        answer came and must is False."""
        self.stats_port += 1
        port = self.stats_port
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.w.send(eth(ipv4(udp(b"stats", port, STATS_PORT), 17, ident=self.next_ident())))
            f = self.w.take(lambda f: f.proto == 17 and f.sport == STATS_PORT and f.dport == port,
                            min(RETRY_S, max(0.1, end - time.monotonic())))
            if f:
                words = f.payload.decode("ascii", "replace").split()
                return {k: int(v) for k, v in (w.split("=", 1) for w in words if "=" in w)
                        if v.isdigit()}
        if must:
            fail(f"the stack's counters (UDP port {STATS_PORT}) did not answer within {seconds} s")
        return None

    def udp_echo(self, data, sport, seconds=WAIT_S, frames=None):
        """data sent to the echo port (as the frames given, or one datagram) until it comes
        back; False when it does not within seconds."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for fr in frames or [eth(ipv4(udp(data, sport, ECHO_PORT), 17,
                                          ident=self.next_ident()))]:
                self.w.send(fr)
            if self.w.take(lambda f: f.proto == 17 and f.sport == ECHO_PORT and f.dport == sport
                           and f.payload == data,
                           min(RETRY_S, max(0.1, end - time.monotonic()))):
                return True
        return False

    def tcp_stream(self, sport, size=512, limit=2000):
        """One TCP connection to the echo port carrying segments of size bytes, each echoed
        before the next is sent (sent again every RETRY_S, given up after WAIT_S / 4): how many
        came back before one did not, and the number of the last one sent."""
        iss = random.getrandbits(32)

        def seg(seq, ack, flags, payload=b""):
            return eth(ipv4(tcp(payload, sport, ECHO_PORT, seq, ack, flags), 6,
                            ident=self.next_ident()))

        def ours(f):
            return f.proto == 6 and f.sport == ECHO_PORT and f.dport == sport

        synack = None
        end = time.monotonic() + WAIT_S
        while synack is None and time.monotonic() < end:
            self.w.send(seg(iss, 0, SYN))
            f = self.w.take(ours, RETRY_S)
            if f and f.flags & SYN and f.flags & ACK and f.ack == (iss + 1) & 0xFFFFFFFF:
                synack = f
        if synack is None:
            return 0, 0
        rcv, snd = (synack.seq + 1) & 0xFFFFFFFF, (iss + 1) & 0xFFFFFFFF
        for i in range(limit):
            data = bytes([65 + i % 26]) * size
            got, give_up = b"", time.monotonic() + WAIT_S / 4
            while len(got) < size and time.monotonic() < give_up:
                self.w.send(seg(snd, rcv, ACK | PSH, data))
                resend_at = min(time.monotonic() + RETRY_S, give_up)
                while len(got) < size and time.monotonic() < resend_at:
                    f = self.w.take(ours, max(0.1, resend_at - time.monotonic()))
                    if f is None:
                        break
                    if f.payload and f.seq == rcv:
                        got += f.payload
                        rcv = (rcv + len(f.payload)) & 0xFFFFFFFF
                        self.w.send(seg((snd + size) & 0xFFFFFFFF, rcv, ACK))
            if got != data:
                return i, i + 1
            snd = (snd + size) & 0xFFFFFFFF
        return limit, limit

    def tcp_echo(self, data, sport, seconds=WAIT_S):
        """A TCP connection to the echo port: SYN (sent again until a SYN-ACK), the data with the
        handshake's ACK (sent again until echoed), the echo acknowledged, then a reset. False
        when it did not complete within seconds."""
        end = time.monotonic() + seconds
        iss = random.getrandbits(32)

        def seg(seq, ack, flags, payload=b""):
            return eth(ipv4(tcp(payload, sport, ECHO_PORT, seq, ack, flags), 6,
                            ident=self.next_ident()))

        def ours(f):
            return f.proto == 6 and f.sport == ECHO_PORT and f.dport == sport

        synack = None
        while synack is None and time.monotonic() < end:
            self.w.send(seg(iss, 0, SYN))
            f = self.w.take(ours, min(RETRY_S, max(0.1, end - time.monotonic())))
            if f and f.flags & SYN and f.flags & ACK and f.ack == (iss + 1) & 0xFFFFFFFF:
                synack = f
        if synack is None:
            return False
        rcv = (synack.seq + 1) & 0xFFFFFFFF
        snd = (iss + 1) & 0xFFFFFFFF
        got = b""
        while len(got) < len(data) and time.monotonic() < end:
            self.w.send(seg(snd, rcv, ACK | PSH, data))
            resend_at = time.monotonic() + RETRY_S
            while len(got) < len(data) and time.monotonic() < min(resend_at, end):
                f = self.w.take(ours, max(0.1, min(resend_at, end) - time.monotonic()))
                if f is None:
                    break
                if f.flags & RST:
                    return False
                if f.payload and f.seq == rcv:
                    got += f.payload
                    rcv = (rcv + len(f.payload)) & 0xFFFFFFFF
                    self.w.send(seg((snd + len(data)) & 0xFFFFFFFF, rcv, ACK))
        self.w.send(seg((snd + len(data)) & 0xFFFFFFFF, rcv, RST | ACK))
        return got == data


# ---- The bad frames, by kind ----

def bad_kinds(rng):
    """(name, frames, counters): every frame of the kind must be counted in the sum of the
    counters' growth. Payloads carry a token "bad-..." that must never be echoed."""
    kinds = []
    n = 8

    def tok(kind, i):
        return f"bad-{kind}-{i}".encode()

    def good_udp(kind, i, extra=0, **ip):
        return ipv4(udp(tok(kind, i) + b"\0" * extra, 30000 + i, ECHO_PORT), 17, ident=5000 + i,
                    **ip)

    # Truncated: the frame ends inside a header, or before the length the header claims. (The
    # device pads a frame under 60 bytes with zeros: the lengths claimed reach past that.)
    kinds.append(("truncated IP header (10 of 20 bytes)",
                  [eth(good_udp("trunc-ip", i, extra=64)[:10]) for i in range(n)], ["ip.lenerr"]))
    kinds.append(("truncated UDP datagram (total length beyond the frame)",
                  [eth(ipv4(udp(tok("trunc-udp", i) + b"x" * 32, 30000 + i, ECHO_PORT), 17,
                            ident=5100 + i)[:20 + 8 + 16]) for i in range(n)], ["ip.lenerr"]))
    kinds.append(("truncated UDP header (4 of 8 bytes)",
                  [eth(ipv4(struct.pack("!HH", 30000 + i, ECHO_PORT), 17, ident=5200 + i))
                   for i in range(n)], ["udp.lenerr"]))
    kinds.append(("truncated TCP header (12 of 20 bytes)",
                  [eth(ipv4(tcp(b"", 31000 + i, ECHO_PORT, 1, 0, SYN)[:12], 6, ident=5300 + i))
                   for i in range(n)], ["tcp.lenerr"]))
    # A frame that is an Ethernet header and nothing, or less than one: the device pads short
    # frames to 60 bytes with zeros (so lwIP sees IP version 0, or EtherType 0) or the driver
    # refuses it (below 14 bytes): counted in one of the three.
    kinds.append(("runt frames (14 and 6 bytes)",
                  [eth(b"") if i % 2 else GUEST_MAC for i in range(n)],
                  ["ip.err", "eth.drop", "drv.rxErrors"]))
    # Oversized: 1515..1522 bytes pass the device (it refuses only above 1522 without long
    # packets on) and the driver refuses them (net.Nic promises the stack at most 1514); longer
    # ones the device refuses and counts (ROC), which the driver adds to its receive errors.
    big = [1515, 1518, 1522, 1523, 1600, 4000, 9000, 16000]
    oversized = []
    for i, size in enumerate(big):
        base = eth(good_udp("big", i))
        oversized.append(base + b"\0" * (size - len(base)))
    kinds.append(("oversized frames (1515 to 16000 bytes)", oversized, ["drv.rxErrors"]))
    # Checksums.
    kinds.append(("bad IP header checksum",
                  [eth(good_udp("ipsum", i, check=0xBEEF ^ i)) for i in range(n)], ["ip.chkerr"]))

    def bad_udp(i):
        seg = udp(tok("udpsum", i), 30000 + i, ECHO_PORT)
        return eth(ipv4(udp(tok("udpsum", i), 30000 + i, ECHO_PORT,
                            check=wrong(struct.unpack("!H", seg[6:8])[0])), 17, ident=5400 + i))

    kinds.append(("bad UDP checksum", [bad_udp(i) for i in range(n)], ["udp.chkerr"]))

    def bad_tcp(i):
        seg = tcp(b"", 32000 + i, ECHO_PORT, 7, 0, SYN)
        return eth(ipv4(tcp(b"", 32000 + i, ECHO_PORT, 7, 0, SYN,
                            check=wrong(struct.unpack("!H", seg[16:18])[0])), 6, ident=5500 + i))

    kinds.append(("bad TCP checksum (SYNs)", [bad_tcp(i) for i in range(n)], ["tcp.chkerr"]))
    # Header and total lengths that do not fit.
    kinds.append(("bad IP header length (4, 3, 0 words; 15 words in a short frame)",
                  [eth(good_udp("ihl", i, ihl=[4, 3, 0, 15][i % 4])) for i in range(n)],
                  ["ip.lenerr"]))
    kinds.append(("bad IP total length (below the header; beyond the frame)",
                  [eth(good_udp("len", i, total=[10, 19, 1400, 65535][i % 4])) for i in range(n)],
                  ["ip.lenerr"]))
    # Fragments lwIP refuses at once: options in a fragment (frag.err), a last fragment that
    # would end past 64 KiB, a fragment sent twice, one overlapping another (frag.drop).
    frag = []
    for i in range(2):
        frag.append(eth(ipv4(tok("fopt", i) + b"\0" * 8, 17, ident=6000 + i, frag=0x2000,
                             ihl=6, options=b"\x01\x01\x01\x00")))
    for i in range(2):
        frag.append(eth(ipv4(tok("fend", i) + b"\0" * 8, 17, ident=6100 + i,
                             frag=(65528 // 8))))
    first = eth(ipv4(b"A" * 16, 17, ident=6200, frag=0x2000))
    frag += [first, first]  # the second is the same fragment again
    frag += [eth(ipv4(b"B" * 16, 17, ident=6201, frag=0x2000)),
             eth(ipv4(b"C" * 16, 17, ident=6201, frag=0x2000 | 1))]  # 8..24 overlaps 0..16
    kinds.append(("fragments refused (options, past 64 KiB, twice, overlapping)", frag,
                  ["frag.drop"], 2 + 2 + 1 + 1))
    # Fragments never completed: first halves of 8 datagrams, held until lwIP's reassembly
    # gives them up (15 s) or needs the room: each counted as taken into reassembly.
    kinds.append(("fragments never completed",
                  [eth(ipv4(tok("fhalf", i) + b"\0" * 14, 17, ident=6300 + i, frag=0x2000))
                   for i in range(n)], ["frag.recv"]))
    # Random bytes after a valid Ethernet header to us: an unknown EtherType, an IPv4 header
    # that fails one of lwIP's checks, an ARP message that is not Ethernet/IPv4.
    def rand_bytes(k):
        return bytes(rng.getrandbits(8) for _ in range(k))

    unknown = []
    while len(unknown) < n:
        etype = rng.getrandbits(16)
        if etype not in (ETH_IP, ETH_ARP):
            unknown.append(eth(rand_bytes(rng.randint(46, 1500)), etype))
    kinds.append(("random frames (unknown EtherType)", unknown, ["eth.drop"]))
    rand_ip = []
    while len(rand_ip) < n:
        body = rand_bytes(rng.randint(20, 1500))
        padded = body + b"\0" * max(0, 46 - len(body))  # as the device pads it
        ihl, total = (body[0] & 15) * 4, struct.unpack("!H", body[2:4])[0]
        # lwIP's checks in order: version 4, 20 <= header <= total <= what came, checksum.
        passes = (body[0] >> 4 == 4 and 20 <= ihl <= total <= len(padded) and
                  csum(padded[:ihl]) == 0)
        if not passes:  # one of them fails: lwIP must drop it and count it in ip.drop
            rand_ip.append(eth(body))
    kinds.append(("random IPv4 packets", rand_ip, ["ip.drop"]))
    rand_arp = []
    while len(rand_arp) < n:
        body = rand_bytes(rng.randint(28, 200))
        if body[:6] != b"\x00\x01\x08\x00\x06\x04":
            rand_arp.append(eth(body, ETH_ARP))
    kinds.append(("random ARP messages", rand_arp, ["eth.drop"]))
    return kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu-port", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--killed", action="store_true")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    rng = random.Random(seed)
    random.seed(seed)
    say(f"seed {seed} (--seed {seed} repeats these frames)")
    w = Wire(args.qemu_port, args.port)
    g = Guest(w)

    c = g.counters(WAIT_FIRST_S)
    say(f"the stack answers: {len(c)} counters")
    if not g.udp_echo(b"valid-udp-before", 40001):
        fail("the UDP echo before the bad frames was not answered")
    say("a UDP echo before the bad frames: answered")
    if args.killed:
        echoed, sent = g.tcp_stream(40010)
        if echoed == 0:
            fail("no segment of the TCP transfer came back: the driver died too early, or "
                 "the connection failed")
        if sent == 2000:
            fail("2000 segments echoed: the driver was never killed")
        say(f"a TCP transfer: {echoed} segments of 512 bytes echoed, then segment {sent} not: "
            "the guest went silent mid-transfer")
        if g.counters(WAIT_S / 4, must=False) is not None:
            fail("the stack's counters still answer over the NIC: the driver is not gone")
        say(f"the counters no longer answer: the NIC is gone; PASS ({w.sent} frames sent)")
        return
    if not g.tcp_echo(b"valid-tcp-before\n", 40002):
        fail("the TCP echo before the bad frames was not answered")
    say("a TCP echo before the bad frames: answered")

    for kind in bad_kinds(rng):
        name, frames, names = kind[0], kind[1], kind[2]
        need = kind[3] if len(kind) > 3 else len(frames)
        before = g.counters()
        for f in frames:
            w.send(f)
        after = g.counters()
        missing = [k for k in names if k not in after]
        if missing:
            fail(f"{name}: the stack reports no counter {', '.join(missing)}")
        grew = sum(after[k] - before[k] for k in names)
        growth = ", ".join(f"{k} +{after[k] - before[k]}" for k in names)
        if grew < need:
            fail(f"{name}: {len(frames)} sent, {need} must be counted, counted {grew} ({growth})")
        say(f"{name}: {len(frames)} sent, {growth}")

    # Half-open connections: 64 SYNs from ports that never answer the SYN-ACK, 16 at a time
    # (the stack's pool has 16 connections: lwipopts.h MEMP_NUM_TCP_PCB).
    burst, first_port = 64, 50000
    before = g.counters()
    for b in range(0, burst, 16):
        for port in range(first_port + b, first_port + b + 16):
            w.send(eth(ipv4(tcp(b"", port, ECHO_PORT, random.getrandbits(32), 0, SYN), 6,
                            ident=g.next_ident())))
        g.counters()
    after = g.counters()
    answered = len([p for p in w.synacks if first_port <= p < first_port + burst])
    refused = after["tcp.memerr"] - before["tcp.memerr"]
    evicted = after.get("tcp.evicted", 0) - before.get("tcp.evicted", 0)
    if "tcp.evicted" not in after:
        fail("half-open burst: the stack reports no counter tcp.evicted")
    if answered < burst or refused:
        fail(f"half-open burst: {burst} SYNs, {answered} answered, {refused} refused for want "
             f"of a connection (tcp.memerr +{refused}): a full pool must take the oldest "
             "half-open connection's place")
    if evicted == 0:
        fail(f"half-open burst: {burst} SYNs and no half-open connection evicted: the "
             "connection pool never ran out, so the burst tested nothing")
    # Oldest first: the evicted connections (each told with a RST) are the burst's first ones.
    reset = {p for p in w.resets if first_port <= p < first_port + burst}
    if reset != set(range(first_port, first_port + evicted)):
        fail(f"half-open burst: the {evicted} evicted connections were not the oldest: RSTs to "
             f"ports {sorted(reset)[:8]}... of {first_port}..{first_port + burst - 1}")
    say(f"half-open burst: {burst} SYNs, {answered} answered (SYN-ACK, never completed), "
        f"the {evicted} oldest half-open connections evicted for newer ones, each reset "
        f"(tcp.evicted +{evicted})")

    # The stack and the server still serve: UDP, a fragmented datagram reassembled, TCP at once
    # (the pool is still full of the burst's half-open connections, which lwIP would keep 20 s).
    if not g.udp_echo(b"valid-udp-after", 40003):
        fail("the UDP echo after the bad frames was not answered")
    say("a UDP echo after the bad frames: answered")
    data = b"valid-fragmented-" + b"F" * 23  # 40 bytes: two fragments of 24 and 24
    whole = udp(data, 40004, ECHO_PORT)
    ident = 7000
    frags = [eth(ipv4(whole[:24], 17, ident=ident, frag=0x2000)),
             eth(ipv4(whole[24:], 17, ident=ident, frag=3))]
    if not g.udp_echo(data, 40004, frames=frags):
        fail("a UDP echo in two fragments was not reassembled and answered")
    say("a UDP echo in two fragments after the bad frames: reassembled and answered")
    before = g.counters()
    t0 = time.monotonic()
    if not g.tcp_echo(b"valid-tcp-after\n", 40005, seconds=10):
        fail("the TCP echo after the half-open burst was not answered within 10 s")
    took = time.monotonic() - t0
    refused = g.counters()["tcp.memerr"] - before["tcp.memerr"]
    if refused:
        fail(f"the TCP echo after the half-open burst: {refused} of its SYNs refused for want of "
             "a connection (tcp.memerr)")
    say(f"a TCP echo after the bad frames and the half-open burst: answered in {took:.1f} s, "
        "no SYN refused")

    if any(32000 <= p < 32008 for p in w.synacks):
        fail("a SYN with a bad TCP checksum was answered with a SYN-ACK")
    leaked = [p for p in w.echoed if p and p.startswith(b"bad-")]
    if leaked:
        fail(f"the echo server answered {len(leaked)} bad frames, first {leaked[0][:40]!r}")
    final = g.counters()
    say("counters at the end: " + " ".join(f"{k}={final[k]}" for k in sorted(final)
                                             if final[k] and k != "v"))
    for _ in range(3):  # no answer comes: sent three times against a loss on the way
        w.send(eth(ipv4(udp(b"quit", 40006, ECHO_PORT), 17, ident=g.next_ident())))
        time.sleep(0.2)
    # The resolver's client runs beside all this and asks again when a lookup timed out (about
    # 6 s a try): the DNS server stays until it has been asked every name the client looks up.
    wanted = ("bastion.test", "forged.test", "gone.test")
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end and not all(n in w.dns_asked for n in wanted):
        w.take(lambda f: False, 0.5)
    say(f"the test DNS server answered {len(w.dns_asked)} queries")
    say(f"PASS: {w.sent} frames sent")


if __name__ == "__main__":
    main()
