#!/usr/bin/env python3
"""Ordinary services and their clients for real-tools.sh, on loopback only.

    real-services.py serve WWWDIR     runs every server until killed
    real-services.py clients          talks to them once and exits

Speaks just enough of each protocol for a real capture tool to record a
believable exchange: DNS (UDP and TCP), NTP, a Bitcoin Core style JSON-RPC
node, an Ethereum node, an Electrum server, Bitcoin P2P version/verack, a
Monero Levin handshake, an SSH banner exchange and SMTP.
"""
import hashlib
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
DNS_ADDR = ("127.0.0.53", 53)


# ---------------------------------------------------------------- DNS

def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(qid, name, qtype=1):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack(">HH", qtype, 1)


def dns_answer(query):
    qid, = struct.unpack(">H", query[:2])
    # The question runs from byte 12 to the end of the name plus type and class.
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    qtype, = struct.unpack(">H", query[end + 1:end + 3])
    answers = b""
    count = 0
    for i in range(3):
        if qtype == 28:
            rdata = socket.inet_pton(socket.AF_INET6, "2001:db8:53::%d" % (i + 1))
        else:
            rdata = bytes([198, 18, 53, i + 1])
        answers += struct.pack(">HHHIH", 0xC00C, 28 if qtype == 28 else 1, 1, 300, len(rdata)) + rdata
        count += 1
    return struct.pack(">HHHHHH", qid, 0x8180, 1, count, 0, 0) + question + answers


class DnsUdp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(dns_answer(data), self.client_address)


