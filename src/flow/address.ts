const groups = new Uint16Array(8);

/**
 * Canonical text of an address kept as 32-bit words: dotted IPv4, or IPv6 per
 * RFC 5952 (lower case, no leading zeros, the longest run of two or more zero
 * groups, the first on a tie, as `::`). IPv4-mapped addresses stay in hex
 * (::ffff:a00:1) so every producer of address text agrees (flows, DNS answers).
 * test/flow/address.test.ts checks it against the ip-address package.
 */
export function addressText(version: number, w0: number, w1: number, w2: number, w3: number): string {
  if (version === 4) return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
  groups[0] = w0 >>> 16;
  groups[1] = w0;
  groups[2] = w1 >>> 16;
  groups[3] = w1;
  groups[4] = w2 >>> 16;
  groups[5] = w2;
  groups[6] = w3 >>> 16;
  groups[7] = w3;
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += groups[i].toString(16);
  }
  return s;
}

/** Text of the 16 address bytes at buf[p]. */
export function ipv6BytesText(buf: Uint8Array, p: number): string {
  const w = (i: number) => ((buf[p + i] << 24) | (buf[p + i + 1] << 16) | (buf[p + i + 2] << 8) | buf[p + i + 3]) >>> 0;
  return addressText(6, w(0), w(4), w(8), w(12));
}
