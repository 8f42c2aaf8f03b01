/**
 * Regenerates the detection test captures under pcaps/detect/ byte for byte
 * (fixed addresses, times, sequence numbers; no clock, no randomness):
 *   npx tsc -p . && node dist/pcaps/detect/generate.js [OUTDIR]
 *
 * One capture per mining dialect, per stream irregularity (split, reordered,
 * retransmitted, picked up mid-stream, several messages per segment), per way
 * a pool's name reaches the wire (DNS over UDP and TCP, CNAME chains, AAAA,
 * TLS SNI, HTTP Host, HTTP CONNECT), and negatives made of ordinary traffic.
 * test/detect/scenarios.test.ts and negatives.test.ts say what each must give.
 *
 * Every capture uses its own addresses (10.20.N.x for hosts, 198.51.100.N /
 * 203.0.113.N / 2001:db8:N:: for servers), so scanning the whole folder at
 * once gives the union of the per-file findings. Message shapes follow the
 * real implementations named next to each one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePcap } from '../../src/capture/writer';
import { packageRoot } from '../../src/paths';
import { Conversation, ether, ip, tcp, toRecords, udpFrame, type Timed } from '../../test/support/craft';
import {
  bitcoinMessage,
  clientHello,
  dnsMessage,
  dnsTcp,
  levinMessage,
  rng,
  serverHelloMessage,
  sv2SetupConnection,
  sv2SetupConnectionSuccess,
  tlsRecords,
  type DnsRecordSpec,
} from '../../test/support/craft-protocols';
import { fragmentFrames, type Piece } from '../../test/support/fragments';

/** 2026-02-02 10:00:00 UTC; capture N starts N minutes later. */
const T0 = Date.UTC(2026, 1, 2, 10, 0, 0);
/** Gap between consecutive frames of a capture. */
const STEP_MS = 20;

// ---------------------------------------------------------------- shared values

export const XMR_WALLET = '48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD';
export const XMRIG_AGENT = 'XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0';
export const BTC_WALLET = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
export const NICEHASH_BTC = '3P8DtYzCrvhuj448RHdAMSmdLnsKCDBsK8';
export const ZEC_WALLET = 't1JBZzdaUUSJDs8q7SUxcCSzakThqtNRtNv';
export const ETH_WALLET = '0xb85150eb365e7df0941f0cf08235f987ba91506a';
export const GRIN_LOGIN = 'grin1lp5ncna8vf5k2dvkqcsmx8sfe9pd3x6szm9dqckxsvvsr6vhgu5qvw2zhy';
export const BEAM_KEY = '2c3e5b5b1a9e3e8d4c0f7b19fa8d2e3c4b5a69788796a5b4c3d2e1f0a1b2c3d4e5f.rig7';

const HEX64 = (seed: number): string => hex(seed, 32);

/** Deterministic hex of `bytes` bytes (mulberry32 seeded). */
function hex(seed: number, bytes: number): string {
  const r = rng(seed);
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(r() * 256).toString(16).padStart(2, '0');
  return s;
}

function bytes(seed: number, n: number): Buffer {
  return Buffer.from(hex(seed, n), 'hex');
}

function lines(...msgs: string[]): string {
  return msgs.map((m) => m + '\n').join('');
}

// ---------------------------------------------------------------- capture plumbing

/** Rewrites frame times in wire order: capture `n` starts at T0 + n minutes, STEP_MS apart. */
function timed(n: number, frames: Timed[]): Timed[] {
  const start = T0 + n * 60_000;
  return frames.map((f, i) => ({ tsNs: BigInt(start + i * STEP_MS) * 1_000_000n, data: f.data }));
}

function pcap(n: number, frames: Timed[]): Buffer {
  return writePcap(toRecords(timed(n, frames)), { linkType: 1 });
}

function conv(client: string, server: string, clientPort: number, serverPort: number, o: { clientSeq?: number; serverSeq?: number } = {}): Conversation {
  return new Conversation({ client, server, clientPort, serverPort, clientSeq: o.clientSeq ?? 0x3a000000, serverSeq: o.serverSeq ?? 0x7c000000 });
}

/** A UDP DNS question and its answer (times are rewritten by `timed`). */
function dnsUdp(host: string, resolver: string, port: number, id: number, name: string, type: number, answers: DnsRecordSpec[]): Timed[] {
  const q = dnsMessage({ id, questions: [{ name, type }], edns: true });
  const a = dnsMessage({ id, response: true, flags: 0x0180, questions: [{ name, type }], answers, edns: true });
  return [udpFrame(host, resolver, port, 53, q, 0), udpFrame(resolver, host, 53, port, a, 0)];
}

/** A client segment carrying `payload` from the sequence number of `like` (an IPv4 Ethernet frame of `c`'s client). */
function resend(c: Conversation, like: Timed, payload: string): Timed {
  const o = c.o;
  const seq = like.data.readUInt32BE(14 + 20 + 4);
  const ack = like.data.readUInt32BE(14 + 20 + 8);
  return { tsNs: like.tsNs, data: ether(ip(o.client, o.server, 6, tcp(o.client, o.server, o.clientPort, o.serverPort, payload, { seq, ack, flags: 'PA' }))) };
}

/** Frames appended by `fn` to the conversation. */
function span(c: Conversation, fn: () => void): Timed[] {
  const before = c.frames.length;
  fn();
  return c.frames.slice(before);
}

// ---------------------------------------------------------------- dialects

/** pooler cpuminer 2.5.1 (util.c) against a ckpool-style SHA-256 pool: ids first in requests, last in submits. */
function stratumV1Cpuminer(): Buffer {
  const c = conv('10.20.1.10', '198.51.100.1', 51001, 3333);
  const user = `${BTC_WALLET}.cpu1`;
  c.handshake();
  c.client('{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}\n');
  c.server('{"result":[[["mining.notify","5e4b1c32"]],"5e4b1c32",8],"id":1,"error":null}\n');
  c.client(`{"id": 2, "method": "mining.authorize", "params": ["${user}", "x"]}\n`);
  c.server(
    lines(
      '{"result":true,"id":2,"error":null}',
      '{"id":null,"method":"mining.set_difficulty","params":[0.5]}',
      `{"params":["6a1f","${HEX64(11)}","01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff1c03","0affffffff01",[],"20000000","17034219","65b9a3c0",true],"id":null,"method":"mining.notify"}`,
    ),
  );
  c.client(`{"method": "mining.submit", "params": ["${user}", "6a1f", "0000000000000000", "65b9a3c0", "7a3e1c00"], "id":4}\n`);
  c.server('{"result":true,"id":4,"error":null}\n');
  c.client(`{"method": "mining.submit", "params": ["${user}", "6a1f", "0000000000000001", "65b9a3c4", "0d93f2a1"], "id":5}\n`);
  c.server('{"result":false,"id":5,"error":[23,"Low difficulty share",null]}\n');
  return pcap(1, c.close().frames);
}

/** BIP 310: an Antminer (bmminer) sends mining.configure before subscribe; submits carry version bits. */
function stratumV1Bip310(): Buffer {
  const c = conv('10.20.2.10', '198.51.100.2', 51002, 3333);
  const user = 'acme.s19-07';
  c.handshake();
  c.client('{"method": "mining.configure", "id": 1, "params": [["version-rolling"], {"version-rolling.mask": "1fffe000", "version-rolling.min-bit-count": 2}]}\n');
  c.server('{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}\n');
  c.client('{"id": 2, "method": "mining.subscribe", "params": ["bmminer/2.0.0"]}\n');
  c.server('{"id":2,"result":[[["mining.set_difficulty","1"],["mining.notify","1"]],"0a1b2c3d",4],"error":null}\n');
  c.client(`{"params": ["${user}", "123"], "id": 3, "method": "mining.authorize"}\n`);
  c.server(
    lines(
      '{"id":3,"result":true,"error":null}',
      '{"id":null,"method":"mining.set_difficulty","params":[65536]}',
      `{"id":null,"method":"mining.notify","params":["b7e2","${HEX64(21)}","02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff3503","ffffffff0100f2052a01000000",["${HEX64(22)}"],"20000000","1703a30c","65b9a400",true]}`,
    ),
  );
  c.client(`{"params": ["${user}", "b7e2", "00000001", "65b9a400", "1c2f3b4a", "04d46000"], "id": 4, "method": "mining.submit"}\n`);
  c.server('{"id":4,"result":true,"error":null}\n');
  return pcap(2, c.close().frames);
}

