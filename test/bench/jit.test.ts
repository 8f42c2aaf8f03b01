import { parseTrace } from '../../bench/jit';

// Lines as node 20's --trace-opt and --trace-deopt-verbose print them (taken from a real scan).
const TRACE = [
  '[compiling method 0x2b26aaa231c1 <JSFunction nameHits (sfi = 0x1c53415f1de9)> (target TURBOFAN), mode: ConcurrencyMode::kConcurrent]',
  '[completed compiling 0x12824a822779 <JSFunction normalizeString (sfi = 0x131b6b926151)> (target TURBOFAN) - took 0.018, 9.354, 0.023 ms]',
  '[completed compiling 0x3a1 <JSFunction parse (sfi = 0x1ffa)> (target TURBOFAN) OSR - took 0.047, 23.000, 0.100 ms]',
  '[bailout (kind: deopt-eager, reason: Insufficient type feedback for binary operation): begin. deoptimizing 0x2b26aaa231c1 <JSFunction nameHits (sfi = 0x1c53415f1de9)>, 0x12290918f1d1 <Code TURBOFAN>, opt id 4, bytecode offset 41, deopt exit 1, FP to SP delta 72, caller SP 0x7ffe4a4154a0, pc 0x7f99ce035ac5]',
  '  reading input frame nameHits => bytecode_offset=41, args=6, height=12, retval=0(#0); inputs:',
  '            ;;; deoptimize at </work/main/dist/src/detect/dns.js:302:19>',
  '[bailout (kind: deopt-eager, reason: not a Smi): begin. deoptimizing 0x1 <JSFunction endAll (sfi = 0x2)>, 0x3 <Code TURBOFAN>, opt id 9, bytecode offset 113, deopt exit 2, FP to SP delta 176, caller SP 0x4, pc 0x5]',
  '            ;;; deoptimize at </x/aggregate.js:142:22> inlined at </x/analyzer.js:155:21> inlined at </x/table.js:219:22>',
  '            ;;; deoptimize at </x/other.js:1:1>',
].join('\n');

describe('parseTrace', () => {
  const { compilations, deopts } = parseTrace(TRACE);

  it('reads each completed TurboFan compilation with its three phases summed, OSR marked', () => {
    expect(compilations).toHaveLength(2);
    expect(compilations[0]).toEqual({ fn: 'normalizeString', osr: false, ms: expect.closeTo(9.395, 6) });
    expect(compilations[1]).toEqual({ fn: 'parse', osr: true, ms: expect.closeTo(23.147, 6) });
  });

  it('reads each deoptimization with its reason and the position it happened at, inlining chain included', () => {
    expect(deopts).toHaveLength(2);
    expect(deopts[0]).toEqual({ fn: 'nameHits', kind: 'deopt-eager', reason: 'Insufficient type feedback for binary operation', at: ['/work/main/dist/src/detect/dns.js:302:19'] });
    // Only the first position after a bailout is its own.
    expect(deopts[1].at).toEqual(['/x/aggregate.js:142:22', '/x/analyzer.js:155:21', '/x/table.js:219:22']);
    expect(deopts[1].reason).toBe('not a Smi');
  });
});
