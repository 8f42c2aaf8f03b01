/**
 * How long a flow is inspected when its data is not in the capture: a stream
 * that only acknowledges (a one-sided SPAN port, a capture of small frames
 * only) is called ordinary after 32 payload-less segments in a row, so its
 * later segments skip the flow table. A data segment starts the count again,
 * and a flow already recognised as mining is never cut short.
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { loadSignatures } from '../../src/detect/signatures';
import { TcpFrameKey, tcpFrameKey } from '../../src/decode/frame-key';
import type { Finding } from '../../src/report/finding';
import { Conversation, type Timed, timedFrame } from '../support/craft';
import { clientHello } from '../support/craft-protocols';

const sigs = loadSignatures();
const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';


/** Feeds the conversation's frames; says whether its flow ended up ruled out, and what was found. */
function run(c: Conversation): { ruledOut: boolean; findings: Finding[] } {
  const a = new Analyzer(sigs, { ...DEFAULT_ANALYZER_OPTIONS });
  for (const t of c.frames) a.frame(timedFrame(t));
  const key = new TcpFrameKey();
  expect(tcpFrameKey(timedFrame(c.frames[c.frames.length - 1]), key)).toBe(true);
  const ruledOut = a.isRuledOut(key.hash, key.check);
  return { ruledOut, findings: a.finish() };
}

const tls = () => new Conversation({ client: '10.1.0.5', server: '192.0.2.80', clientPort: 50500, serverPort: 443 }).handshake();

describe('a flow whose data is out of the capture', () => {
  test('is ruled out after 32 acknowledgements in a row, not after 31', () => {
    // The ClientHello names an ordinary site; the server's flight (its certificate) never shows.
    const c = tls().client(clientHello({ sni: 'www.example.com' }));
    for (let i = 0; i < 31; i++) c.ack();
    expect(run(c).ruledOut).toBe(false);
    c.ack();
    expect(run(c).ruledOut).toBe(true);
  });

  test('a data segment starts the count again', () => {
    const c = tls().client(clientHello({ sni: 'www.example.com' }));
    for (let i = 0; i < 31; i++) c.ack();
    c.client(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x01, 0x00]));
    for (let i = 0; i < 31; i++) c.ack();
    expect(run(c).ruledOut).toBe(false);
  });

  test('a mining flow is never cut short: a share after 100 acknowledgements is still read, every segment counted', () => {
    const c = new Conversation({ client: '10.1.0.6', server: '198.51.100.7', clientPort: 50600, serverPort: 3333 }).handshake();
    c.client(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${WALLET}","pass":"x","agent":"XMRig/6.16.0 (Linux x86_64) libuv/1.38.0 gcc/9.3.0"}}\n`);
    c.server(`{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":{"blob":"${'0'.repeat(152)}","job_id":"j1","target":"b88d0600","algo":"rx/0"},"status":"OK"}}\n`);
    for (let i = 0; i < 100; i++) c.ack();
    c.client(`{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"s1","job_id":"j1","nonce":"0a0b0c0d","result":"${'ab'.repeat(32)}"}}\n`);
    c.server('{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n');
    c.ack();
    const r = run(c);
    expect(r.ruledOut).toBe(false);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0].packets).toBe(c.frames.length);
    expect([r.findings[0].sharesSubmitted, r.findings[0].sharesAccepted]).toEqual([1, 1]);
  });
});
