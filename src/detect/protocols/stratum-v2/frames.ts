/**
 * Stratum V2 (stratum-mining/sv2-spec, "Protocol Overview"): the
 * unencrypted SetupConnection exchange that opens every connection, and the
 * size pattern of the Noise NX handshake that usually comes before it.
 *
 * Frame: extension_type U16 LE (top bit = channel_msg), msg_type U8,
 * msg_length U24 LE, then msg_length bytes of payload. Integers in the
 * payload are little-endian; STR0_255 is a one-byte length and the bytes.
 *
 * Nothing here throws, and nothing reads outside [start, end).
 */

export const NEED_MORE = -1;
export const NOT_SV2 = -2;

export const SV2_HEADER = 6;
export const MSG_SETUP_CONNECTION = 0x00;
export const MSG_SETUP_CONNECTION_SUCCESS = 0x01;
export const MSG_SETUP_CONNECTION_ERROR = 0x02;

/** SetupConnection.protocol values. */
export const PROTOCOL_NAMES: readonly string[] = ['mining', 'job-declaration', 'template-distribution', 'job-distribution'];

/**
 * Noise NX handshake (sv2-spec "Protocol Security"): the initiator's first
 * message is its ElligatorSwift-encoded ephemeral key (64 bytes); the
 * responder answers with its ephemeral key (64), its encrypted static key
 * (64 + 16 MAC) and the encrypted signature message (74 + 16 MAC) = 234.
 */
export const NOISE_CLIENT_FIRST_LEN = 64;
export const NOISE_SERVER_REPLY_LEN = 64 + 80 + 90;

export interface SetupConnection {
  protocol: number;
  minVersion: number;
  maxVersion: number;
  flags: number;
  endpointHost: string;
  endpointPort: number;
  vendor: string;
  hardwareVersion: string;
  firmware: string;
  deviceId: string;
}

export type SetupConnectionReply =
  | { kind: 'success'; usedVersion: number; flags: number }
  | { kind: 'error'; flags: number; errorCode: string };

/** Smallest SetupConnection payload: fixed fields and five empty strings. */
const MIN_SETUP = 1 + 2 + 2 + 4 + 1 + 2 + 1 + 1 + 1 + 1;
const MAX_SETUP = 1 + 2 + 2 + 4 + 2 + 5 * 256;

function u16le(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** Printable text of a STR0_255; other bytes escaped (\DDD) so reports carry no raw control bytes. */
function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i];
    s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\' + String(c).padStart(3, '0');
  }
  return s;
}

/**
 * Checks the frame header at `start` for message `msgType` (extension 0,
 * channel_msg clear) with a payload length in [minLen, maxLen]. Returns the
 * payload length, NEED_MORE while the header is incomplete but matches so
 * far, or NOT_SV2.
 */
function header(buf: Uint8Array, start: number, end: number, msgType: number, minLen: number, maxLen: number): number {
  if (!(start >= 0) || !(end <= buf.length) || start > end) return NOT_SV2;
  const have = end - start;
  if (have >= 1 && buf[start] !== 0) return NOT_SV2;
  if (have >= 2 && buf[start + 1] !== 0) return NOT_SV2;
  if (have >= 3 && buf[start + 2] !== msgType) return NOT_SV2;
  if (have < SV2_HEADER) return NEED_MORE;
  const len = buf[start + 3] | (buf[start + 4] << 8) | (buf[start + 5] << 16);
  return len < minLen || len > maxLen ? NOT_SV2 : len;
}

/**
 * Parses an unencrypted SetupConnection frame at the start of the client's
 * stream. Returns NEED_MORE while the frame is incomplete and what is there
 * is consistent with one, NOT_SV2 otherwise. The fields must fill the
 * payload exactly: a binary protocol leaves no slack, and random bytes
 * almost never line up.
 */
