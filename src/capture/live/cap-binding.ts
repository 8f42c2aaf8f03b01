/** The optional `cap` package (libpcap for Node), loaded only when the fallback engine or `poolwatch interfaces` needs it. */
import { LiveCaptureError } from './errors';

export interface CapAddress {
  addr?: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

export interface CapDevice {
  name: string;
  description?: string;
  addresses: CapAddress[];
  flags?: string;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
}

export interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

/** The `cap` binding, or a LiveCaptureError that says how to install it. */
export function loadCap(): CapModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('cap') as CapModule;
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    const libMissing = /libpcap\.so/.test(reason);
    throw new LiveCaptureError(
      'binding',
      `live capture needs the libpcap binding, the optional npm package "cap", which ${libMissing ? 'cannot find the libpcap library' : 'is not installed or did not build'} (${reason}). ` +
        (libMissing
          ? 'Install the libpcap runtime (Debian/Ubuntu: apt-get install libpcap0.8; Fedora/RHEL: dnf install libpcap).'
          : 'Install the libpcap headers and a C++ toolchain, then rebuild it in the poolwatch folder: ' +
            'Debian/Ubuntu: apt-get install libpcap-dev python3 make g++ && npm rebuild cap; ' +
            'Fedora/RHEL: dnf install libpcap-devel python3 make gcc-c++ && npm rebuild cap.'),
    );
  }
}

/** cap's names for the link types it knows, as LINKTYPE_* values (https://www.tcpdump.org/linktypes.html). */
const CAP_LINK_TYPES: { [name: string]: number } = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101, // DLT_RAW is 12 or 14 depending on the platform; files use LINKTYPE_RAW
  LINKTYPE_LINUX_SLL: 113,
  IEEE802_11_RADIO: 127,
};

/**
 * LINKTYPE_* for what cap.open() returned: one of its names, or "Unknown linktype N"
 * with N a DLT_* value, which equals the LINKTYPE_* value except for the few old
 * platform-dependent ones. -1 when the text is neither.
 */
export function linkTypeOf(capName: string): number {
  const known = CAP_LINK_TYPES[capName];
  if (known !== undefined) return known;
  const m = /^Unknown linktype (\d+)$/.exec(capName);
  if (m === null) return -1;
  const dlt = Number(m[1]);
  if (dlt === 12 || dlt === 14) return 101;
  if (dlt === 11) return 100;
  return dlt;
}
