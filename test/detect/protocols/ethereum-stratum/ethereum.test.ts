import { LEVEL_HIGH, LEVEL_MEDIUM } from '../../../../src/detect/evidence';
import { VERDICT_MINING } from '../../../../src/detect/classifier';
import { bytewise, line, run, splitAt, Step } from '../../jsonrpc/support';

const ETH = '0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5';
const HEADER = '0x645cf20198c2f3861e947d4f67e3ab63b7b2e24dcc9095bd9123e7b33371f6cc';
const SEED = '0x4b4d8fd0f9ac4a2c5b3e95ad2a9d6e0a9d27cf6bd1c0b4f2a85c1b0b7d5f62c7';

describe('EthereumStratum/1.0.0 (NiceHash)', () => {
  // Shapes from the NiceHash EthereumStratum/1.0.0 document.
  const S: Step[] = [
    [0, '{"id": 1, "method": "mining.subscribe", "params": ["ethminer/0.19.0", "EthereumStratum/1.0.0"]}\n'],
    [1, '{"id": 1, "result": [["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f", "EthereumStratum/1.0.0"], "080c"], "error": null}\n'],
    [0, `{"id": 2, "method": "mining.authorize", "params": ["${ETH}.rig7", "x"]}\n`],
    [1, '{"id": 2, "result": true, "error": null}\n'],
    [1, '{"id": null, "method": "mining.set_difficulty", "params": [0.5]}\n'],
    [1, `{"id": null, "method": "mining.notify", "params": ["bf0488", "${SEED.slice(2)}", "${HEADER.slice(2)}", true]}\n`],
    [0, `{"id": 4, "method": "mining.submit", "params": ["${ETH}.rig7", "bf0488", "ae6812eb4cd7735a"]}\n`],
    [1, '{"id": 4, "result": true, "error": null}\n'],
  ];

  const check = (r: ReturnType<typeof run>) => {
    const ev = r.ev;
    expect(ev.protocol).toBe('ethereum-stratum');
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.minerDirection).toBe(0);
    expect(ev.login).toBe(ETH);
    expect(ev.worker).toBe('rig7');
    expect(ev.coin).toBe('ETH');
    expect(ev.agent).toBe('ethminer/0.19.0');
    expect(ev.minerSoftware).toBe('ethminer');
    expect(ev.difficulty).toBe(0.5);
    expect(ev.jobs).toBe(1);
    expect(ev.sharesSubmitted).toBe(1);
    expect(ev.sharesAccepted).toBe(1);
    expect(ev.acceptedWork).toBe(0.5);
    expect(r.last).toEqual([VERDICT_MINING, VERDICT_MINING]);
  };

  test('whole session, split at every byte, byte by byte', () => {
    check(run(S));
    for (let k = 1; k < 200; k++) check(run(S, splitAt(k)));
    check(run(S, bytewise));
  });

  test('mid-stream: the 4-field notify alone says EthereumStratum', () => {
    const r = run([[1, S[5][1]]]);
    expect(r.ev.protocol).toBe('ethereum-stratum');
    expect(r.ev.level).toBe(LEVEL_MEDIUM);
    expect(r.ev.minerDirection).toBe(0);
  });

  test('mid-stream: the subscribe reply alone is recognised', () => {
    const r = run([[0, S[1][1]]]);
    expect(r.ev.protocol).toBe('ethereum-stratum');
    expect(r.ev.minerDirection).toBe(1);
  });
});

describe('EthereumStratum/2.0.0 (EIP-1571)', () => {
  const S: Step[] = [
    [0, line({ id: 0, method: 'mining.hello', params: { agent: 'ethminer-0.17', host: 'eth-eu1.nanopool.org', port: '4d2', proto: 'EthereumStratum/2.0.0' } })],
    [1, line({ id: 0, result: { proto: 'EthereumStratum/2.0.0', encoding: 'plain', resume: 1, timeout: 'b4', maxerrors: '14', node: 'Geth/v1.8.18' } })],
    [0, line({ id: 1, method: 'mining.subscribe', params: [] })],
    [1, line({ id: 1, result: 's-12345' })],
    [0, line({ id: 2, method: 'mining.authorize', params: [`${ETH}.w1`, 'x'] })],
    [1, line({ id: 2, result: '0001' })],
    [1, line({ method: 'mining.set', params: { epoch: 'dc', target: '0112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba', algo: 'ethash', extranonce: 'af4c' } })],
    [1, line({ method: 'mining.notify', params: ['bf0488', 'd9e', HEADER.slice(2), '0'] })],
    [0, line({ id: 3, method: 'mining.submit', params: ['bf0488', '0xc3ab7e3c2b3b8a9d', 'w1'] })],
    [1, line({ id: 3, result: true })],
  ];

  test('hello names the pool host; set carries the algorithm', () => {
    const r = run(S);
    const ev = r.ev;
    expect(ev.protocol).toBe('ethereum-stratum');
    expect(ev.domain).toBe('eth-eu1.nanopool.org');
    expect(ev.agent).toBe('ethminer-0.17');
    expect(ev.algorithms).toEqual(['ethash']);
    expect(ev.target).toBe('0112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba');
    expect(ev.jobs).toBe(1);
    expect(ev.sharesAccepted).toBe(1);
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.notes[0]).toBe('client sent mining.hello (agent ethminer-0.17, EthereumStratum/2.0.0, pool eth-eu1.nanopool.org)');
  });

  test('array-form hello (copies such as Alephium pools) and gzip encoding noted', () => {
    const r = run([
      [0, line({ id: 1, method: 'mining.hello', params: ['lolMiner 1.76', 'AlephiumStratum/1.0.0'] })],
      [1, line({ id: 1, result: { proto: 'AlephiumStratum/1.0.0', encoding: 'gzip' } })],
    ]);
    expect(r.ev.protocol).toBe('ethereum-stratum');
    expect(r.ev.agent).toBe('lolMiner 1.76');
    expect(r.ev.notes.some((n) => n.includes('gzip'))).toBe(true);
    expect(r.ev.level).toBe(LEVEL_HIGH);
  });
});