/** NiceHash-signed subscribe: agent, millisecond timestamp, HMAC hex. */
function stratumV1NiceHash(): Buffer {
  const c = conv('10.20.3.10', '198.51.100.3', 51003, 3334);
  const user = `${NICEHASH_BTC}.rig3`;
  c.handshake();
  c.client(`{"id":1,"method":"mining.subscribe","params":["NiceHash/1.0.0","1769997780000","${hex(31, 32)}"]}\n`);
  c.server('{"id":1,"result":[[["mining.set_difficulty","b4b6"],["mining.notify","b4b6"]],"b4b6a105",4],"error":null}\n');
  c.client(`{"id":2,"method":"mining.authorize","params":["${user}","x"]}\n`);
  c.server(
    lines(
      '{"id":2,"result":true,"error":null}',
      '{"id":null,"method":"mining.set_difficulty","params":[500000]}',
      `{"id":null,"method":"mining.notify","params":["0000000a3f","${HEX64(32)}","01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff35","ffffffff02",[],"20000000","1703a30c","65b9a410",false]}`,
    ),
  );
  c.client(`{"id":3,"method":"mining.submit","params":["${user}","0000000a3f","00000000","65b9a410","8a1c2e3f"]}\n`);
  c.server('{"id":3,"result":true,"error":null}\n');
  return pcap(3, c.close().frames);
}

/** Zcash (ZIP 301 as nheqminer's libstratum sends it): [agent, null, host, port]; set_target; 8-param notify. */
function zcashZip301(): Buffer {
  const c = conv('10.20.4.10', '198.51.100.4', 51004, 3333);
  c.handshake();
  c.client('{"id":1,"method":"mining.subscribe","params":["nheqminer/0.5c", null,"eu1-zcash.flypool.org","3333"]}\n');
  c.server('{"id":1,"result":[null,"0b7f3e21"],"error":null}\n');
  c.client(`{"id":2,"method":"mining.authorize","params":["${ZEC_WALLET}.zrig","x"]}\n`);
  c.server(
    lines(
      '{"id":2,"result":true,"error":null}',
      `{"id":null,"method":"mining.set_target","params":["0010c6f7a0b5ed8d4f3f7b9de${'0'.repeat(39)}"]}`,
      `{"id":null,"method":"mining.notify","params":["2b1e","04000000","${HEX64(41)}","${HEX64(42)}","${'0'.repeat(64)}","65b9a420","1c0a3d41",true]}`,
    ),
  );
  c.client('{"id":3,"method":"mining.extranonce.subscribe","params":[]}\n');
  c.server('{"id":3,"result":true,"error":null}\n');
  c.client(`{"id":4,"method":"mining.submit","params":["${ZEC_WALLET}.zrig","2b1e","65b9a420","${hex(43, 28)}","fd4005${hex(44, 120)}"]}\n`);
  c.server('{"id":4,"result":true,"error":null}\n');
  return pcap(4, c.close().frames);
}

/** EthereumStratum/1.0.0 (NiceHash spec; ethminer's subscribe). */
function ethereumStratum1(): Buffer {
  const c = conv('10.20.5.10', '198.51.100.5', 51005, 3353);
  const user = `${NICEHASH_BTC}.gpu5`;
  c.handshake();
  c.client('{"id":1,"jsonrpc":"2.0","method":"mining.subscribe","params":["ethminer-0.19.0","EthereumStratum/1.0.0"]}\n');
  c.server('{"id":1,"result":[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f","EthereumStratum/1.0.0"],"080c"],"error":null}\n');
  c.client(`{"id":2,"jsonrpc":"2.0","method":"mining.authorize","params":["${user}","x"]}\n`);
  c.server(
    lines(
      '{"id":2,"result":true,"error":null}',
      '{"id":null,"method":"mining.set_difficulty","params":[0.5]}',
      `{"id":null,"method":"mining.notify","params":["bf0488aa","${HEX64(51)}","${HEX64(52)}",true]}`,
    ),
  );
  c.client(`{"id":4,"jsonrpc":"2.0","method":"mining.submit","params":["${user}","bf0488aa","6a909d9bbc0f"]}\n`);
  c.server('{"id":4,"result":true,"error":null}\n');
  return pcap(5, c.close().frames);
}

/** EthereumStratum/2.0.0 (EIP-1571) as ethminer's jsoncpp writes it: keys sorted, hello carries host and hex port. */
function eip1571(): Buffer {
  const c = conv('10.20.6.10', '198.51.100.6', 51006, 4444);
  c.handshake();
  c.client('{"id":1,"jsonrpc":"2.0","method":"mining.hello","params":{"agent":"ethminer-0.19.0","host":"eu1-etc.ethermine.org","port":"115c","proto":"EthereumStratum/2.0.0"}}\n');
  c.server('{"id":1,"result":{"encoding":"plain","maxerrors":"5","node":"Geth/v1.10.8-stable/linux-amd64/go1.16.7","proto":"EthereumStratum/2.0.0","resume":"1","timeout":"b4"}}\n');
  c.client('{"id":2,"jsonrpc":"2.0","method":"mining.subscribe"}\n');
  c.server('{"id":2,"result":"s-64e1c3"}\n');
  c.client(`{"id":3,"jsonrpc":"2.0","method":"mining.authorize","params":["${ETH_WALLET}.rig6","x"]}\n`);
  c.server(
    lines(
      '{"id":3,"result":"w-123"}',
      '{"method":"mining.set","params":{"algo":"etchash","epoch":"dc","extranonce":"af4c","target":"0112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba"}}',
      `{"method":"mining.notify","params":["bf0488aa","6526d5","${HEX64(61)}","0"]}`,
    ),
  );
  c.client('{"id":31,"jsonrpc":"2.0","method":"mining.submit","params":["bf0488aa","68765fccd712","w-123"]}\n');
  c.server('{"id":31}\n');
  return pcap(6, c.close().frames);
}

/** ETH-proxy as Claymore sends it: "worker" first, spaces after colons, method last. */
function ethProxy(): Buffer {
  const c = conv('10.20.7.10', '198.51.100.7', 51007, 8008);
  c.handshake();
  c.client(`{"worker": "eth1.0", "jsonrpc": "2.0", "params": ["${ETH_WALLET}.rig", "x"], "id": 2, "method": "eth_submitLogin"}\n`);
  c.server('{"id":2,"jsonrpc":"2.0","result":true}\n');
  c.client('{"worker": "", "jsonrpc": "2.0", "params": [], "id": 3, "method": "eth_getWork"}\n');
  c.server(`{"id":3,"jsonrpc":"2.0","result":["0x${HEX64(71)}","0x${HEX64(72)}","0x00000000dbe6fecebdedd5beb573440e5a884d1b2fbf06fcce912adcb8d8422e"]}\n`);
  c.client(`{"id": 6, "jsonrpc": "2.0", "method": "eth_submitHashrate", "params": ["0x0000000000000000000000000000000000000000000000000000000001c9c380", "0x${HEX64(73)}"]}\n`);
  c.server('{"id":6,"jsonrpc":"2.0","result":true}\n');
  c.client(`{"id": 4, "jsonrpc": "2.0", "method": "eth_submitWork", "params": ["0x${hex(74, 8)}", "0x${HEX64(71)}", "0x${HEX64(75)}"], "worker": "eth1.0"}\n`);
  c.server('{"id":4,"jsonrpc":"2.0","result":true}\n');
  c.server(`{"id":0,"jsonrpc":"2.0","result":["0x${HEX64(76)}","0x${HEX64(72)}","0x00000000dbe6fecebdedd5beb573440e5a884d1b2fbf06fcce912adcb8d8422e"]}\n`);
  return pcap(7, c.close().frames);
}

