/**
 * RFC 5424 messages for findings. Every text that can come from the network is
 * made safe for where it goes: header fields hold only PRINTUSASCII (33..126)
 * at their RFC lengths, structured-data values have `"`, `\` and `]` escaped
 * (RFC 5424 section 6.3.3) and no control characters, and the body is the JSON
 * record with every character outside printable ASCII written as a \u escape,
 * so no receiver can see a line break, a NUL or a terminal escape in it.
 */

export const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  ntp: 12, audit: 13, alert: 14, clock: 15, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** Severity per confidence: high warning (4), medium notice (5), low informational (6). */
export const SEVERITY: Record<string, number> = { high: 4, medium: 5, low: 6 };

/**
 * The structured-data id. 32473 is the private enterprise number RFC 5612
 * reserves for documentation and examples; poolwatch has none of its own.
 */
export const SD_ID = 'poolwatch@32473';

export interface SyslogHeader {
  facility: number;
  /** APP-NAME, at most 48 characters. */
  appName: string;
  /** HOSTNAME, at most 255 characters: the sensor. */
  hostname: string;
  procId: string;
}

/** A header field: PRINTUSASCII only (anything else becomes `_`), cut to `max`; `-` (NILVALUE) when empty. */
export function headerField(text: string, max: number): string {
  let out = '';
  for (let i = 0; i < text.length && out.length < max; i++) {
    const c = text.charCodeAt(i);
    out += c >= 33 && c <= 126 ? text[i] : '_';
  }
  return out === '' ? '-' : out;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped by a backslash; control characters (C0, DEL, C1, line separators) as `?`. */
export function sdValue(text: string, max = 256): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').replace(/["\\\]]/g, (c) => '\\' + c);
}

/** JSON text with everything outside printable ASCII as \u escapes: still the same JSON value. */
export function asciiJson(json: string): string {
  return json.replace(/[^\u0020-\u007e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** SD-NAMEs are fixed here, but checked anyway: PRINTUSASCII except `=`, space, `]` and `"`, at most 32. */
function sdName(name: string): string {
  if (!/^[!#-<>-\\^-~]{1,32}$/.test(name)) throw new Error(`not an SD-NAME: ${name}`);
  return name;
}

/**
 * One RFC 5424 message (no framing): `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`.
 * MSGID is the event (`finding`, `new`, `update`, `final`); SD carries the pair
 * for filtering without parsing the body; MSG is the record.
 */
export function formatSyslog(
  h: SyslogHeader,
  event: string,
  confidence: string,
  fields: Record<string, string | number | null>,
  body: string,
  now: Date = new Date(),
): string {
  const pri = h.facility * 8 + (SEVERITY[confidence] ?? 5);
  const params: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === null || v === undefined) continue;
    params.push(`${sdName(k)}="${sdValue(String(v))}"`);
  }
  const sd = params.length > 0 ? `[${SD_ID} ${params.join(' ')}]` : '-';
  return `<${pri}>1 ${now.toISOString()} ${headerField(h.hostname, 255)} ${headerField(h.appName, 48)} ${headerField(h.procId, 128)} ${headerField(event, 32)} ${sd} ${asciiJson(body)}`;
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export function octetCounted(message: string): Buffer {
  const n = Buffer.byteLength(message, 'utf8');
  const prefix = `${n} `;
  const out = Buffer.allocUnsafe(prefix.length + n);
  out.write(prefix, 0, 'ascii');
  out.write(message, prefix.length, 'utf8');
  return out;
}
