/** How live capture failures are told: a kind for the exit status and a message that says what to do. */

/** Why a capture could not start or could not go on. */
export type LiveFailureKind = 'binding' | 'permission' | 'no-device' | 'down' | 'filter' | 'link-type' | 'lost' | 'other';

export class LiveCaptureError extends Error {
  constructor(
    readonly kind: LiveFailureKind,
    message: string,
    readonly device: string | null = null,
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

/** Turns an open error (libpcap's words, or the kernel's through the AF_PACKET addon) into a kind and a message that says what to do. */
export function openFailure(device: string, filter: string, message: string, source: 'libpcap' | 'kernel' = 'libpcap'): LiveCaptureError {
  if (/not permitted|permission|EPERM|EACCES/i.test(message)) {
    return new LiveCaptureError(
      'permission',
      `capturing on ${device} needs root or the CAP_NET_RAW capability (${source}: ${message}). Run poolwatch as root, or give the node binary that capability ` +
        `(setcap cap_net_raw+ep "$(readlink -f "$(command -v node)")"), or in Docker run with --cap-add NET_RAW (see the README).`,
      device,
    );
  }
  if (/No such device/i.test(message)) return new LiveCaptureError('no-device', `there is no interface named ${device} (${source}: ${message}); 'poolwatch interfaces' lists them`, device);
  if (/not up/i.test(message)) return new LiveCaptureError('down', `interface ${device} is down (${source}: ${message}); bring it up first, e.g. ip link set ${device} up`, device);
  if (filter !== '' && /filter|syntax error|parse/i.test(message)) return new LiveCaptureError('filter', `the BPF filter "${filter}" is not valid: ${message}`, device);
  return new LiveCaptureError('other', `cannot capture on ${device}: ${message}`, device);
}