const XMRIG_LOGIN = (id: number, rigid?: string): string =>
  `{"id":${id},"jsonrpc":"2.0","method":"login","params":{"login":"${XMR_WALLET}","pass":"x","agent":"${XMRIG_AGENT}",${rigid ? `"rigid":"${rigid}",` : ''}"algo":["rx/0","cn/r","cn/2","rx/wow","cn-pico"]}}\n`;
const XMR_JOB = (id: number, session: string, jobId: string, seed: number): string =>
  `{"id":${id},"jsonrpc":"2.0","error":null,"result":{"id":"${session}","job":{"blob":"${hex(seed, 76)}","job_id":"${jobId}","target":"b88d0600","algo":"rx/0","height":3100000,"seed_hash":"${HEX64(seed + 1)}"},"extensions":["algo","nicehash","connect","tls","keepalive"],"status":"OK"}}\n`;
const XMR_PUSH = (jobId: string, seed: number): string =>
  `{"jsonrpc":"2.0","method":"job","params":{"blob":"${hex(seed, 76)}","job_id":"${jobId}","target":"b88d0600","algo":"rx/0","height":3100001,"seed_hash":"${HEX64(seed + 1)}"}}\n`;
const XMR_SUBMIT = (id: number, session: string, jobId: string, seed: number): string =>
  `{"id":${id},"jsonrpc":"2.0","method":"submit","params":{"id":"${session}","job_id":"${jobId}","nonce":"${hex(seed, 4)}","result":"${hex(seed + 1, 32)}"}}\n`;
const XMR_OK = (id: number): string => `{"id":${id},"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n`;

/** CryptoNote / XMRig 6.16.0: login with algo list and rig id, job, pushed job, keepalived, submits. */
function cryptonoteXmrig(): Buffer {
  const c = conv('10.20.8.10', '198.51.100.8', 51008, 3333);
  c.handshake();
  c.client(XMRIG_LOGIN(1, 'office-pc-8'));
  c.server(XMR_JOB(1, '5b2a9e1c', 'x8-1', 81));
  c.client(XMR_SUBMIT(2, '5b2a9e1c', 'x8-1', 82));
  c.server(XMR_OK(2));
  c.server(XMR_PUSH('x8-2', 83));
  c.client('{"id":3,"jsonrpc":"2.0","method":"keepalived","params":{"id":"5b2a9e1c"}}\n');
  c.server('{"id":3,"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}}\n');
  c.client(XMR_SUBMIT(4, '5b2a9e1c', 'x8-2', 84));
  c.server(XMR_OK(4));
  return pcap(8, c.close().frames);
}

/** Grin (grin-miner against a Grin stratum, mimblewimble/grin doc/stratum.md): string ids, "method" repeated in answers. */
function grin(): Buffer {
  const c = conv('10.20.9.10', '198.51.100.9', 51009, 3416);
  const prePow = hex(91, 180);
  c.handshake();
  c.client(`{"id":"0","jsonrpc":"2.0","method":"login","params":{"login":"${GRIN_LOGIN}.rig9","pass":"x","agent":"grin-miner"}}\n`);
  c.server('{"id":"0","jsonrpc":"2.0","method":"login","result":"ok","error":null}\n');
  c.client('{"id":"1","jsonrpc":"2.0","method":"getjobtemplate","params":null}\n');
  c.server(`{"id":"1","jsonrpc":"2.0","method":"getjobtemplate","result":{"difficulty":4,"height":2710000,"job_id":4,"pre_pow":"${prePow}"},"error":null}\n`);
  c.server(`{"id":"Stratum","jsonrpc":"2.0","method":"job","params":{"difficulty":4,"height":2710001,"job_id":5,"pre_pow":"${hex(92, 180)}"}}\n`);
  const pow = Array.from({ length: 42 }, (_, i) => 4210040 + i * 12_345_679).join(',');
  c.client(`{"id":"2","jsonrpc":"2.0","method":"submit","params":{"edge_bits":32,"height":2710001,"job_id":5,"nonce":8895699060858340771,"pow":[${pow}]}}\n`);
  c.server('{"id":"2","jsonrpc":"2.0","method":"submit","result":"ok","error":null}\n');
  c.client('{"id":"3","jsonrpc":"2.0","method":"keepalive","params":null}\n');
  c.server('{"id":"3","jsonrpc":"2.0","method":"keepalive","result":"ok","error":null}\n');
  return pcap(9, c.close().frames);
}

/** Beam (BeamMW stratum as Beam miners write it: keys alphabetical, no spaces). */
function beam(): Buffer {
  const c = conv('10.20.10.10', '198.51.100.10', 51010, 3333);
  c.handshake();
  c.client(`{"api_key":"${BEAM_KEY}","id":"login","jsonrpc":"2.0","method":"login"}\n`);
  c.server(
    lines(
      '{"code":0,"description":"Login successful","forkheight":321321,"forkheight2":777777,"id":"login","jsonrpc":"2.0","method":"result","nonceprefix":"a1f3"}',
      `{"difficulty":104366736,"height":2500000,"id":"5417","input":"${HEX64(101)}","jsonrpc":"2.0","method":"job","nonceprefix":"a1f3"}`,
    ),
  );
  c.client(`{"id":"5417","jsonrpc":"2.0","method":"solution","nonce":"a1f3${hex(102, 6)}","output":"${hex(103, 104)}"}\n`);
  c.server('{"code":1,"description":"accepted","id":"5417","jsonrpc":"2.0","method":"result"}\n');
  return pcap(10, c.close().frames);
}

