import { Address6 } from 'ip-address';

/** Canonical text of an address kept as 32-bit words (IPv6 per RFC 5952). */
export function addressText(version: number, w0: number, w1: number, w2: number, w3: number): string {
  if (version === 4) return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
  const bytes: number[] = [];
  for (const w of [w0, w1, w2, w3]) bytes.push(w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255);
  return Address6.fromByteArray(bytes).correctForm();
}
