import type { ProtocolRecord } from '../../record';
import { DnsOverTcp } from './dns-tcp';

export const DNS_PORT = 53;

export const record: ProtocolRecord = {
  name: 'dns',
  carriesMiningContent: false,
  difficulty: null,
  stream: {
    // Over TCP only; datagrams are read by the engine without a flow (engine.ts dnsDatagram).
    wants: { ports: [DNS_PORT], start: 'both' },
    make: (ctx) => new DnsOverTcp((msg, dir) => ctx.dns(msg, dir)),
  },
};
