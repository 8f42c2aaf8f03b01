import { coinFromWallet, splitLogin } from '../../src/detect/wallet';

const XMR = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';

describe('coinFromWallet', () => {
  test.each([
    [XMR, 'XMR'],
    ['8' + XMR.slice(1), 'XMR'], // subaddress shape
    [XMR + 'Q1ab2Cd3Ef4', 'XMR'], // 106-character integrated address
    ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'BTC'],
    ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'BTC'],
    ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'BTC'],
    ['0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5', 'ETH'],
    ['LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9', 'LTC'],
    ['MGxNPPB7eBoWPUaprtX9v9CXJZoD2465zN', 'LTC'],
    ['ltc1qg82p0pd0y8ll2dtj8vp0kzv4k5r5m3ghp3jcuh', 'LTC'],
    ['RKbWZAxuQqC9cZKXoy3ppGzkrLmwPq64Gs', 'RVN'],
    ['t1d7wj89Zf2xgEKjqCtKjs3xudXUraUsYkc', 'ZEC'],
    ['DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L', 'DOGE'],
    ['XpESxaUmonkq8RaLLp46Brx2K39ggQe226', 'DASH'],
    ['kaspa:qqkqkzjvr7zwxxmjxjkmxxdwju9kjs6e9u82uh59z07vgaks6gg62v8707g73', 'KAS'],
    ['9fRAWhdxEsTcdb8PhGNrZfwqa65zfkuYHAMmkQLcic1gdLSV5vA', 'ERG'],
    ['cfx:aak2rra2njvd77ezwjvx04kkds9fzagfe6ku8scz91', 'CFX'],
    ['bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a', 'BCH'],
    ['qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a', 'BCH'],
    ['grin1dhvv9mvarqwl6fderuxp3qgl6qpphvc9p4u24347ec0mvgg6342q4w6x5r', 'GRIN'],
  ])('%s -> %s', (addr, coin) => {
    expect(coinFromWallet(addr)).toBe(coin);
  });

  test('worker, difficulty, email and referral suffixes are stripped first', () => {
    expect(coinFromWallet(XMR + '.rig1')).toBe('XMR');
    expect(coinFromWallet(XMR + '+50000')).toBe('XMR');
    expect(coinFromWallet(XMR + '.rig1/me@example.com')).toBe('XMR');
    expect(coinFromWallet('0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5.rig/x@y.z')).toBe('ETH');
    expect(coinFromWallet('kaspa:qqkqkzjvr7zwxxmjxjkmxxdwju9kjs6e9u82uh59z07vgaks6gg62v8707g73.w1')).toBe('KAS');
  });

  test('an explicit COIN: prefix (unMineable) names the payout coin', () => {
    expect(coinFromWallet('SHIB:0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5.rig#ab12-cd34')).toBe('SHIB');
  });

  test('charset and length are checked, not just the first letter', () => {
    expect(coinFromWallet('1234')).toBeNull();
    expect(coinFromWallet('myaccount.rig1')).toBeNull();
    expect(coinFromWallet('x')).toBeNull();
    expect(coinFromWallet('0x52bc44d5378309ee2abf1539bf71de1b7d7be3b')).toBeNull(); // 39 hex
    expect(coinFromWallet('0x52bc44d5378309ee2abf1539bf71de1b7d7be3bg')).toBeNull();
    expect(coinFromWallet(XMR.slice(0, 94))).toBeNull();
    expect(coinFromWallet('4' + XMR.slice(1, 94) + '0')).toBeNull(); // '0' is not base58
    expect(coinFromWallet('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNl')).toBeNull(); // 'l' is not base58
    expect(coinFromWallet('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdb')).toBeNull(); // 'b' is not bech32
    expect(coinFromWallet('')).toBeNull();
  });
});

describe('splitLogin', () => {
  test('pool login forms', () => {
    expect(splitLogin('wallet.worker')).toEqual({ wallet: 'wallet', worker: 'worker', coinHint: null });
    expect(splitLogin('wallet+1000')).toEqual({ wallet: 'wallet', worker: null, coinHint: null });
    expect(splitLogin('wallet+1000.rig')).toEqual({ wallet: 'wallet', worker: 'rig', coinHint: null });
    expect(splitLogin('wallet.rig+1000')).toEqual({ wallet: 'wallet', worker: 'rig', coinHint: null });
    expect(splitLogin('wallet+rig9')).toEqual({ wallet: 'wallet', worker: 'rig9', coinHint: null });
    expect(splitLogin('wallet/me@example.com')).toEqual({ wallet: 'wallet', worker: null, coinHint: null });
    expect(splitLogin('DOGE:DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L.w#ref')).toEqual({
      wallet: 'DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L',
      worker: 'w',
      coinHint: 'DOGE',
    });
  });
});

describe('e-mail logins', () => {
  test('an e-mail login stays whole; a /rig suffix names the worker', () => {
    expect(splitLogin('miner@example.com')).toEqual({ wallet: 'miner@example.com', worker: null, coinHint: null });
    expect(splitLogin('miner@example.com/rig01')).toEqual({ wallet: 'miner@example.com', worker: 'rig01', coinHint: null });
  });
});

test('wallet.worker/email keeps splitting at the dot (the e-mail is a notification address)', () => {
  expect(splitLogin('44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A.rig7/me@example.com')).toMatchObject({ worker: 'rig7' });
});
