import { optionValue } from '../../bench/common';
import { namedCapture } from '../../bench/make-captures';

describe('bench tool options', () => {
  it('reads the value after a flag, and nothing for an absent flag or one given last without a value', () => {
    const args = ['--capture', 'small', '--quick', '--rounds'];
    expect(optionValue(args, '--capture')).toBe('small');
    expect(optionValue(args, '--top')).toBeUndefined();
    expect(optionValue(args, '--rounds')).toBeUndefined();
  });

  it('names the capture kinds when --capture names none of them, before building anything', async () => {
    await expect(namedCapture(['--capture', 'bulk'])).rejects.toThrow('--capture bulk: expected one of mixed, small, flood');
  });
});