describe('eth-proxy', () => {
  const S: Step[] = [
    // Claymore key order, "worker" member.
    [0, `{"worker": "eth1.0", "jsonrpc": "2.0", "params": ["${ETH}.rig2", "x"], "id": 2, "method": "eth_submitLogin"}\n`],
    [1, '{"id":2,"jsonrpc":"2.0","result":true}\n'],
    [0, '{"id":5,"jsonrpc":"2.0","method":"eth_getWork","params":[]}\n'],
    [1, `{"id":5,"jsonrpc":"2.0","result":["${HEADER}","${SEED}","0x0000000112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba"]}\n`],
    // Pool pushes new work unasked, with id 0.
    [1, `{"id":0,"jsonrpc":"2.0","result":["0x9e1b${HEADER.slice(6)}","${SEED}","0x0000000112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba","0xd9e"]}\n`],
    [0, `{"id":4,"jsonrpc":"2.0","method":"eth_submitWork","params":["0xc3ab7e3c2b3b8a9d","${HEADER}","${SEED}"],"worker":"rig2"}\n`],
    [1, '{"id":4,"jsonrpc":"2.0","result":true}\n'],
    [0, `{"id":6,"jsonrpc":"2.0","method":"eth_submitWork","params":["0x0000000000000001","${HEADER}","${SEED}"]}\n`],
    [1, '{"id":6,"jsonrpc":"2.0","result":false}\n'],
    [0, `{"id":9,"jsonrpc":"2.0","method":"eth_submitHashrate","params":["0x1dcd6500","${SEED}"]}\n`],
  ];

  test('login, work, submits; difficulty from the boundary', () => {
    const r = run(S);
    const ev = r.ev;
    const diff = Number((1n << 256n) / BigInt('0x0000000112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba'));
    expect(ev.protocol).toBe('eth-proxy');
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.minerDirection).toBe(0);
    expect(ev.login).toBe(ETH);
    expect(ev.worker).toBe('eth1.0');
    expect(ev.coin).toBe('ETH');
    expect(ev.jobs).toBe(2);
    expect(ev.difficulty).toBe(diff);
    expect(ev.sharesSubmitted).toBe(2);
    expect(ev.sharesAccepted).toBe(1);
    expect(ev.sharesRejected).toBe(1);
    expect(ev.acceptedWork).toBe(diff);
    for (let k = 1; k < 160; k += 3) expect(run(S, splitAt(k)).ev.acceptedWork).toBe(diff);
  });

  test('node JSON-RPC methods are not mining', () => {
    const r = run([
      [0, '{"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":1}\n'],
      [1, '{"jsonrpc":"2.0","id":1,"result":"0x10d4f"}\n'],
      [0, `{"jsonrpc":"2.0","method":"eth_getBalance","params":["${ETH}","latest"],"id":2}\n`],
      [1, '{"jsonrpc":"2.0","id":2,"result":"0x0234c8a3397aab58"}\n'],
    ]);
    expect(r.ev.level).toBe(0);
    expect(r.ev.login).toBeNull();
  });
});

describe('guards', () => {
  test('EIP-1571 submit seen mid-stream does not take the job id for a login', () => {
    const r = run([[0, line({ id: 3, method: 'mining.submit', params: ['bf0488', '0xc3ab7e3c2b3b8a9d', 'w1'] })]]);
    expect(r.ev.minerSpoke).toBe(true);
    expect(r.ev.login).toBeNull();
  });

  test('an unasked array of three hashes is work only when the third looks like a share boundary', () => {
    const hashes = { jsonrpc: '2.0', id: 7, result: [HEADER, SEED, '0x8f3b' + HEADER.slice(6)] };
    expect(run([[1, line(hashes)]]).ev.level).toBe(0);
    const pushed = { ...hashes, id: 0, result: [HEADER, SEED, '0x00000000ffff' + HEADER.slice(14)] };
    const r = run([[1, line(pushed)]]);
    expect(r.ev.protocol).toBe('eth-proxy');
    expect(r.ev.minerDirection).toBe(0);
    expect(r.ev.jobs).toBe(1);
  });
});
