/**
 * One capture per link type and mirror encapsulation, each holding the same
 * XMRig session (pcaps/generate.ts), so a test can prove the whole pipeline
 * finds it however the frames were wrapped. Regenerate byte for byte with:
 *   npx tsc -p . && node dist/pcaps/encap/generate.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePcap, writePcapng } from '../../src/capture/writer';
import { packageRoot } from '../../src/paths';
import { Conversation, ether, ethertypeOf, ipv4, udp, toRecords, type Timed } from '../../test/support/craft';
import { erspan2, erspan3, gre, loopback, mpls, ppp, pppProtocolOf, pppoe, sll, sll2, vxlan } from '../../test/support/craft-links';
import { XMRIG_JOB, XMRIG_LOGIN } from '../generate';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const MIRROR_SRC = '192.0.2.1';
const MIRROR_DST = '192.0.2.2';

export interface Encapsulation {
  name: string;
  linkType: number;
  /** Wraps one IP packet as the capture shows it. */
  wrap: (ip: Buffer) => Buffer;
  /** Addresses of the mining session inside (IPv6 for some). */
  client?: string;
  server?: string;
  pcapng?: boolean;
}

function outer(proto: number, payload: Buffer): Buffer {
  return ether(ipv4(MIRROR_SRC, MIRROR_DST, proto, payload));
}

export const ENCAPSULATIONS: Encapsulation[] = [
  { name: 'ethernet', linkType: 1, wrap: (ip) => ether(ip) },
  { name: 'ethernet-ipv6', linkType: 1, wrap: (ip) => ether(ip), client: '2001:db8:10::3', server: '2001:db8:66::7' },
  { name: 'vlan', linkType: 1, wrap: (ip) => ether(ip, ethertypeOf(ip), [100]) },
  { name: 'qinq', linkType: 1, wrap: (ip) => ether(ip, ethertypeOf(ip), [10, 200]), pcapng: true },
  { name: 'pppoe', linkType: 1, wrap: (ip) => ether(pppoe(ip), 0x8864) },
  { name: 'mpls', linkType: 1, wrap: (ip) => ether(mpls(ip, [16, 17]), 0x8847) },
  { name: 'linux-sll', linkType: 113, wrap: (ip) => sll(ip, ethertypeOf(ip)) },
  { name: 'linux-sll2', linkType: 276, wrap: (ip) => sll2(ip, ethertypeOf(ip)), pcapng: true },
  { name: 'raw-ip', linkType: 101, wrap: (ip) => ip },
  { name: 'raw-ip-dlt12', linkType: 12, wrap: (ip) => ip },
  { name: 'raw-ipv4', linkType: 228, wrap: (ip) => ip },
  { name: 'raw-ipv6', linkType: 229, wrap: (ip) => ip, client: '2001:db8:10::3', server: '2001:db8:66::7' },
  { name: 'bsd-null', linkType: 0, wrap: (ip) => loopback(ip, 2, false) },
  { name: 'openbsd-loop', linkType: 108, wrap: (ip) => loopback(ip, 2, true) },
  { name: 'ppp', linkType: 9, wrap: (ip) => ppp(ip, pppProtocolOf(ip)) },
  { name: 'gre', linkType: 1, wrap: (ip) => outer(47, gre(ip, ethertypeOf(ip), { key: 42 })) },
  { name: 'erspan-ii', linkType: 1, wrap: (ip) => outer(47, erspan2(ether(ip), 5, 0, 9)) },
  { name: 'erspan-iii', linkType: 1, wrap: (ip) => outer(47, erspan3(ether(ip), { platform: true })), pcapng: true },
  { name: 'vxlan', linkType: 1, wrap: (ip) => outer(17, udp(MIRROR_SRC, MIRROR_DST, 51000, 4789, vxlan(ether(ip)))) },
  { name: 'ip-in-ip', linkType: 1, wrap: (ip) => outer(4, ip) },
  { name: '6in4', linkType: 1, wrap: (ip) => outer(41, ip), client: '2001:db8:10::3', server: '2001:db8:66::7' },
];

export function session(e: Encapsulation): Timed[] {
  const c = new Conversation({
    client: e.client ?? '10.1.2.3',
    server: e.server ?? '198.51.100.7',
    clientPort: 49152,
    serverPort: 3333,
    startMs: T0,
    link: e.wrap,
  });
  c.handshake().client(XMRIG_LOGIN).server(XMRIG_JOB);
  return c.close().frames;
}

export function captureBytes(e: Encapsulation): Buffer {
  const records = toRecords(session(e));
  return e.pcapng ? writePcapng([{ interfaces: [{ linkType: e.linkType }], records }]) : writePcap(records, { linkType: e.linkType });
}

export function fileName(e: Encapsulation): string {
  return `${e.name}.${e.pcapng ? 'pcapng' : 'pcap'}`;
}

function main(): void {
  const dir = join(packageRoot(), 'pcaps', 'encap');
  mkdirSync(dir, { recursive: true });
  for (const e of ENCAPSULATIONS) writeFileSync(join(dir, fileName(e)), captureBytes(e));
}

if (require.main === module) main();
