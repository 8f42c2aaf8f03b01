import { VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED, type StreamClassifier } from '../../classifier';
import { LEVEL_HIGH, LEVEL_LOW, LEVEL_MEDIUM, type Direction, type Evidence } from '../../evidence';
import type { Signatures } from '../../signatures';
import { NEED_MORE, PROTOCOL_NAMES, noiseHandshakeShape, parseSetupConnection, parseSetupConnectionReply } from './frames';
import { Accumulator } from '../../accumulator';

const FRAME_LIMIT = 2048;

/**
 * Stratum V2. In the clear (allowed on a LAN) the client's SetupConnection
 * names the protocol, the pool endpoint and the device; the pool's
 * SetupConnection.Success confirms it. Encrypted, only the Noise handshake's
 * sizes show (64 bytes, then 234 back); BIP 324 Bitcoin peers also open with
 * 64 bytes, so that shape counts only on a pool port, and only as low.
 */
export class StratumV2 implements StreamClassifier {
  private readonly acc: [Accumulator, Accumulator] = [new Accumulator(FRAME_LIMIT), new Accumulator(FRAME_LIMIT)];
  private setupDir = -1;
  /** Size of each direction's first chunk, for the Noise handshake shape. */
  private readonly first = [-1, -1];

  constructor(
    private readonly sigs: Signatures,
    private readonly serverPort: number,
  ) {}

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    if (this.first[dir] === -1) this.first[dir] = end - start;
    const acc = this.acc[dir];
    if (!acc.add(data, start, end)) return this.stop(dir, ev);
    if (this.setupDir === -1) {
      const setup = parseSetupConnection(acc.buf, acc.start, acc.end);
      if (setup === NEED_MORE) return this.wait(acc);
      if (typeof setup === 'number') return this.stop(dir, ev);
      acc.clear();
      if (setup.protocol !== 0) return VERDICT_NOT_THIS;
      this.setupDir = dir;
      ev.protocol = 'stratum-v2';
      ev.minerDirection = dir;
      ev.minerSpoke = true;
      const device = [setup.vendor, setup.hardwareVersion, setup.firmware].filter((s) => s.length > 0).join(' ');
      if (device.length > 0) ev.agent ??= device;
      if (ev.agent !== null) ev.minerSoftware ??= this.sigs.minerSoftware(ev.agent);
      if (setup.deviceId.length > 0) ev.worker ??= setup.deviceId;
      const pool = /[a-z]/i.test(setup.endpointHost) ? this.sigs.matchPoolDomain(setup.endpointHost) : null;
      if (/[a-z]/i.test(setup.endpointHost)) ev.domain ??= setup.endpointHost.toLowerCase();
      if (pool !== null) ev.poolName ??= pool.pool;
      ev.raise(LEVEL_MEDIUM);
      ev.note(`client sent Stratum V2 SetupConnection (${PROTOCOL_NAMES[setup.protocol]} protocol, endpoint ${setup.endpointHost}:${setup.endpointPort}${device ? ', device ' + device : ''})`);
      return VERDICT_MINING;
    }
    if (dir === this.setupDir) {
      acc.clear();
      return VERDICT_MINING;
    }
    const reply = parseSetupConnectionReply(acc.buf, acc.start, acc.end);
    if (reply === NEED_MORE) return this.wait(acc);
    acc.clear();
    if (typeof reply === 'number') return VERDICT_MINING;
    ev.poolSpoke = true;
    if (reply.kind === 'success') {
      ev.raise(LEVEL_HIGH);
      ev.note(`pool answered SetupConnection.Success (version ${reply.usedVersion})`);
    } else {
      ev.note(`pool answered SetupConnection.Error (${reply.errorCode})`);
    }
    return VERDICT_MINING;
  }

  gap(dir: Direction): void {
    this.acc[dir].clear();
  }

  private wait(acc: Accumulator): number {
    acc.keep();
    return VERDICT_UNDECIDED;
  }

  private stop(dir: Direction, ev: Evidence): number {
    this.acc[dir].clear();
    if (dir === 1 && noiseHandshakeShape(this.first[0], this.first[1]) && this.sigs.isPoolPort(this.serverPort) && ev.level === 0) {
      ev.protocol = 'stratum-v2';
      ev.minerDirection = 0;
      ev.raise(LEVEL_LOW);
      ev.note(`handshake sizes of encrypted Stratum V2 (Noise NX: 64 bytes, then 234 back) on pool port ${this.serverPort}`);
      return VERDICT_MINING;
    }
    return VERDICT_NOT_THIS;
  }
}
