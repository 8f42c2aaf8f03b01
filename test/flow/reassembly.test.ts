import { StreamDirection, type StreamConsumer } from '../../src/flow/reassembly';

class Collect implements StreamConsumer {
  text = '';
  gaps = 0;
  data(_dir: 0 | 1, buf: Uint8Array, start: number, end: number): void {
    this.text += Buffer.from(buf.subarray(start, end)).toString('latin1');
  }
  gap(): void {
    this.gaps++;
    this.text += '|';
  }
}

/** Splits a message into segments [seq, bytes] starting at isn + 1. */
function segments(text: string, isn: number, size: number): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  for (let i = 0; i < text.length; i += size) out.push([(isn + 1 + i) >>> 0, Buffer.from(text.slice(i, i + size), 'latin1')]);
  return out;
}

function feed(s: StreamDirection, segs: Array<[number, Buffer]>, out: StreamConsumer): void {
  for (const [seq, b] of segs) {
    // Surround the payload with other bytes, as a frame does, to check offsets are honoured.
    const frame = Buffer.concat([Buffer.from('HDR'), b, Buffer.from('TRAILER')]);
    s.segment(seq, frame, 3, b.length, out);
  }
}

const MESSAGE = '{"id":1,"method":"login","params":{"login":"wallet","agent":"XMRig/6.16.0"}}\n';

describe('StreamDirection', () => {
  test('in-order segments arrive whole', () => {
    const s = new StreamDirection(0);
    const out = new Collect();
    s.syn(1000);
    feed(s, segments(MESSAGE, 1000, 7), out);
    expect(out.text).toBe(MESSAGE);
    expect(out.gaps).toBe(0);
  });

  test('out-of-order segments are put back in order', () => {
    const s = new StreamDirection(0);
    const out = new Collect();
    s.syn(5);
    const segs = segments(MESSAGE, 5, 10);
    feed(s, [segs[2], segs[0], segs[3], segs[1], ...segs.slice(4)], out);
    expect(out.text).toBe(MESSAGE);
  });

  test('retransmissions and overlapping segments are not delivered twice', () => {
    const s = new StreamDirection(1);
    const out = new Collect();
    s.syn(0xfffffff0); // sequence numbers wrap inside the message
    const segs = segments(MESSAGE, 0xfffffff0, 16);
    const overlap: [number, Buffer] = [(segs[1][0] + 8) >>> 0, Buffer.from(MESSAGE.slice(24, 40), 'latin1')];
    feed(s, [segs[0], segs[0], segs[1], overlap, segs[1], ...segs.slice(2), segs[2]], out);
    expect(out.text).toBe(MESSAGE);
  });

  test('a capture picked up mid-stream starts at the first data seen', () => {
    const s = new StreamDirection(0);
    const out = new Collect();
    feed(s, segments(MESSAGE, 77, 20).slice(1), out);
    expect(out.text).toBe(MESSAGE.slice(20));
  });

  test('a hole that never fills is reported as a gap once too much is held, then delivery goes on', () => {
    const s = new StreamDirection(0);
    const out = new Collect();
    s.syn(0);
    const line = 'x'.repeat(999) + '\n';
    const segs = segments(line.repeat(40), 0, 1000);
    feed(s, [segs[0], ...segs.slice(2)], out);
    expect(out.gaps).toBe(1);
    expect(out.text.startsWith(line + '|' + line)).toBe(true);
    expect(out.text.length).toBe(39 * 1000 + 1);
  });

  test('flush hands on held segments after a gap so nothing seen is lost', () => {
    const s = new StreamDirection(0);
    const out = new Collect();
    s.syn(0);
    const segs = segments(MESSAGE, 0, 20);
    feed(s, [segs[0], segs[2], segs[3]], out);
    expect(out.text).toBe(MESSAGE.slice(0, 20));
    s.flush(out);
    expect(out.text).toBe(MESSAGE.slice(0, 20) + '|' + MESSAGE.slice(40, 80));
  });

  test('held bytes are copies: reusing the frame buffer does not corrupt them', () => {
    const s = new StreamDirection(0);
    const out = new Collect();
    s.syn(0);
    const shared = Buffer.alloc(64);
    const put = (seq: number, text: string) => {
      shared.fill(0x3f);
      shared.write(text, 0, 'latin1');
      s.segment(seq, shared, 0, text.length, out);
    };
    put(11, 'world\n');
    put(1, 'hello, the');
    expect(out.text).toBe('hello, theworld\n');
  });
});