function httpRequest(method: string, target: string, headers: [string, string][], body = ''): string {
  const all = body ? [...headers, ['Content-Length', String(Buffer.byteLength(body))] as [string, string]] : headers;
  return `${method} ${target} HTTP/1.1\r\n${all.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}

function httpResponse(status: string, headers: [string, string][], body: string): string {
  return `HTTP/1.1 ${status}\r\n${[...headers, ['Content-Length', String(Buffer.byteLength(body))]].map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}

/** getwork over HTTP (cgminer 3.x against slush's api.bitcoin.cz): mining headers, basic auth, work, a submitted share. */
function getworkHttp(): Buffer {
  const c = conv('10.20.11.10', '198.51.100.11', 51011, 8332);
  const auth = 'Basic ' + Buffer.from('acme.worker11:x').toString('base64');
  const head: [string, string][] = [
    ['Host', 'api.bitcoin.cz:8332'],
    ['User-Agent', 'cgminer/3.7.2'],
    ['Accept', '*/*'],
    ['Authorization', auth],
    ['Content-Type', 'application/json'],
    ['X-Mining-Extensions', 'longpoll midstate rollntime submitold'],
    ['X-Mining-Hashrate', '3670016000'],
  ];
  const data = hex(111, 128);
  c.handshake();
  c.client(httpRequest('POST', '/', head, '{"method": "getwork", "params": [], "id":0}'));
  c.server(
    httpResponse(
      '200 OK',
      [['Content-Type', 'application/json'], ['X-Long-Polling', '/LP'], ['X-Roll-NTime', 'expire=120'], ['X-Stratum', 'stratum+tcp://stratum.bitcoin.cz:3333']],
      `{"result":{"midstate":"${HEX64(112)}","data":"${data}","hash1":"00000000000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000010000","target":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000"},"error":null,"id":0}`,
    ),
  );
  c.client(httpRequest('POST', '/', head, `{"method": "getwork", "params": ["${data}"], "id":1}`));
  c.server(httpResponse('200 OK', [['Content-Type', 'application/json']], '{"result":true,"error":null,"id":1}'));
  return pcap(11, c.close().frames);
}

/** getblocktemplate (BIP 22/23, bfgminer against a LAN bitcoind), then submitblock. */
function getblocktemplateHttp(): Buffer {
  const c = conv('10.20.12.10', '10.20.12.2', 51012, 8332);
  const head: [string, string][] = [
    ['Host', '10.20.12.2:8332'],
    ['User-Agent', 'bfgminer/5.5.0'],
    ['Authorization', 'Basic ' + Buffer.from('solo:hunter2').toString('base64')],
    ['Content-Type', 'application/json'],
    ['X-Mining-Extensions', 'longpoll midstate rollntime submitold'],
  ];
  c.handshake();
  c.client(httpRequest('POST', '/', head, '{"id": 0, "method": "getblocktemplate", "params": [{"capabilities": ["coinbasetxn", "workid", "coinbase/append"], "rules": ["segwit"]}]}'));
  c.server(
    httpResponse(
      '200 OK',
      [['Content-Type', 'application/json']],
      `{"result":{"capabilities":["proposal"],"version":536870912,"rules":["csv","!segwit","taproot"],"vbavailable":{},"vbrequired":0,"previousblockhash":"${'0'.repeat(16)}${hex(121, 24)}","transactions":[],"coinbaseaux":{},"coinbasevalue":312500000,"longpollid":"${HEX64(122)}1","target":"00000000000000000003f1ea0000000000000000000000000000000000000000","mintime":1769990000,"mutable":["time","transactions","prevblock"],"noncerange":"00000000ffffffff","sigoplimit":80000,"sizelimit":4000000,"weightlimit":4000000,"curtime":1769997600,"bits":"17034219","height":930000,"default_witness_commitment":"6a24aa21a9ed${HEX64(123)}"},"error":null,"id":0}\n`,
    ),
  );
  c.client(httpRequest('POST', '/', head, `{"id": 1, "method": "submitblock", "params": ["${hex(124, 200)}"]}`));
  c.server(httpResponse('200 OK', [['Content-Type', 'application/json']], '{"result":null,"error":null,"id":1}\n'));
  return pcap(12, c.close().frames);
}

/** monerod's documented /json_rpc get_block_template and submit_block, from a curl-driven solo script. */
function monerodTemplate(): Buffer {
  const c = conv('10.20.13.10', '10.20.13.2', 51013, 18081);
  const head: [string, string][] = [['Host', '10.20.13.2:18081'], ['User-Agent', 'curl/7.88.1'], ['Accept', '*/*'], ['Content-Type', 'application/json']];
  c.handshake();
  c.client(httpRequest('POST', '/json_rpc', head, `{"jsonrpc":"2.0","id":"0","method":"get_block_template","params":{"wallet_address":"${XMR_WALLET}","reserve_size":60}}`));
  c.server(
    httpResponse(
      '200 OK',
      [['Content-Type', 'application/json']],
      `{\n  "id": "0",\n  "jsonrpc": "2.0",\n  "result": {\n    "blockhashing_blob": "${hex(131, 76)}",\n    "blocktemplate_blob": "${hex(132, 120)}",\n    "difficulty": 350000000000,\n    "expected_reward": 600000000000,\n    "height": 3100002,\n    "prev_hash": "${HEX64(133)}",\n    "reserved_offset": 130,\n    "status": "OK",\n    "untrusted": false\n  }\n}`,
    ),
  );
  c.client(httpRequest('POST', '/json_rpc', head, `{"jsonrpc":"2.0","id":"0","method":"submit_block","params":["${hex(134, 150)}"]}`));
  c.server(httpResponse('200 OK', [['Content-Type', 'application/json']], '{\n  "id": "0",\n  "jsonrpc": "2.0",\n  "result": {\n    "status": "OK",\n    "untrusted": false\n  }\n}'));
  return pcap(13, c.close().frames);
}

/** Plain (LAN) Stratum V2: SetupConnection from a Braiins OS device, SetupConnection.Success. */
function stratumV2Plain(): Buffer {
  const c = conv('10.20.14.10', '10.20.14.2', 51014, 34254);
  c.handshake();
  c.client(
    sv2SetupConnection({
      protocol: 0,
      minVersion: 2,
      maxVersion: 2,
      flags: 0b110,
      endpointHost: 'v2.stratum.braiins.com',
      endpointPort: 3336,
      vendor: 'Bitmain',
      hardwareVersion: 'S19j Pro',
      firmware: 'Braiins OS 23.12',
      deviceId: 's19-rack4-07',
    }),
  );
  c.server(sv2SetupConnectionSuccess(2, 0b10));
  return pcap(14, c.close().frames);
}

// ---------------------------------------------------------------- stream irregularities

/** XMRig's login cut in two segments (a small path MTU), the job answer in two as well. */
function streamSplitFirst(): Buffer {
  const c = conv('10.20.15.10', '198.51.100.15', 51015, 3333);
  c.handshake();
  c.client(XMRIG_LOGIN(1), 120);
  c.server(XMR_JOB(1, '0c15e7aa', 'x15-1', 151), 200);
  c.client(XMR_SUBMIT(2, '0c15e7aa', 'x15-1', 152));
  c.server(XMR_OK(2));
  return pcap(15, c.close().frames);
}

/** Out of order: the second half of the subscribe and of the pool's answer arrive before the first halves. */
function streamOutOfOrder(): Buffer {
  const c = conv('10.20.16.10', '198.51.100.16', 51016, 3333);
  const user = `${BTC_WALLET}.ooo16`;
  c.handshake();
  const hello = span(c, () => c.client('{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}\n', 40));
  const answer = span(c, () => c.server('{"result":[[["mining.notify","16ab"]],"16ab0000",8],"id":1,"error":null}\n', 30));
  const rest = span(c, () => {
    c.client(`{"id": 2, "method": "mining.authorize", "params": ["${user}", "x"]}\n`);
    c.server(lines('{"result":true,"id":2,"error":null}', `{"params":["16j1","${HEX64(161)}","01","02",[],"20000000","17034219","65b9a5c0",true],"id":null,"method":"mining.notify"}`));
    c.client(`{"method": "mining.submit", "params": ["${user}", "16j1", "0000000000000000", "65b9a5c0", "1f2e3d4c"], "id":4}\n`);
    c.server('{"result":true,"id":4,"error":null}\n');
  });
  const close = span(c, () => c.close());
  const [h0, h1] = hello;
  const [a0, a1, a2] = answer;
  return pcap(16, [...c.frames.slice(0, 3), h1, h0, a2, a0, a1, ...rest, ...close]);
}

/** Retransmissions: the login sent twice, and a submit resent inside a larger segment that overlaps it. */
function streamRetransmission(): Buffer {
  const c = conv('10.20.17.10', '198.51.100.17', 51017, 3333);
  c.handshake();
  const login = span(c, () => c.client(XMRIG_LOGIN(1)));
  const job = span(c, () => c.server(XMR_JOB(1, '17aa01', 'x17-1', 171)));
  const submit2 = XMR_SUBMIT(2, '17aa01', 'x17-1', 172);
  const submit3 = XMR_SUBMIT(3, '17aa01', 'x17-1', 173);
  // The first submit is sent alone and lost beyond the capture point; TCP resends it
  // coalesced with the next one: same starting sequence number, a longer segment.
  const first = span(c, () => c.client(submit2));
  span(c, () => c.client(submit3));
  const coalesced = resend(c, first[0], submit2 + submit3);
  const answers = span(c, () => c.server(XMR_OK(2) + XMR_OK(3)));
  const close = span(c, () => c.close());
  return pcap(17, [...c.frames.slice(0, 3), ...login, ...login, ...job, ...first, coalesced, ...answers, ...close]);
}

/** Picked up mid-session on a Stratum v1 flow: no handshake, the first bytes are the tail of a notify line. */
function midstreamStratum(): Buffer {
  const c = conv('10.20.18.10', '198.51.100.18', 51018, 3333, { clientSeq: 0x0a0b0c0d, serverSeq: 0x55667788 });
  const user = `${BTC_WALLET}.mid18`;
  const notify = (job: string, seed: number, clean: boolean) =>
    `{"params":["${job}","${HEX64(seed)}","0100000001","ffffffff",[],"20000000","17034219","65b9a6${seed.toString(16).padStart(2, '0')}",${clean}],"id":null,"method":"mining.notify"}\n`;
  const cut = notify('18a0', 180, false);
  c.server(cut.slice(97));
  c.server(notify('18a1', 181, true));
  c.client(`{"method": "mining.submit", "params": ["${user}", "18a1", "0000000000000003", "65b9a6b5", "6b1d0f2e"], "id":41}\n`);
  c.server('{"result":true,"id":41,"error":null}\n');
  c.server(notify('18a2', 182, false));
  c.client(`{"method": "mining.submit", "params": ["${user}", "18a2", "0000000000000004", "65b9a6b6", "0e7d3c2b"], "id":42}\n`);
  c.server('{"result":true,"id":42,"error":null}\n');
  return pcap(18, c.frames);
}

/**
 * Picked up mid-session on a CryptoNote flow, and the first packet seen is the
 * pool's job push. The pool listens on 45700 and the miner's port is 38012, so
 * the port heuristic alone would take the pool for the client.
 */
function midstreamPoolFirst(): Buffer {
  const c = conv('10.20.19.10', '198.51.100.19', 38012, 45700, { clientSeq: 0x11223344, serverSeq: 0x66554433 });
  c.server(XMR_PUSH('x19-7', 191));
  c.client(XMR_SUBMIT(57, '19cc7e', 'x19-7', 192));
  c.server(XMR_OK(57));
  c.client('{"id":58,"jsonrpc":"2.0","method":"keepalived","params":{"id":"19cc7e"}}\n');
  c.server('{"id":58,"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}}\n');
  c.server(XMR_PUSH('x19-8', 193));
  return pcap(19, c.frames);
}

/**
 * TLS picked up mid-session to an address a DNS answer seen earlier gave for
 * a pool (the miner re-resolved while its old session went on). The first
 * packet is the pool's, and the pool port (45700) is above the miner's
 * (38020), so the ports alone make the pool look like the client.
 */
function midstreamTlsTied(): Buffer {
  const dns = dnsUdp('10.20.38.10', '10.20.38.53', 41038, 0x3808, 'xmr.herominers.com', 1, [{ name: 'xmr.herominers.com', type: 1, ttl: 600, data: '198.51.100.38' }]);
  const c = conv('10.20.38.10', '198.51.100.38', 38020, 45700, { clientSeq: 0x0badcafe, serverSeq: 0x5eed5eed });
  c.server(appData(381, 310));
  c.client(appData(382, 180));
  c.server(appData(383, 40));
  c.server(appData(384, 310));
  c.client(appData(385, 180));
  c.server(appData(386, 40));
  return pcap(38, [...dns, ...c.frames]);
}

/** Several messages per segment both ways (Nagle, or a pool writing its greeting in one go). */
function streamManyInOne(): Buffer {
  const c = conv('10.20.20.10', '198.51.100.20', 51020, 3333);
  const user = `${BTC_WALLET}.many20`;
  c.handshake();
  c.client(lines('{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}', `{"id": 2, "method": "mining.authorize", "params": ["${user}", "x"]}`));
  c.server(
    lines(
      '{"result":[[["mining.notify","20cd"]],"20cd0000",8],"id":1,"error":null}',
      '{"result":true,"id":2,"error":null}',
      '{"id":null,"method":"mining.set_difficulty","params":[2]}',
      `{"params":["20j1","${HEX64(201)}","01","02",[],"20000000","17034219","65b9a7c0",true],"id":null,"method":"mining.notify"}`,
    ),
  );
  c.client(
    lines(
      `{"method": "mining.submit", "params": ["${user}", "20j1", "0000000000000000", "65b9a7c0", "01020304"], "id":4}`,
      `{"method": "mining.submit", "params": ["${user}", "20j1", "0000000000000001", "65b9a7c0", "05060708"], "id":5}`,
      `{"method": "mining.submit", "params": ["${user}", "20j1", "0000000000000002", "65b9a7c0", "090a0b0c"], "id":6}`,
    ),
  );
  c.server(lines('{"result":true,"id":4,"error":null}', '{"result":true,"id":5,"error":null}', '{"result":null,"id":6,"error":[21,"Stale",null]}'));
  return pcap(20, c.close().frames);
}

// ---------------------------------------------------------------- how the pool's name shows

/** A DNS answer (UDP) for xmr-eu1.nanopool.org, then plain CryptoNote stratum to the address. */
function dnsUdpThenStratum(): Buffer {
  const dns = dnsUdp('10.20.21.10', '10.20.21.53', 41021, 0x2101, 'xmr-eu1.nanopool.org', 1, [{ name: 'xmr-eu1.nanopool.org', type: 1, ttl: 300, data: '198.51.100.21' }]);
  const c = conv('10.20.21.10', '198.51.100.21', 51021, 14444);
  c.handshake().client(XMRIG_LOGIN(1)).server(XMR_JOB(1, '21ee', 'x21-1', 211));
  c.client(XMR_SUBMIT(2, '21ee', 'x21-1', 212)).server(XMR_OK(2));
  return pcap(21, [...dns, ...c.close().frames]);
}

/** Stratum over TLS with no SNI (XMRig 6.16.0 never sends one): only the earlier DNS answer names the pool. */
function dnsThenTlsNoSni(): Buffer {
  const dns = dnsUdp('10.20.22.10', '10.20.22.53', 41022, 0x2202, 'pool.supportxmr.com', 1, [{ name: 'pool.supportxmr.com', type: 1, ttl: 60, data: '198.51.100.22' }]);
  const c = conv('10.20.22.10', '198.51.100.22', 51022, 443);
  c.handshake();
  c.client(clientHello({ tls13: true, alpn: undefined }));
  c.server(serverFlight(221));
  c.client(Buffer.concat([Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]), appData(222, 58), appData(223, 420)]));
  c.server(appData(224, 560));
  c.client(appData(225, 230));
  c.server(appData(226, 90));
  return pcap(22, [...dns, ...c.close().frames]);
}