export function parseSetupConnection(buf: Uint8Array, start: number, end: number): SetupConnection | number {
  const len = header(buf, start, end, MSG_SETUP_CONNECTION, MIN_SETUP, MAX_SETUP);
  if (len < 0) return len;
  const p0 = start + SV2_HEADER;
  // Cheap checks on what has arrived, so a non-SV2 stream is not kept waiting for.
  if (end > p0 && buf[p0] >= PROTOCOL_NAMES.length) return NOT_SV2;
  if (end - p0 < len) {
    if (end - p0 >= 5 && !versionsOk(u16le(buf, p0 + 1), u16le(buf, p0 + 3))) return NOT_SV2;
    return NEED_MORE;
  }
  const stop = p0 + len;
  const protocol = buf[p0];
  const minVersion = u16le(buf, p0 + 1);
  const maxVersion = u16le(buf, p0 + 3);
  if (!versionsOk(minVersion, maxVersion)) return NOT_SV2;
  const flags = u32le(buf, p0 + 5);
  let p = p0 + 9;
  const hostLen = buf[p];
  if (p + 1 + hostLen + 2 > stop) return NOT_SV2;
  const endpointHost = text(buf, p + 1, p + 1 + hostLen);
  p += 1 + hostLen;
  const endpointPort = u16le(buf, p);
  p += 2;
  const strings: string[] = [];
  for (let i = 0; i < 4; i++) {
    if (p >= stop) return NOT_SV2;
    const l = buf[p];
    if (p + 1 + l > stop) return NOT_SV2;
    strings.push(text(buf, p + 1, p + 1 + l));
    p += 1 + l;
  }
  if (p !== stop) return NOT_SV2;
  return { protocol, minVersion, maxVersion, flags, endpointHost, endpointPort, vendor: strings[0], hardwareVersion: strings[1], firmware: strings[2], deviceId: strings[3] };
}

/** The spec fixes version 2 for now; allow a little room for later versions but not random words. */
function versionsOk(min: number, max: number): boolean {
  return min >= 1 && min <= max && max <= 255;
}

/**
 * Parses the server's answer to SetupConnection at the start of its stream:
 * SetupConnection.Success (used_version U16, flags U32) or
 * SetupConnection.Error (flags U32, error_code STR0_255).
 */
export function parseSetupConnectionReply(buf: Uint8Array, start: number, end: number): SetupConnectionReply | number {
  if (!(start >= 0) || !(end <= buf.length) || start > end) return NOT_SV2;
  if (end - start >= 3 && buf[start + 2] === MSG_SETUP_CONNECTION_ERROR) {
    const len = header(buf, start, end, MSG_SETUP_CONNECTION_ERROR, 5, 4 + 256);
    if (len < 0) return len;
    const p = start + SV2_HEADER;
    if (end - p < len) return NEED_MORE;
    const l = buf[p + 4];
    if (5 + l !== len) return NOT_SV2;
    // The spec forbids control characters in error codes.
    for (let i = p + 5; i < p + 5 + l; i++) if (buf[i] < 0x20 || buf[i] === 0x7f) return NOT_SV2;
    return { kind: 'error', flags: u32le(buf, p), errorCode: text(buf, p + 5, p + 5 + l) };
  }
  const len = header(buf, start, end, MSG_SETUP_CONNECTION_SUCCESS, 6, 6);
  if (len < 0) return len;
  const p = start + SV2_HEADER;
  if (end - p < len) return NEED_MORE;
  const usedVersion = u16le(buf, p);
  if (usedVersion < 1 || usedVersion > 255) return NOT_SV2;
  return { kind: 'success', usedVersion, flags: u32le(buf, p + 2) };
}

/**
 * True when the first client segment and the first server segment have the
 * sizes of an SV2 Noise NX handshake (64 then 234 bytes). Weak evidence on
 * its own: the content is pseudo-random by design, and Bitcoin's BIP 324 v2
 * peer transport also opens with a 64-byte key (its answer is 64 bytes plus
 * 0-4095 bytes of random garbage, so 234 happens only by chance). Combine
 * with the port, a DNS answer or timing before calling it Stratum V2.
 */
export function noiseHandshakeShape(firstClientLen: number, firstServerLen: number): boolean {
  return firstClientLen === NOISE_CLIENT_FIRST_LEN && firstServerLen === NOISE_SERVER_REPLY_LEN;
}
