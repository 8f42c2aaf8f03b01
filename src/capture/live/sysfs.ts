/** What Linux says about an interface (sysfs): its state, whether it is up, its own drop counters. */
import { existsSync, readFileSync } from 'node:fs';

/** The interface's own drop counters (Linux sysfs). */
export interface InterfaceCounters {
  /** rx_missed_errors + rx_fifo_errors: exactly what libpcap on Linux reports as ps_ifdrop. */
  ifDrops: number;
}

function sysfsName(device: string): boolean {
  return device.length > 0 && device !== 'any' && !device.includes('/') && device !== '.' && device !== '..';
}

function readCounter(device: string, name: string): number {
  return Number(readFileSync(`/sys/class/net/${device}/statistics/${name}`, 'ascii').trim());
}

/** The interface's counters now, or null where there are none (the `any` device, not Linux). */
export function readInterfaceCounters(device: string): InterfaceCounters | null {
  if (!sysfsName(device)) return null;
  try {
    return {
      ifDrops: readCounter(device, 'rx_missed_errors') + readCounter(device, 'rx_fifo_errors'),
    };
  } catch {
    return null;
  }
}

/** "up", "down", "lowerlayerdown", ... as the kernel says, or null (no such interface, or `any`). */
export function interfaceState(device: string): string | null {
  if (!sysfsName(device)) return null;
  try {
    return readFileSync(`/sys/class/net/${device}/operstate`, 'ascii').trim();
  } catch {
    return null;
  }
}

/** Whether the interface exists and is administratively up (IFF_UP); null when that cannot be known. */
export function interfaceUp(device: string): boolean | null {
  if (!sysfsName(device)) return null;
  try {
    return (parseInt(readFileSync(`/sys/class/net/${device}/flags`, 'ascii'), 16) & 1) === 1;
  } catch {
    return existsSync(`/sys/class/net/${device}`) ? null : false;
  }
}

