import { readFileSync, readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { interfaceState, LiveCaptureError, loadCap, type CapDevice } from '../capture/live';
import { EXIT_USAGE } from './exit';

const IFF_LOOPBACK = 0x8;

/**
 * What can be captured on Linux, without libpcap: every interface in /sys/class/net
 * (up or not, with or without addresses, as AF_PACKET can open them) and `any`,
 * with the addresses Node knows for each.
 */
export function linuxDevices(): CapDevice[] {
  const addrs = networkInterfaces();
  const names = readdirSync('/sys/class/net').sort();
  const devices: CapDevice[] = names.map((name) => {
    let flags = 0;
    try {
      flags = parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'ascii'), 16);
    } catch {
      /* gone meanwhile */
    }
    return {
      name,
      addresses: (addrs[name] ?? []).map((a) => ({ addr: a.address, netmask: a.netmask })),
      flags: (flags & IFF_LOOPBACK) !== 0 ? 'PCAP_IF_LOOPBACK' : undefined,
    };
  });
  devices.push({ name: 'any', description: 'Pseudo-device that captures on all interfaces', addresses: [] });
  return devices;
}

export interface InterfaceInfo {
  name: string;
  description: string | null;
  /** Addresses with their prefix length, e.g. 10.0.0.5/24. */
  addresses: string[];
  loopback: boolean;
  /** The kernel's operational state (up, down, ...), null when it has none (any, nflog, ...). */
  state: string | null;
}

/** Prefix length of a netmask in either family (ffff:ff00:: or 255.255.0.0); null if not contiguous. */
export function prefixLength(mask: string): number | null {
  let bits = '';
  if (mask.includes(':')) {
    const [head, tail = ''] = mask.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const words = mask.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    for (const w of words) bits += parseInt(w || '0', 16).toString(2).padStart(16, '0');
  } else {
    for (const o of mask.split('.')) bits += Number(o).toString(2).padStart(8, '0');
  }
  const n = bits.indexOf('0') === -1 ? bits.length : bits.indexOf('0');
  return bits.slice(n).includes('1') ? null : n;
}

export function describeDevices(devices: CapDevice[]): InterfaceInfo[] {
  return devices.map((d) => ({
    name: d.name,
    description: d.description ?? null,
    addresses: d.addresses
      .filter((a) => a.addr !== undefined)
      .map((a) => {
        const p = a.netmask ? prefixLength(a.netmask) : null;
        return p === null ? a.addr! : `${a.addr}/${p}`;
      }),
    loopback: d.flags === 'PCAP_IF_LOOPBACK',
    state: interfaceState(d.name),
  }));
}

export function renderInterfaces(list: InterfaceInfo[]): string {
  const width = Math.max(4, ...list.map((i) => i.name.length));
  const stateWidth = Math.max(5, ...list.map((i) => (i.state ?? '-').length));
  const lines = list.map((i) => {
    const parts = [i.loopback ? 'loopback' : '', i.addresses.join(' '), i.description ?? ''].filter(Boolean);
    return `${i.name.padEnd(width)}  ${(i.state ?? '-').padEnd(stateWidth)}  ${parts.join('  ')}`.trimEnd();
  });
  return lines.join('\n') + '\n';
}

/** `poolwatch interfaces`: what can be captured on, as `live -i` takes it (libpcap's list where Linux's is not there). */
export function interfaces(json: boolean): number {
  let devices: CapDevice[];
  try {
    devices = process.platform === 'linux' ? linuxDevices() : loadCap().Cap.deviceList();
  } catch (e) {
    const msg = e instanceof LiveCaptureError ? e.message : `cannot list interfaces: ${(e as Error).message}`;
    process.stderr.write(`poolwatch: ${msg}\n`);
    return EXIT_USAGE;
  }
  const list = describeDevices(devices);
  process.stdout.write(json ? JSON.stringify(list, null, 2) + '\n' : renderInterfaces(list));
  return 0;
}
