import {
  NEED_MORE,
  NOISE_CLIENT_FIRST_LEN,
  NOISE_SERVER_REPLY_LEN,
  NOT_SV2,
  noiseHandshakeShape,
  parseSetupConnection,
  parseSetupConnectionReply,
} from '../../../../src/detect/protocols/stratum-v2/frames';
import { mutations, parseEmbedded, sameResult, sv2Frame, sv2SetupConnection, sv2SetupConnectionError, sv2SetupConnectionSuccess } from '../../../support/craft-protocols';

/*
 * Test vectors from Bitcoin Core's Stratum v2 work (src/test/sv2_messages_tests.cpp):
 * a SetupConnection payload (82 bytes, protocol 2 = template distribution) with its
 * header 00 00 00 52 00 00, SetupConnection.Success payload {2, 3}, and
 * SetupConnection.Error {0, "protocol-version-mismatch"}.
 */
const CORE_SETUP_PAYLOAD = Buffer.from(
  [
    '02', // protocol
    '0200', // min_version
    '0200', // max_version
    '01000000', // flags
    '07302e302e302e30', // endpoint_host "0.0.0.0"
    '6121', // endpoint_port 8545
    '074269746d61696e', // vendor "Bitmain"
    '085339692031332e35', // hardware_version "S9i 13.5"
    '1c62726169696e732d6f732d323031382d30392d32322d312d68617368', // firmware
    '10736f6d652d6465766963652d75756964', // device_id
  ].join(''),
  'hex',
);
const CORE_SETUP = Buffer.concat([Buffer.from('000000520000', 'hex'), CORE_SETUP_PAYLOAD]);
const CORE_SUCCESS = Buffer.concat([Buffer.from('000001060000', 'hex'), Buffer.from('020003000000', 'hex')]);
const CORE_ERROR_PAYLOAD = Buffer.from('000000001970726f746f636f6c2d76657273696f6e2d6d69736d61746368', 'hex');

/** The fields of Bitcoin Core's SetupConnection test vector (CORE_SETUP). */
const CORE_FIELDS = {
  flags: 1,
  endpointHost: '0.0.0.0',
  endpointPort: 8545,
  vendor: 'Bitmain',
  hardwareVersion: 'S9i 13.5',
  firmware: 'braiins-os-2018-09-22-1-hash',
  deviceId: 'some-device-uuid',
};

const whole = (b: Buffer) => parseSetupConnection(b, 0, b.length);
const reply = (b: Buffer) => parseSetupConnectionReply(b, 0, b.length);

describe('parseSetupConnection', () => {
  it('reads the Bitcoin Core test vector', () => {
    expect(CORE_SETUP_PAYLOAD.length).toBe(82);
    expect(whole(CORE_SETUP)).toEqual({ protocol: 2, minVersion: 2, maxVersion: 2, ...CORE_FIELDS });
  });

  it('builds the same bytes as the test vector', () => {
    const built = sv2SetupConnection({ protocol: 2, ...CORE_FIELDS });
    expect(built.toString('hex')).toBe(CORE_SETUP.toString('hex'));
  });

  it('reads a mining-protocol SetupConnection with empty device id', () => {
    const b = sv2SetupConnection({ protocol: 0, flags: 0b110, endpointHost: 'v2.stratum.braiins.com', endpointPort: 3336, vendor: 'Bitmain', hardwareVersion: 'S19', firmware: 'bos-24.09' });
    const r = whole(b);
    expect(r).toMatchObject({ protocol: 0, flags: 6, endpointHost: 'v2.stratum.braiins.com', endpointPort: 3336, deviceId: '' });
  });

  it('says NEED_MORE for every prefix, and reads the frame when followed by more frames', () => {
    for (let k = 0; k < CORE_SETUP.length; k++) expect(parseSetupConnection(CORE_SETUP, 0, k)).toBe(NEED_MORE);
    const more = Buffer.concat([CORE_SETUP, sv2Frame(0x8000, 0x10, Buffer.alloc(20))]);
    expect(whole(more)).toEqual(whole(CORE_SETUP));
  });

  it('rejects other frames and other streams early', () => {
    expect(parseSetupConnection(Buffer.from('{"id"'), 0, 1)).toBe(NOT_SV2);
    expect(parseSetupConnection(Buffer.from([0x00, 0x80]), 0, 2)).toBe(NOT_SV2); // channel_msg bit
    expect(parseSetupConnection(Buffer.from([0x00, 0x00, 0x01]), 0, 3)).toBe(NOT_SV2); // another message type
    expect(parseSetupConnection(Buffer.from([0, 0, 0, 5, 0, 0]), 0, 6)).toBe(NOT_SV2); // too short for the fields
    expect(parseSetupConnection(Buffer.from([0, 0, 0, 0xff, 0xff, 0xff]), 0, 6)).toBe(NOT_SV2); // too long
    expect(parseSetupConnection(Buffer.from([0, 0, 0, 0x52, 0, 0, 9]), 0, 7)).toBe(NOT_SV2); // protocol 9
    const badVersion = Buffer.from(CORE_SETUP);
    badVersion.writeUInt16LE(3, 7); // min 3 > max 2
    expect(parseSetupConnection(badVersion, 0, 12)).toBe(NOT_SV2);
    expect(whole(badVersion)).toBe(NOT_SV2);
  });

  it('rejects a frame whose strings do not fill the payload exactly', () => {
    const long = Buffer.from(CORE_SETUP);
    long[3] += 1;
    expect(whole(Buffer.concat([long, Buffer.from([0])]))).toBe(NOT_SV2);
    const overrun = Buffer.from(CORE_SETUP);
    overrun[6 + CORE_SETUP_PAYLOAD.length - 17] = 0x20; // device_id length past the end
    expect(whole(overrun)).toBe(NOT_SV2);
  });

  it('escapes control bytes in strings', () => {
    const b = sv2SetupConnection({ endpointHost: 'a\nb', endpointPort: 1, vendor: 'v\\' });
    expect(whole(b)).toMatchObject({ endpointHost: 'a\\010b', vendor: 'v\\092' });
  });
});