class DnsTcp(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            n, = struct.unpack(">H", head)
            a = dns_answer(self.rfile.read(n))
            self.wfile.write(struct.pack(">H", len(a)) + a)


# ---------------------------------------------------------------- NTP

class Ntp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        reply = bytearray(48)
        reply[0] = 0x24
        reply[1] = 2
        reply[24:32] = data[40:48]
        reply[40:44] = struct.pack(">I", int(time.time()) + 2208988800)
        sock.sendto(bytes(reply), self.client_address)


# ---------------------------------------------------------------- node JSON-RPC over HTTP

class NodeRpc(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        method = body.get("method")
        results = {
            "getblockchaininfo": {"chain": "main", "blocks": 870321, "headers": 870321, "difficulty": 1.1e14, "verificationprogress": 0.99999},
            "getnetworkinfo": {"version": 270000, "subversion": "/Satoshi:27.0.0/", "connections": 10},
            "getbalance": 0.125,
            "eth_blockNumber": "0x1480a3c",
            "eth_getBalance": "0x1bc16d674ec80000",
            "eth_chainId": "0x1",
        }
        out = {"result": results.get(method), "error": None, "id": body.get("id")}
        if body.get("jsonrpc") == "2.0":
            out = {"jsonrpc": "2.0", "id": body.get("id"), "result": results.get(method)}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# ---------------------------------------------------------------- line and binary protocols

class Electrum(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            req = json.loads(line)
            res = {"server.version": ["ElectrumX 1.16.0", "1.4"], "blockchain.headers.subscribe": {"height": 870321, "hex": "00" * 80},
                   "blockchain.scripthash.get_balance": {"confirmed": 103873966, "unconfirmed": 0}}.get(req["method"])
            self.wfile.write((json.dumps({"jsonrpc": "2.0", "result": res, "id": req["id"]}) + "\n").encode())


def btc_msg(command, payload):
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return bytes.fromhex("f9beb4d9") + command.encode().ljust(12, b"\0") + struct.pack("<I", len(payload)) + check + payload


def btc_version():
    return struct.pack("<iQq", 70016, 1033, int(time.time())) + bytes(26) + bytes(26) + struct.pack("<Q", 42) + b"\x10/Satoshi:27.0.0/" + struct.pack("<i?", 870321, True)


class BitcoinP2p(socketserver.StreamRequestHandler):
    def handle(self):
        self.rfile.read(24)
        self.wfile.write(btc_msg("version", btc_version()) + btc_msg("verack", b""))
        time.sleep(0.05)
        self.wfile.write(btc_msg("ping", struct.pack("<Q", 7)))


def levin(command, body, expect=True, flags=1):
    return struct.pack("<QQ?IiII", 0x0101010101012101, len(body), expect, command, 0, flags, 1) + body


class MoneroLevin(socketserver.StreamRequestHandler):
    def handle(self):
        self.rfile.read(33)
        self.wfile.write(levin(1001, os.urandom(600), False, 2))


class Ssh(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
        self.rfile.readline()
        self.wfile.write(os.urandom(1100))


class Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 mail.example.com ESMTP Postfix\r\n")
        for line in self.rfile:
            if line.startswith(b"EHLO"):
                self.wfile.write(b"250-mail.example.com\r\n250 8BITMIME\r\n")
            elif line.startswith(b"DATA"):
                self.wfile.write(b"354 go ahead\r\n")
            elif line.strip() == b".":
                self.wfile.write(b"250 2.0.0 Ok: queued\r\n")
            elif line.startswith(b"QUIT"):
                self.wfile.write(b"221 2.0.0 Bye\r\n")
                return
            elif line.startswith((b"MAIL", b"RCPT")):
                self.wfile.write(b"250 Ok\r\n")


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve():
    servers = [
        socketserver.ThreadingUDPServer(DNS_ADDR, DnsUdp),
        TcpServer(DNS_ADDR, DnsTcp),
        socketserver.ThreadingUDPServer((HOST, 123), Ntp),
        ThreadingHTTPServer((HOST, 8332), NodeRpc),
        ThreadingHTTPServer((HOST, 8545), NodeRpc),
        TcpServer((HOST, 50001), Electrum),
        TcpServer((HOST, 8333), BitcoinP2p),
        TcpServer((HOST, 18080), MoneroLevin),
        TcpServer((HOST, 22), Ssh),
        TcpServer((HOST, 25), Smtp),
    ]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(60)


# ---------------------------------------------------------------- clients

def rpc(port, body, auth=True):
    data = json.dumps(body).encode()
    head = "POST / HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: python-requests/2.31\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (
        HOST, port, "Authorization: Basic dXNlcjpwYXNz\r\n" if auth else "", len(data))
    with socket.create_connection((HOST, port)) as s:
        s.sendall(head.encode() + data)
        s.recv(65536)


def clients():
    names = ["pool.ntp.org", "0.debian.pool.ntp.org", "coindesk.com", "poolsuppliesplus.com", "carpool.example", "www.coinbase.com", "minecraft.net", "mempool.space"]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    for i, n in enumerate(names):
        u.sendto(dns_query(0x100 + i, n, 28 if i % 3 == 0 else 1), DNS_ADDR)
        u.recvfrom(4096)
    with socket.create_connection(DNS_ADDR) as t:
        q = dns_query(0x77, "www.poolsuppliesplus.com")
        t.sendall(struct.pack(">H", len(q)) + q)
        t.recv(4096)
    for _ in range(3):
        q = bytearray(48)
        q[0] = 0x23
        u.sendto(bytes(q), (HOST, 123))
        u.recvfrom(4096)
    rpc(8332, {"jsonrpc": "1.0", "id": "curltest", "method": "getblockchaininfo", "params": []})
    rpc(8332, {"jsonrpc": "1.0", "id": "curltest", "method": "getnetworkinfo", "params": []})
    rpc(8545, {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}, False)
    rpc(8545, {"jsonrpc": "2.0", "id": 2, "method": "eth_getBalance", "params": ["0x742d35Cc6634C0532925a3b844Bc454e4438f44e", "latest"]}, False)
    with socket.create_connection((HOST, 50001)) as s:
        f = s.makefile("rwb")
        for i, (m, p) in enumerate([("server.version", ["electrum/4.5.5", "1.4"]), ("blockchain.headers.subscribe", []),
                                    ("blockchain.scripthash.get_balance", ["8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161"])]):
            f.write((json.dumps({"jsonrpc": "2.0", "method": m, "params": p, "id": i}) + "\n").encode())
            f.flush()
            f.readline()
    with socket.create_connection((HOST, 8333)) as s:
        s.sendall(btc_msg("version", btc_version()))
        s.recv(4096)
        s.sendall(btc_msg("verack", b""))
        time.sleep(0.1)
    with socket.create_connection((HOST, 18080)) as s:
        s.sendall(levin(1001, os.urandom(250)))
        s.recv(65536)
    with socket.create_connection((HOST, 22)) as s:
        s.recv(100)
        s.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" + os.urandom(900))
        s.recv(4096)
    with socket.create_connection((HOST, 25)) as s:
        f = s.makefile("rwb")
        f.readline()
        for line in [b"EHLO client.example.org", b"MAIL FROM:<alice@example.org>", b"RCPT TO:<bob@example.com>", b"DATA",
                     b"Subject: pool party\r\n\r\nBring coins for the vending machine.\r\n.", b"QUIT"]:
            f.write(line + b"\r\n")
            f.flush()
            f.readline()
            if line == b"EHLO client.example.org":
                f.readline()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        clients()
