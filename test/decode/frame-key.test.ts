/**
 * The key read straight from a frame (src/decode/frame-key.ts) lets the
 * analyzer skip a ruled-out flow's segment without decoding it. It must take
 * exactly the frames the decoder's common path decodes as TCP and give the
 * decoded packet's own hashes, or a segment would skip the flow table when it
 * should not (or the other way round). Checked on every committed frame, on
 * every truncation of crafted ones, and on frames corrupted at random.
 */
import { Frame } from '../../src/capture/frame';
import { decodeCommon } from '../../src/decode/common';
import { Packet, SYN, TCP } from '../../src/decode/packet';
import { TcpFrameKey, tcpFrameKey } from '../../src/decode/frame-key';
import { endpointCheck, endpointHash } from '../../src/decode/endpoint-hash';
import { ether, ipv4, ipv6, tcp, udp } from '../support/craft';
import { committedFrames, corrupted, truncations } from '../support/frames';

const pkt = new Packet();
const key = new TcpFrameKey();

/** Throws on any disagreement; returns whether the frame had a key. */
function compare(f: Frame): boolean {
  key.hash = key.check = 0x5eed;
  const keyed = tcpFrameKey(f, key);
  const decodedTcp = f.linkType === 1 && decodeCommon(f, pkt) && pkt.protocol === TCP;
  const hex = (): string => f.data.subarray(f.offset, f.offset + f.capLength).toString('hex');
  if (keyed !== decodedTcp) throw new Error(`key ${keyed}, decoded as TCP ${decodedTcp}: ${hex()}`);
  if (!keyed) return false;
  if (key.hash !== endpointHash(pkt) || key.check !== endpointCheck(pkt)) throw new Error(`hashes differ: ${hex()}`);
  if (key.syn !== ((pkt.tcpFlags & SYN) !== 0)) throw new Error(`SYN differs: ${hex()}`);
  if (key.dnsPort !== (pkt.srcPort === 53 || pkt.dstPort === 53)) throw new Error(`DNS port differs: ${hex()}`);
  return true;
}

describe('tcpFrameKey', () => {
  let frames: Frame[] = [];
  beforeAll(async () => {
    frames = await committedFrames();
  });

  test('keys exactly the frames decoded as common TCP, with the decoded packet\'s hashes', () => {
    let keyed = 0;
    for (const f of frames) if (compare(f)) keyed++;
    expect(frames.length).toBeGreaterThan(1000);
    // Most committed frames are plain Ethernet TCP; DNS, tunnels and other links are left to the decoder.
    expect(keyed / frames.length).toBeGreaterThan(0.5);
    expect(keyed).toBeLessThan(frames.length);
  });

  test('agrees with the decoder on every truncation of TCP and UDP frames, IPv4 and IPv6', () => {
    const samples = [
      ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp('10.0.0.1', '10.0.0.2', 40000, 3333, '{"id":1,"method":"login"}\n'))),
      ether(ipv6('2001:db8::1', '2001:db8::2', 6, tcp('2001:db8::1', '2001:db8::2', 53, 40001, Buffer.alloc(20, 1)))),
      ether(ipv4('10.0.0.1', '10.0.0.2', 17, udp('10.0.0.1', '10.0.0.2', 5000, 53, Buffer.alloc(30, 8)))),
    ];
    let keyed = 0;
    for (const f of truncations(samples)) if (compare(f)) keyed++;
    // Both TCP samples are keyed once their headers are whole; UDP never is.
    expect(keyed).toBeGreaterThan(40);
  });

  test('agrees with the decoder on randomly corrupted frames', () => {
    let keyed = 0;
    for (const f of corrupted(frames, 47, 20000, 0.1)) if (compare(f)) keyed++;
    expect(keyed).toBeGreaterThan(1000);
  });
});
