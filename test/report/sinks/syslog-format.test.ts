import { findingMessage } from '../../../src/report/sinks/message';
import { parseFacility, parseSyslogTarget } from '../../../src/report/sinks/syslog';
import { asciiJson, formatSyslog, headerField, octetCounted, sdValue } from '../../../src/report/sinks/syslog-format';
import { HOSTILE_AGENTS, makeFindings } from './findings';

const header = { facility: 16, appName: 'poolwatch', hostname: 'sensor-1', procId: '42' };

/** RFC 5424's header and structured data, read strictly: the fields, and the body after them. */
function parse(msg: string): { pri: number; fields: string[]; sd: string; body: string } {
  const m = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(msg);
  if (m === null) throw new Error(`not RFC 5424: ${msg.slice(0, 100)}`);
  let i = m[0].length;
  let sd: string;
  if (msg[i] === '-') {
    sd = '-';
    i += 1;
  } else {
    const start = i;
    while (msg[i] === '[') {
      i++;
      while (msg[i] !== ']') i += msg[i] === '\\' ? 2 : 1;
      i++;
    }
    sd = msg.slice(start, i);
  }
  if (msg[i] !== ' ') throw new Error(`no space after structured data at ${i}`);
  return { pri: Number(m[1]), fields: m.slice(2, 7), sd, body: msg.slice(i + 1) };
}

describe('RFC 5424 formatting of findings', () => {
  const findings = makeFindings(HOSTILE_AGENTS.length);

  test('every hostile agent keeps the header to PRINTUSASCII, the body pure printable ASCII, and the JSON intact', () => {
    for (const f of findings) {
      const m = findingMessage(f, 'new');
      const text = formatSyslog(header, m.event, m.confidence, m.fields, m.value, new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)));
      expect(text).toMatch(/^[\x20-\x7e]+$/);
      const p = parse(text);
      // local0; warning, notice, informational for high, medium, low confidence.
      expect(p.pri).toBe(16 * 8 + { high: 4, medium: 5, low: 6 }[f.confidence]);
      expect(p.fields).toEqual(['2026-01-02T03:04:05.006Z', 'sensor-1', 'poolwatch', '42', 'new']);
      for (const field of p.fields) expect(field).toMatch(/^[!-~]+$/);
      expect(p.sd.startsWith('[poolwatch@32473 host="' + f.host + '" pool="198.51.100.7" poolPort="3333"')).toBe(true);
      expect(JSON.parse(p.body)).toEqual({ ...f, event: 'new' });
    }
  });

  test('the agents really are hostile: findings carry line breaks, quotes, ] and non-ASCII', () => {
    const agents = findings.map((f) => f.agent ?? '').join('');
    expect(agents).toMatch(/\r\n/);
    expect(agents).toMatch(/"\]/);
    expect(agents).toMatch(/[^\x00-\x7f]/);
  });

  test('header fields: non-PRINTUSASCII becomes _, cut to the RFC length, empty is NILVALUE', () => {
    expect(headerField('a b\nc\u00e9', 48)).toBe('a_b_c_');
    expect(headerField('x'.repeat(60), 48)).toBe('x'.repeat(48));
    expect(headerField('', 32)).toBe('-');
  });

  test('structured-data values escape ", \\ and ] and carry no control characters', () => {
    expect(sdValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    expect(sdValue('l1\nl2\r\u0000\u001b\u0085\u2028')).toBe('l1?l2?????');
    expect(sdValue('y'.repeat(300)).length).toBe(256);
  });

  test('a structured-data element with an escaped ] is read to its real end', () => {
    const text = formatSyslog(header, 'finding', 'low', { domain: 'evil]"x' }, '{}');
    const p = parse(text);
    expect(p.sd).toBe('[poolwatch@32473 domain="evil\\]\\"x"]');
    expect(p.body).toBe('{}');
    expect(p.pri).toBe(16 * 8 + 6);
  });

  test('asciiJson escapes everything outside printable ASCII and parses back to the same value', () => {
    const value = { s: 'a\u00e9\u2028\ud83d\ude80\u007f\n' };
    const text = asciiJson(JSON.stringify(value));
    expect(text).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(text)).toEqual(value);
  });

  test('octet counting prefixes the byte length, not the character length', () => {
    expect(octetCounted('é').toString('utf8')).toBe('2 é');
  });

  test('targets and facilities: good ones parse, bad ones are one line naming the option', () => {
    expect(parseSyslogTarget('udp://127.0.0.1:5514')).toEqual({ transport: 'udp', host: '127.0.0.1', port: 5514, url: 'udp://127.0.0.1:5514' });
    expect(parseSyslogTarget('tcp://[::1]:601')).toMatchObject({ transport: 'tcp', host: '::1', port: 601 });
    expect(parseSyslogTarget('tcp://logs.example')).toMatchObject({ port: 514 });
    expect(parseSyslogTarget('unix:///run/x.sock')).toEqual({ transport: 'unix', path: '/run/x.sock', url: 'unix:///run/x.sock' });
    for (const bad of ['http://x:1', 'udp://x:0', 'udp://x:70000', 'tcp://[zz]:1', 'unix://relative', 'tcp://a b:1', `unix:///${'p'.repeat(120)}`]) {
      expect(() => parseSyslogTarget(bad)).toThrow(/^--syslog "/);
      try {
        parseSyslogTarget(bad);
      } catch (e) {
        expect((e as Error).message).not.toMatch(/\n/);
      }
    }
    expect(parseFacility('local7')).toBe(23);
    expect(parseFacility('3')).toBe(3);
    expect(() => parseFacility('24')).toThrow(/^--syslog-facility "24"/);
    expect(() => parseFacility('nope')).toThrow(/not a facility/);
  });
});
