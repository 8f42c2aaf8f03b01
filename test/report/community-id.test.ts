import { addressBytes, communityId, communityIdOfWords } from '../../src/report/community-id';

// From the spec's baseline/baseline_deflt.json and baseline_seed1.json
// (github.com/corelight/community-id-spec, commit c4ec2bc40d65ddbcbdd642582bf5609797a80772):
// every TCP, UDP, SCTP and port-less vector, in both directions. ICMP's are left out: poolwatch
// hashes no ICMP, and those vectors need the type/code mapping this module does not do.
const VECTORS: Array<[proto: number, saddr: string, daddr: string, sport: number, dport: number, seed0: string, seed1: string]> = [
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=', '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=', '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [46, '10.1.12.1', '10.1.12.2', 0, 0, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
  [46, '10.1.12.2', '10.1.12.1', 0, 0, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
];

describe('Community ID v1', () => {
  test.each(VECTORS)('proto %i %s -> %s (%i, %i)', (proto, saddr, daddr, sport, dport, seed0, seed1) => {
    expect(communityId(saddr, daddr, sport, dport, proto)).toBe(seed0);
    expect(communityId(saddr, daddr, sport, dport, proto, 1)).toBe(seed1);
  });

  test('the spec README example: both directions of one TCP flow give one id, ports decide when addresses tie', () => {
    expect(communityId('10.0.0.1', '127.0.0.1', 1234, 80, 6)).toBe(communityId('127.0.0.1', '10.0.0.1', 80, 1234, 6));
    // Same address both ends: ordering by port alone, so the two directions still agree.
    expect(communityId('10.0.0.1', '10.0.0.1', 5000, 80, 6)).toBe(communityId('10.0.0.1', '10.0.0.1', 80, 5000, 6));
    expect(communityId('10.0.0.1', '10.0.0.1', 5000, 80, 6)).not.toBe(communityId('10.0.0.1', '10.0.0.1', 5001, 80, 6));
  });

  test('flow address words hash like their text', () => {
    const v4 = communityIdOfWords(4, [0x80e86e78, 0, 0, 0], [0x4223facc, 0, 0, 0], 34855, 80, 6);
    expect(v4).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    // Words as the flow table keeps them may be signed 32-bit numbers.
    const v6 = communityIdOfWords(6, [0x2607f8b0 | 0, 0x400c0c03, 0, 0x1a], [0x2001_0470, 0xe5bfdead | 0, 0x49572174, 0xe82c4887 | 0], 25, 63943, 6);
    expect(v6).toBe('1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=');
  });

  test('address text forms', () => {
    expect([...addressBytes('::ffff:10.0.0.1')]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 1]);
    expect([...addressBytes('::ffff:a00:1')]).toEqual([...addressBytes('::ffff:10.0.0.1')]);
    expect([...addressBytes('2001:db8::1')].slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect([...addressBytes('::')]).toEqual(new Array(16).fill(0));
    expect(() => addressBytes('example.com')).toThrow(/not an IP address/);
    expect(() => communityId('10.0.0.1', '::1', 1, 2, 6)).toThrow(/must both be IPv4 or both IPv6/);
  });
});