describe('parseSetupConnectionReply', () => {
  it('reads the Bitcoin Core Success and Error vectors', () => {
    expect(reply(CORE_SUCCESS)).toEqual({ kind: 'success', usedVersion: 2, flags: 3 });
    expect(sv2SetupConnectionSuccess(2, 3).toString('hex')).toBe(CORE_SUCCESS.toString('hex'));
    const err = sv2SetupConnectionError(0, 'protocol-version-mismatch');
    expect(err.subarray(6).toString('hex')).toBe(CORE_ERROR_PAYLOAD.toString('hex'));
    expect(reply(err)).toEqual({ kind: 'error', flags: 0, errorCode: 'protocol-version-mismatch' });
  });

  it('says NEED_MORE for prefixes and NOT_SV2 for malformed replies', () => {
    const err = sv2SetupConnectionError(6, 'unsupported-feature-flags');
    for (const b of [CORE_SUCCESS, err]) for (let k = 0; k < b.length; k++) expect(parseSetupConnectionReply(b, 0, k)).toBe(NEED_MORE);
    expect(reply(sv2Frame(0, 1, Buffer.alloc(7)))).toBe(NOT_SV2); // Success has exactly 6 bytes
    expect(reply(sv2Frame(0, 1, Buffer.from([0, 0, 0, 0, 0, 0])))).toBe(NOT_SV2); // version 0
    expect(reply(sv2Frame(0, 2, Buffer.from([0, 0, 0, 0, 3, 0x61, 0x0a, 0x62])))).toBe(NOT_SV2); // control char
    expect(reply(sv2Frame(0, 2, Buffer.from([0, 0, 0, 0, 5, 0x61])))).toBe(NOT_SV2); // length mismatch
    expect(reply(sv2Frame(0, 3, Buffer.alloc(6)))).toBe(NOT_SV2);
    expect(reply(Buffer.from('HTTP/1.1 200 OK\r\n'))).toBe(NOT_SV2);
  });
});

describe('noiseHandshakeShape', () => {
  it('matches 64 then 234 bytes only', () => {
    expect(NOISE_CLIENT_FIRST_LEN).toBe(64);
    expect(NOISE_SERVER_REPLY_LEN).toBe(234);
    expect(noiseHandshakeShape(64, 234)).toBe(true);
    expect(noiseHandshakeShape(64, 64 + 100)).toBe(false); // BIP 324 answer: key plus garbage
    expect(noiseHandshakeShape(517, 234)).toBe(false);
  });
});

describe('robustness', () => {
  const bases = [CORE_SETUP, CORE_SUCCESS, sv2SetupConnectionError(0, 'unsupported-protocol'), sv2SetupConnection({ endpointHost: 'pool.example', endpointPort: 3336, vendor: 'x' })];
  it('never throws and never reads outside its range on 10000 mutated or random inputs', () => {
    let differ = 0;
    let parsed = 0;
    for (const input of mutations(0x5e2, bases, 10000)) {
      const [a, b] = parseEmbedded(input, parseSetupConnection);
      const [c, d] = parseEmbedded(input, parseSetupConnectionReply);
      if (!sameResult(a, b) || !sameResult(c, d)) differ++;
      if (typeof a === 'object' || typeof c === 'object') parsed++;
    }
    expect(differ).toBe(0);
    expect(parsed).toBeGreaterThan(1000);
  });

  it('handles start/end outside the buffer', () => {
    expect(parseSetupConnection(CORE_SETUP, -1, 10)).toBe(NOT_SV2);
    expect(parseSetupConnection(CORE_SETUP, 0, CORE_SETUP.length + 1)).toBe(NOT_SV2);
    expect(parseSetupConnectionReply(CORE_SUCCESS, 5, 1)).toBe(NOT_SV2);
  });
});
