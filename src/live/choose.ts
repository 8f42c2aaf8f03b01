/**
 * Which engine `poolwatch live` runs, and running it under the capture node
 * binary when one is configured.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import type { AnalyzerOptions } from '../analyzer';
import { loadAfPacket } from '../capture/afpacket/native';
import type { CaptureWarning } from '../capture/frame';
import { AfPacketEngine } from './afpacket/engine';
import { CapEngine } from './cap-engine';
import type { LiveEngine } from './engine';

/** POOLWATCH_LIVE_ENGINE=cap forces the fallback (comparisons, a kernel without TPACKET_V3); =afpacket refuses the fallback. */
export const ENGINE_ENV = 'POOLWATCH_LIVE_ENGINE';

export type EngineChoice = { kind: 'afpacket' } | { kind: 'cap'; why: string } | { kind: 'none'; why: string };

export function chooseEngine(env: NodeJS.ProcessEnv = process.env): EngineChoice {
  const forced = env[ENGINE_ENV];
  if (forced === 'cap') return { kind: 'cap', why: `${ENGINE_ENV}=cap` };
  const addon = loadAfPacket();
  if (typeof addon !== 'string') return { kind: 'afpacket' };
  if (forced === 'afpacket') return { kind: 'none', why: `${ENGINE_ENV}=afpacket, but ${addon}` };
  return { kind: 'cap', why: addon };
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The AF_PACKET engine captures in this process's threads, so this process needs
 * CAP_NET_RAW. Where a copy of node carries it (the container image's
 * node-capture, POOLWATCH_CAPTURE_NODE), the whole command runs again under that
 * binary, signals passed on; resolves with its exit status. Null when this process
 * is that binary already, or none is configured.
 */
export function runUnderCaptureNode(node: string | undefined, envName: string): Promise<number> | null {
  if (node === undefined || node === '' || real(node) === real(process.execPath)) return null;
  const child = spawn(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, [envName]: '' } });
  const forward = (s: NodeJS.Signals): void => {
    try {
      child.kill(s);
    } catch {
      /* gone */
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      const refused = e.code === 'EPERM' || e.code === 'EACCES';
      process.stderr.write(
        `poolwatch: cannot start the capture binary ${node} (${e.message})` +
          (refused ? '. It carries file capabilities (cap_net_raw), and the kernel refuses to run it where they may not be held: give the container NET_RAW (docker run --cap-add NET_RAW ...).' : '') +
          '\n',
      );
      resolve(2);
    });
    child.on('close', (code, signal) => {
      for (const s of signals) process.removeListener(s, forward);
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 1));
    });
  });
}

export interface EngineOptions {
  interfaces: string[];
  filter: string;
  snaplen: number;
  bufferBytes: number;
  /** cap fallback only: captured bytes held per interface while the analysis is behind. */
  queueBytes: number;
  promisc: boolean;
  workers: number;
  signatures: string[];
  analyzer: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>;
  /** cap fallback only: the node binary for its capture processes. */
  captureNode?: string;
}

export function makeEngine(kind: 'afpacket' | 'cap', o: EngineOptions, onWarning: (w: CaptureWarning) => void): LiveEngine {
  if (kind === 'afpacket') return new AfPacketEngine(o, onWarning);
  return new CapEngine(
    { interfaces: o.interfaces, filter: o.filter, snaplen: o.snaplen, bufferSize: o.bufferBytes, queueBytes: o.queueBytes, captureNode: o.captureNode },
    o.signatures,
    o.analyzer,
    onWarning,
  );
}
