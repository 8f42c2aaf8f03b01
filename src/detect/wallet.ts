/**
 * Wallet addresses in mining logins: split the forms pools accept
 * ("wallet.worker", "wallet+difficulty", "wallet/email", "COIN:wallet.worker#ref")
 * and guess the coin from the address format. Charset and length are checked,
 * not just the first letter, so "1234" or "account.rig" yield no coin.
 */

const B58 = '[1-9A-HJ-NP-Za-km-z]';
const BECH32 = '[02-9ac-hj-np-z]';

/** Address shape -> ticker, most specific first; the first match wins. */
const SHAPES: [RegExp, string][] = [
  [new RegExp(`^4${B58}{94}$|^8${B58}{94}$|^4${B58}{105}$`), 'XMR'],
  [/^0x[0-9a-fA-F]{40}$/, 'ETH'],
  [new RegExp(`^bc1${BECH32}{8,87}$`, 'i'), 'BTC'],
  [new RegExp(`^ltc1${BECH32}{8,87}$`, 'i'), 'LTC'],
  [new RegExp(`^(bitcoincash:)?[qp]${BECH32}{41}$`), 'BCH'],
  [new RegExp(`^kaspa:[qp]${BECH32}{58,66}$`), 'KAS'],
  [/^cfx:[a-z0-9]{42,46}$/, 'CFX'],
  [new RegExp(`^grin1${BECH32}{50,70}$`), 'GRIN'],
  [new RegExp(`^t[13]${B58}{33}$|^zs1${BECH32}{75}$`), 'ZEC'],
  [new RegExp(`^9${B58}{50}$`), 'ERG'],
  [new RegExp(`^[13]${B58}{25,34}$`), 'BTC'],
  [new RegExp(`^[LM]${B58}{33}$`), 'LTC'],
  [new RegExp(`^R${B58}{33}$`), 'RVN'],
  [new RegExp(`^D${B58}{33}$`), 'DOGE'],
  [new RegExp(`^X${B58}{33}$`), 'DASH'],
];

/** A ticker prefix such as unMineable's "SHIB:0x...": upper case, so "kaspa:" / "cfx:" addresses are not mistaken for it. */
const COIN_PREFIX = /^([A-Z][A-Z0-9]{1,9}):(.+)$/;

export interface LoginParts {
  wallet: string;
  worker: string | null;
  /** Coin named by a "COIN:" prefix, if any. */
  coinHint: string | null;
}

/** Splits a pool login into wallet and worker the way pools parse it. */
export function splitLogin(login: string): LoginParts {
  let s = login.trim();
  let coinHint: string | null = null;
  const p = COIN_PREFIX.exec(s);
  if (p) {
    coinHint = p[1];
    s = p[2];
  }
  // Referral and email suffixes come last, so cut them first.
  s = cut(s, '#');
  const slash = s.indexOf('/');
  // An e-mail account (MinerGate and others) is the login itself; "account@mail/rig" names the rig after the slash.
  if (slash > 0 && s.slice(0, slash).includes('@')) return { wallet: s.slice(0, slash), worker: s.slice(slash + 1) || null, coinHint };
  s = cut(s, '/');
  if (s.includes('@')) return { wallet: s, worker: null, coinHint };
  let worker: string | null = null;
  const dot = s.indexOf('.');
  if (dot > 0) {
    worker = s.slice(dot + 1) || null;
    s = s.slice(0, dot);
  }
  // "wallet+difficulty" (fixed share difficulty) or "wallet+worker" (some proxies).
  const plus = s.indexOf('+');
  if (plus > 0) {
    const tail = s.slice(plus + 1);
    if (!/^\d+$/.test(tail) && worker === null && tail) worker = tail;
    s = s.slice(0, plus);
  }
  if (worker !== null) worker = cut(worker, '+') || null;
  return { wallet: s, worker, coinHint };
}

function cut(s: string, sep: string): string {
  const i = s.indexOf(sep);
  return i > 0 ? s.slice(0, i) : s;
}

/** Ticker of the coin a login's wallet address belongs to, or null when it is not a recognisable address. */
export function coinFromWallet(login: string): string | null {
  const { wallet, coinHint } = splitLogin(login);
  // An explicit "COIN:" prefix names the payout coin, which the address shape alone cannot tell (SHIB on an 0x address).
  if (coinHint) return coinHint;
  for (const [re, coin] of SHAPES) if (re.test(wallet)) return coin;
  return null;
}