/** TLS whose ClientHello names the pool (an XMRig with "sni": true, or any TLS miner); no DNS seen. */
function tlsSni(): Buffer {
  const c = conv('10.20.23.10', '198.51.100.23', 51023, 12020);
  c.handshake();
  c.client(clientHello({ sni: 'eth.2miners.com', tls13: true }));
  c.server(serverFlight(231));
  c.client(appData(232, 300));
  c.server(appData(233, 700));
  return pcap(23, c.close().frames);
}

/** DNS over TCP (a resolver falling back after truncation) answers rx.unmineable.com; stratum follows. */
function dnsTcpThenStratum(): Buffer {
  const name = 'rx.unmineable.com';
  const d = conv('10.20.24.10', '10.20.24.53', 41024, 53);
  d.handshake();
  d.client(dnsTcp(dnsMessage({ id: 0x2404, questions: [{ name, type: 1 }], edns: true })));
  d.server(dnsTcp(dnsMessage({ id: 0x2404, response: true, flags: 0x0180, questions: [{ name, type: 1 }], answers: [{ name, type: 1, ttl: 120, data: '198.51.100.24' }, { name, type: 1, ttl: 120, data: '198.51.100.124' }], edns: true })));
  const dnsFrames = d.close().frames;
  const c = conv('10.20.24.10', '198.51.100.24', 51024, 3333);
  c.handshake();
  c.client(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"SHIB:${ETH_WALLET}.unmin24#ref-7q2v","pass":"x","agent":"${XMRIG_AGENT}","algo":["rx/0"]}}\n`);
  c.server(XMR_JOB(1, '24ab', 'x24-1', 241));
  return pcap(24, [...dnsFrames, ...c.close().frames]);
}

/** A CNAME chain: the pool name points at a load balancer name, which points at a CDN name, which has the address. */
function dnsCnameChain(): Buffer {
  const q = 'xmr.pool.minergate.com';
  const dns = dnsUdp('10.20.25.10', '10.20.25.53', 41025, 0x2505, q, 1, [
    { name: q, type: 5, ttl: 600, data: 'mg-lb-eu.edgekey-example.net' },
    { name: 'mg-lb-eu.edgekey-example.net', type: 5, ttl: 300, data: 'e7731.a.cdn-example.net' },
    { name: 'e7731.a.cdn-example.net', type: 1, ttl: 20, data: '203.0.113.25' },
  ]);
  const c = conv('10.20.25.10', '203.0.113.25', 51025, 45700);
  c.handshake().client(XMRIG_LOGIN(1)).server(XMR_JOB(1, '25cd', 'x25-1', 251));
  return pcap(25, [...dns, ...c.close().frames]);
}

/** An AAAA answer and a miner reaching the pool over IPv6. */
function dnsAaaaIpv6(): Buffer {
  const host = '2001:db8:20:26::10';
  const pool = '2001:db8:ff26::3';
  const dns = dnsUdp(host, '2001:db8:20:26::53', 41026, 0x2606, 'xmr.2miners.com', 28, [{ name: 'xmr.2miners.com', type: 28, ttl: 300, data: pool }]);
  const c = conv(host, pool, 51026, 2222);
  c.handshake().client(XMRIG_LOGIN(1)).server(XMR_JOB(1, '26ef', 'x26-1', 261));
  c.client(XMR_SUBMIT(2, '26ef', 'x26-1', 262)).server(XMR_OK(2));
  return pcap(26, [...dns, ...c.close().frames]);
}

/** A browser on a pool's web site (HTTP Host): someone checking a balance, a weak sign. */
function httpHostPoolSite(): Buffer {
  const c = conv('10.20.27.10', '198.51.100.27', 51027, 80);
  c.handshake();
  c.client(
    httpRequest('GET', `/api/miner/${XMR_WALLET}/stats`, [
      ['Host', 'supportxmr.com'],
      ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'],
      ['Accept', 'application/json'],
    ]),
  );
  c.server(httpResponse('200 OK', [['Content-Type', 'application/json']], '{"hash":0,"identifier":"global","lastHash":1769997000,"totalHashes":118200000,"validShares":4,"invalidShares":0,"amtPaid":0,"amtDue":1100000}'));
  return pcap(27, c.close().frames);
}

/** A miner behind an HTTP proxy: CONNECT pool.supportxmr.com:3333, 200, then XMRig's stratum inside. */
function httpConnectProxy(): Buffer {
  const c = conv('10.20.28.10', '10.20.28.3', 51028, 3128);
  c.handshake();
  c.client(httpRequest('CONNECT', 'pool.supportxmr.com:3333', [['Host', 'pool.supportxmr.com:3333'], ['Proxy-Connection', 'Keep-Alive']]));
  c.server('HTTP/1.1 200 Connection established\r\n\r\n');
  c.client(XMRIG_LOGIN(1, 'behind-proxy'));
  c.server(XMR_JOB(1, '28aa', 'x28-1', 281));
  c.client(XMR_SUBMIT(2, '28aa', 'x28-1', 282));
  c.server(XMR_OK(2));
  return pcap(28, c.close().frames);
}

/** A host resolves a pool name (an A answer) and never connects within the capture. */
function dnsLookupOnly(): Buffer {
  const frames = dnsUdp('10.20.29.10', '10.20.29.53', 41029, 0x2909, 'gulf.moneroocean.stream', 1, [{ name: 'gulf.moneroocean.stream', type: 1, ttl: 30, data: '198.51.100.29' }]);
  return pcap(29, frames);
}

/**
 * A name of the miner's own CNAMEd to the pool host (an alias that no pool
 * list holds), then TLS without SNI to the answer: only the chain names the pool.
 */
function dnsCnameAlias(): Buffer {
  const q = 'updates.example-corp.net';
  const dns = dnsUdp('10.20.37.10', '10.20.37.53', 41037, 0x3707, q, 1, [
    { name: q, type: 5, ttl: 300, data: 'pool.hashvault.pro' },
    { name: 'pool.hashvault.pro', type: 1, ttl: 300, data: '198.51.100.37' },
  ]);
  const c = conv('10.20.37.10', '198.51.100.37', 51037, 443);
  c.handshake();
  c.client(clientHello({ tls13: true }));
  c.server(serverFlight(371));
  c.client(appData(372, 420));
  c.server(appData(373, 560));
  return pcap(37, [...dns, ...c.close().frames]);
}

// ---------------------------------------------------------------- ordinary traffic (negatives)

/** TLS 1.3 server flight: ServerHello, ChangeCipherSpec, then encrypted records. */
function serverFlight(seed: number): Buffer {
  return Buffer.concat([tlsRecords(serverHelloMessage(true), 16384, 22, 0x0303), Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]), appData(seed, 2400)]);
}

function appData(seed: number, n: number): Buffer {
  const h = Buffer.from([0x17, 0x03, 0x03, 0, 0]);
  h.writeUInt16BE(n, 3);
  return Buffer.concat([h, bytes(seed, n)]);
}

/** Web pages whose names hold "coin" and "pool": a news site and a pool-supplies shop. */
function negWebHttp(): Buffer {
  const frames: Timed[] = [];
  const sites: [string, string, number, string][] = [
    ['www.coindesk.com', '/markets/2026/02/02/bitcoin-holds-above-100k/', 301, '203.0.113.30'],
    ['www.poolsuppliesplus.com', '/collections/pool-chemicals', 302, '203.0.113.31'],
    ['coinmarketcap.com', '/currencies/monero/', 303, '203.0.113.32'],
  ];
  let port = 52030;
  for (const [host, path, seed, addr] of sites) {
    frames.push(...dnsUdp('10.20.30.10', '10.20.30.53', port + 100, seed, host, 1, [{ name: host, type: 1, ttl: 300, data: addr }]));
    const c = conv('10.20.30.10', addr, port++, 80);
    c.handshake();
    c.client(httpRequest('GET', path, [['Host', host], ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'], ['Accept', 'text/html,application/xhtml+xml'], ['Accept-Language', 'en-US,en;q=0.9']]));
    c.server(httpResponse('200 OK', [['Content-Type', 'text/html; charset=utf-8'], ['Cache-Control', 'max-age=60']], `<!doctype html><html><head><title>${host}</title></head><body><h1>Mining pool and coin news</h1><p>${hex(seed, 300)}</p></body></html>`));
    frames.push(...c.close().frames);
  }
  return pcap(30, frames);
}

/** TLS to ordinary names (browser-like hellos with GREASE, ALPN, SNI). */
function negTls(): Buffer {
  const frames: Timed[] = [];
  const names: [string, string][] = [
    ['www.google.com', '203.0.113.33'],
    ['github.com', '203.0.113.34'],
    ['www.coinbase.com', '203.0.113.35'],
  ];
  let port = 52033;
  for (const [sni, addr] of names) {
    const c = conv('10.20.31.10', addr, port++, 443);
    c.handshake();
    c.client(clientHello({ sni, alpn: ['h2', 'http/1.1'], grease: true, tls13: true, padTo: 512 }));
    c.server(serverFlight(port));
    c.client(appData(port + 1, 480));
    c.server(appData(port + 2, 1300));
    frames.push(...c.close().frames);
  }
  return pcap(31, frames);
}

/** NTP pool names (pool.ntp.org, 0.pool.ntp.org) looked up, then NTP to the answers; an ordinary name too. */
function negDnsNtp(): Buffer {
  const host = '10.20.32.10';
  const resolver = '10.20.32.53';
  const frames: Timed[] = [
    ...dnsUdp(host, resolver, 41032, 0x3201, 'pool.ntp.org', 1, [
      { name: 'pool.ntp.org', type: 1, ttl: 130, data: '203.0.113.36' },
      { name: 'pool.ntp.org', type: 1, ttl: 130, data: '203.0.113.37' },
    ]),
    ...dnsUdp(host, resolver, 41033, 0x3202, '0.pool.ntp.org', 1, [{ name: '0.pool.ntp.org', type: 1, ttl: 130, data: '203.0.113.38' }]),
    ...dnsUdp(host, resolver, 41034, 0x3203, '2.debian.pool.ntp.org', 1, [{ name: '2.debian.pool.ntp.org', type: 1, ttl: 130, data: '203.0.113.39' }]),
    ...dnsUdp(host, resolver, 41035, 0x3204, 'www.wikipedia.org', 1, [
      { name: 'www.wikipedia.org', type: 5, ttl: 3600, data: 'dyna.wikimedia.org' },
      { name: 'dyna.wikimedia.org', type: 1, ttl: 600, data: '203.0.113.40' },
    ]),
  ];
  for (const [i, addr] of ['203.0.113.36', '203.0.113.38', '203.0.113.39'].entries()) {
    const req = Buffer.alloc(48);
    req[0] = 0x23; // LI 0, version 4, mode 3 (client)
    bytes(320 + i, 8).copy(req, 40); // transmit timestamp
    const res = Buffer.alloc(48);
    res[0] = 0x24; // mode 4 (server)
    res[1] = 2; // stratum 2
    res[2] = 3;
    res[3] = 0xe9;
    bytes(330 + i, 36).copy(res, 12);
    req.copy(res, 24, 40, 48); // origin timestamp echoes the request
    frames.push(udpFrame(host, addr, 123, 123, req, 0), udpFrame(addr, host, 123, 123, res, 0));
  }
  return pcap(32, frames);
}

/** A wallet talking to its nodes: bitcoind over HTTP, geth over HTTP, and geth-style JSON lines over raw TCP. */
function negWalletRpc(): Buffer {
  const frames: Timed[] = [];
  const b = conv('10.20.33.10', '10.20.33.2', 52040, 8332);
  const auth = 'Basic ' + Buffer.from('__cookie__:' + hex(331, 32)).toString('base64');
  b.handshake();
  b.client(httpRequest('POST', '/', [['Host', '10.20.33.2:8332'], ['Connection', 'close'], ['Authorization', auth], ['Content-Type', 'application/json']], '{"method":"getblockchaininfo","params":[],"id":1,"jsonrpc":"2.0"}\n'));
  b.server(
    httpResponse(
      '200 OK',
      [['Content-Type', 'application/json'], ['Date', 'Mon, 02 Feb 2026 10:33:00 GMT']],
      `{"jsonrpc":"2.0","result":{"chain":"main","blocks":930000,"headers":930000,"bestblockhash":"${'0'.repeat(18)}${hex(332, 23)}","difficulty":110451907374649.6,"time":1769997500,"mediantime":1769995000,"verificationprogress":0.9999987,"initialblockdownload":false,"chainwork":"${'0'.repeat(40)}${hex(333, 12)}","size_on_disk":721456789012,"pruned":false,"warnings":[]},"id":1}\n`,
    ),
  );
  frames.push(...b.close().frames);
  const g = conv('10.20.33.10', '10.20.33.3', 52041, 8545);
  const gh: [string, string][] = [['Host', '10.20.33.3:8545'], ['User-Agent', 'Go-http-client/1.1'], ['Content-Type', 'application/json']];
  g.handshake();
  g.client(httpRequest('POST', '/', gh, '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'));
  g.server(httpResponse('200 OK', [['Content-Type', 'application/json'], ['Vary', 'Origin']], '{"jsonrpc":"2.0","id":1,"result":"0x15a3c2f"}\n'));
  g.client(httpRequest('POST', '/', gh, `{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["${ETH_WALLET}","latest"]}`));
  g.server(httpResponse('200 OK', [['Content-Type', 'application/json'], ['Vary', 'Origin']], '{"jsonrpc":"2.0","id":2,"result":"0x1bc16d674ec80000"}\n'));
  frames.push(...g.close().frames);
  const r = conv('10.20.33.10', '10.20.33.3', 52042, 8547);
  r.handshake();
  r.client('{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}\n');
  r.server('{"jsonrpc":"2.0","id":1,"result":"0x15a3c2f"}\n');
  r.client(`{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["${ETH_WALLET}","latest"]}\n`);
  r.server('{"jsonrpc":"2.0","id":2,"result":"0x1bc16d674ec80000"}\n');
  r.client('{"jsonrpc":"2.0","id":3,"method":"eth_getBlockByNumber","params":["latest",false]}\n');
  r.server(`{"jsonrpc":"2.0","id":3,"result":{"number":"0x15a3c2f","hash":"0x${HEX64(334)}","parentHash":"0x${HEX64(335)}","miner":"0x95222290dd7278aa3ddd389cc1e1d165cc4bafe5","gasUsed":"0x1c9c380","timestamp":"0x6980a5ac","transactions":[]}}\n`);
  frames.push(...r.close().frames);
  return pcap(33, frames);
}

/** A Bitcoin "version" payload (protocol 70016, Bitcoin Core 27.0 user agent). */
function bitcoinVersion(startHeight: number, nonceSeed: number): Buffer {
  const ua = Buffer.from('/Satoshi:27.0.0/');
  const p = Buffer.alloc(4 + 8 + 8 + 26 + 26 + 8 + 1 + ua.length + 4 + 1);
  let o = 0;
  p.writeInt32LE(70016, o);
  o += 4;
  p.writeBigUInt64LE(0x0c09n, o); // NETWORK | WITNESS | NETWORK_LIMITED | P2P_V2
  o += 8;
  p.writeBigInt64LE(1769998000n, o);
  o += 8;
  o += 26; // addr_recv (services 0, ::, port 0)
  o += 26; // addr_from
  bytes(nonceSeed, 8).copy(p, o);
  o += 8;
  p[o++] = ua.length;
  ua.copy(p, o);
  o += ua.length;
  p.writeInt32LE(startHeight, o);
  o += 4;
  p[o] = 1;
  return p;
}

/** Node peer traffic: Bitcoin version/verack on 8333 and a Monero Levin handshake on 18080. */
function negNodeP2p(): Buffer {
  const frames: Timed[] = [];
  const b = conv('10.20.34.10', '203.0.113.41', 52050, 8333);
  b.handshake();
  b.client(bitcoinMessage('f9beb4d9', 'version', bitcoinVersion(930000, 341)));
  b.server(Buffer.concat([bitcoinMessage('f9beb4d9', 'version', bitcoinVersion(930001, 342)), bitcoinMessage('f9beb4d9', 'verack', Buffer.alloc(0))]));
  b.client(Buffer.concat([bitcoinMessage('f9beb4d9', 'verack', Buffer.alloc(0)), bitcoinMessage('f9beb4d9', 'sendcmpct', Buffer.from('000200000000000000', 'hex'))]));
  b.server(bitcoinMessage('f9beb4d9', 'ping', bytes(343, 8)));
  b.client(bitcoinMessage('f9beb4d9', 'pong', bytes(343, 8)));
  frames.push(...b.close().frames);
  const m = conv('10.20.34.10', '203.0.113.42', 52051, 18080);
  // Portable-storage signature and version, then a short section (node_data, payload_data).
  const storage = (seed: number, n: number) => Buffer.concat([Buffer.from('011101010101020101', 'hex'), bytes(seed, n)]);
  m.handshake();
  m.client(levinMessage(1001, storage(344, 220), true, 1));
  m.server(levinMessage(1001, storage(345, 3000), false, 2));
  m.client(levinMessage(1002, storage(346, 120), true, 1));
  m.server(levinMessage(1002, storage(347, 140), false, 2));
  frames.push(...m.close().frames);
  return pcap(34, frames);
}

function sshPacket(payload: Buffer, seed: number): Buffer {
  const pad = 8 - ((payload.length + 5) % 8) + 4;
  const h = Buffer.alloc(5);
  h.writeUInt32BE(payload.length + pad + 1, 0);
  h[4] = pad;
  return Buffer.concat([h, payload, bytes(seed, pad)]);
}

function nameList(s: string): Buffer {
  const l = Buffer.alloc(4);
  l.writeUInt32BE(s.length);
  return Buffer.concat([l, Buffer.from(s)]);
}

function kexinit(seed: number): Buffer {
  return Buffer.concat([
    Buffer.from([20]),
    bytes(seed, 16),
    nameList('curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ext-info-c,kex-strict-c-v00@openssh.com'),
    nameList('ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256'),
    nameList('chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com'),
    nameList('chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com'),
    nameList('umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com'),
    nameList('umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com'),
    nameList('none,zlib@openssh.com'),
    nameList('none,zlib@openssh.com'),
    nameList(''),
    nameList(''),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
}

/** SSH: banners, KEXINIT both ways, then encrypted packets. */
function negSsh(): Buffer {
  const c = conv('10.20.35.10', '203.0.113.43', 52060, 22);
  c.handshake();
  c.client('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n');
  c.server('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  c.client(sshPacket(kexinit(351), 352));
  c.server(sshPacket(kexinit(353), 354));
  c.client(bytes(355, 48));
  c.server(bytes(356, 560));
  c.client(bytes(357, 96));
  return pcap(35, c.close().frames);
}

/**
 * A shared CDN address: a pool name's DNS answer points at an address, and
 * the same host then opens TLS there for an ordinary site (its SNI names the
 * shop). The TLS flow is not a pool connection; the lookup alone stays a
 * low `dns` finding.
 */
function negSharedCdn(): Buffer {
  const cdn = '203.0.113.44';
  const frames: Timed[] = [
    ...dnsUdp('10.20.36.10', '10.20.36.53', 41036, 0x3601, 'c3pool.com', 1, [
      { name: 'c3pool.com', type: 5, ttl: 300, data: 'c3pool.com.cdn.cloudflare-example.net' },
      { name: 'c3pool.com.cdn.cloudflare-example.net', type: 1, ttl: 300, data: cdn },
    ]),
  ];
  const c = conv('10.20.36.10', cdn, 52070, 443);
  c.handshake();
  c.client(clientHello({ sni: 'shop.example-bakery.com', alpn: ['h2', 'http/1.1'], grease: true, tls13: true, padTo: 512 }));
  c.server(serverFlight(361));
  c.client(appData(362, 520));
  c.server(appData(363, 4000));
  frames.push(...c.close().frames);
  // The same shop over plain HTTP (its redirect to HTTPS): the Host names the shop, not the pool.
  const h = conv('10.20.36.10', cdn, 52071, 80);
  h.handshake();
  h.client(httpRequest('GET', '/', [['Host', 'shop.example-bakery.com'], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'], ['Accept', '*/*']]));
  h.server(httpResponse('301 Moved Permanently', [['Location', 'https://shop.example-bakery.com/'], ['Content-Type', 'text/html']], '<html><body>Moved</body></html>'));
  frames.push(...h.close().frames);
  return pcap(36, frames);
}

// ---------------------------------------------------------------- the list

/** File name -> builder, in capture-number order. */
export const CAPTURES: ReadonlyArray<readonly [string, () => Buffer]> = [
  ['stratum-v1-cpuminer.pcap', stratumV1Cpuminer],
  ['stratum-v1-bip310.pcap', stratumV1Bip310],
  ['stratum-v1-nicehash.pcap', stratumV1NiceHash],
  ['zcash-zip301.pcap', zcashZip301],
  ['ethereum-stratum-1.pcap', ethereumStratum1],
  ['ethereum-stratum-eip1571.pcap', eip1571],
  ['eth-proxy.pcap', ethProxy],
  ['cryptonote-xmrig.pcap', cryptonoteXmrig],
  ['grin.pcap', grin],
  ['beam.pcap', beam],
  ['getwork-http.pcap', getworkHttp],
  ['getblocktemplate-http.pcap', getblocktemplateHttp],
  ['monerod-get-block-template.pcap', monerodTemplate],
  ['stratum-v2-plain.pcap', stratumV2Plain],
  ['stream-split-first.pcap', streamSplitFirst],
  ['stream-out-of-order.pcap', streamOutOfOrder],
  ['stream-retransmission.pcap', streamRetransmission],
  ['stream-midstream-notify.pcap', midstreamStratum],
  ['stream-midstream-pool-first.pcap', midstreamPoolFirst],
  ['stream-many-in-one.pcap', streamManyInOne],
  ['stream-midstream-tls-tied.pcap', midstreamTlsTied],
  ['dns-udp-then-stratum.pcap', dnsUdpThenStratum],
  ['dns-then-tls-no-sni.pcap', dnsThenTlsNoSni],
  ['tls-sni.pcap', tlsSni],
  ['dns-tcp-then-stratum.pcap', dnsTcpThenStratum],
  ['dns-cname-chain.pcap', dnsCnameChain],
  ['dns-aaaa-ipv6.pcap', dnsAaaaIpv6],
  ['http-host-pool-site.pcap', httpHostPoolSite],
  ['http-connect-proxy.pcap', httpConnectProxy],
  ['dns-lookup-only.pcap', dnsLookupOnly],
  ['dns-cname-alias.pcap', dnsCnameAlias],
  ['neg-web-http.pcap', negWebHttp],
  ['neg-tls.pcap', negTls],
  ['neg-dns-ntp.pcap', negDnsNtp],
  ['neg-wallet-rpc.pcap', negWalletRpc],
  ['neg-node-p2p.pcap', negNodeP2p],
  ['neg-ssh.pcap', negSsh],
  ['neg-shared-cdn.pcap', negSharedCdn],
  ['fragmented-xmrig.pcap', () => fragmentedXmrig()],
];

/** Writes every capture into `dir` (default: pcaps/detect in the package). */
export function writeAll(dir = join(packageRoot(), 'pcaps', 'detect')): string[] {
  mkdirSync(dir, { recursive: true });
  return CAPTURES.map(([name, build]) => {
    writeFileSync(join(dir, name), build());
    return name;
  });
}

if (require.main === module) writeAll(process.argv[2]);

// ---------------------------------------------------------------- IP fragments (issue #13)

/**
 * The XMRig session of cryptonote-xmrig.pcap on addresses of its own, with
 * every IPv4 packet carrying more than 128 data bytes sent as fragments of
 * 128 (a path MTU that small, or an evasion): the login's in reverse order
 * with one piece sent twice (equal bytes), the rest in order. Each fragment
 * keeps its packet's time, so `fragmentedXmrig(false)`, the same session
 * unfragmented (not written), must give the same finding field for field.
 */
export function fragmentedXmrig(fragment = true): Buffer {
  const c = conv('10.20.60.10', '198.51.100.60', 51060, 3333);
  c.handshake();
  c.client(XMRIG_LOGIN(1, 'frag-rig-60'));
  c.server(XMR_JOB(1, '6f0e1d2c', 'f60-1', 601));
  c.client(XMR_SUBMIT(2, '6f0e1d2c', 'f60-1', 602));
  c.server(XMR_OK(2));
  c.server(XMR_PUSH('f60-2', 603));
  c.client(XMR_SUBMIT(3, '6f0e1d2c', 'f60-2', 604));
  c.server(XMR_OK(3));
  const frames = timed(60, c.close().frames);
  let n = 0;
  const order = (pieces: Piece[]): Piece[] => {
    if (n++ > 0) return pieces;
    const reversed = [...pieces].reverse();
    return [...reversed, reversed[1]];
  };
  return writePcap(toRecords(fragment ? fragmentFrames(frames, 128, order, 0x6000) : frames), { linkType: 1 });
}
