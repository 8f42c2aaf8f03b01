/**
 * Decoder throughput: decodes a few million crafted frames (a mix of plain,
 * tagged and tunnelled traffic) laid out back to back in one buffer, the way a
 * reader hands them out, and prints millions of packets per second.
 *   node <build>/bench/decode.js [millions]
 */
import { Frame } from '../src/capture/frame';
import { Packet } from '../src/decode/packet';
import { decodeFrame, DecodeStats } from '../src/decode/decode';
import { ether, ipv4, ipv6, tcp, udp } from '../test/support/craft';
import { erspan2, vxlan } from '../test/support/craft-links';

const A = '192.168.1.10';
const B = '203.0.113.5';
const A6 = '2001:db8::10';
const B6 = '2001:db8::5';
const payload = Buffer.alloc(200, 0x61);

const frames = [
  ether(ipv4(A, B, 6, tcp(A, B, 50000, 3333, payload, { flags: 'PA' }))),
  ether(ipv4(B, A, 6, tcp(B, A, 3333, 50000, '', { flags: 'A' }))),
  ether(ipv6(A6, B6, 17, udp(A6, B6, 5353, 53, payload.subarray(0, 40)))),
  ether(ipv4(A, B, 6, tcp(A, B, 50001, 443, payload, { flags: 'PA' })), 0x0800, [10]),
  ether(ipv4('10.9.9.1', '10.9.9.2', 47, erspan2(ether(ipv4(A, B, 6, tcp(A, B, 50002, 4444, payload)))))),
  ether(ipv4('10.9.9.1', '10.9.9.2', 17, udp('10.9.9.1', '10.9.9.2', 1, 4789, vxlan(ether(ipv6(A6, B6, 6, tcp(A6, B6, 1, 2, payload))))))),
];
const chunk = Buffer.concat(frames);
const offsets: number[] = [];
let at = 0;
for (const f of frames) {
  offsets.push(at);
  at += f.length;
}

const millions = Number(process.argv[2] ?? 5);
const total = Math.round(millions * 1e6);
const frame = new Frame();
frame.data = chunk;
frame.linkType = 1;
const pkt = new Packet();
const stats = new DecodeStats();

function run(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = i % frames.length;
    frame.offset = offsets[k];
    frame.capLength = frame.origLength = frames[k].length;
    if (decodeFrame(frame, pkt, stats)) sum += pkt.dstPort + pkt.payloadLength;
  }
  return sum;
}

run(200_000); // warm up the JIT
stats.reset();
const t0 = process.hrtime.bigint();
const sum = run(total);
const ns = Number(process.hrtime.bigint() - t0);
const mpps = total / (ns / 1e3);
console.log(`decode: ${total} frames in ${(ns / 1e6).toFixed(0)} ms = ${mpps.toFixed(2)} Mpps (ok ${stats.ok}, tunnels ${stats.tunnels}, check ${sum})`);
