import { createHash, createHmac, randomBytes } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second steps, 6 digits,
 * secrets in base32 as authenticator apps expect them. The site checks codes with it; tests and
 * scripts compute them with {@link totpCode}.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The code for `secret` at `timeMs` (default now). */
export function totpCode(secret: string, timeMs = Date.now(), stepSeconds = 30): string {
  const counter = Math.floor(timeMs / 1000 / stepSeconds);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', base32Decode(secret)).update(message).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** The 30-second time step `timeMs` falls in. */
export function totpStep(timeMs: number, stepSeconds = 30): number {
  return Math.floor(timeMs / 1000 / stepSeconds);
}

/**
 * The time step whose code `code` is for `secret` at `timeMs`, allowing one step of clock drift
 * either way; `undefined` when it is none of them. A verifier that remembers the steps it
 * accepted refuses a replayed code (RFC 6238, section 5.2).
 */
export function matchTotp(secret: string, code: string, timeMs = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = totpStep(timeMs);
  for (const drift of [0, -1, 1]) if (totpCode(secret, (now + drift) * 30_000) === code) return now + drift;
  return undefined;
}

/** Whether `code` is valid for `secret` now, allowing one step of clock drift either way. */
export function verifyTotp(secret: string, code: string, timeMs = Date.now()): boolean {
  return matchTotp(secret, code, timeMs) !== undefined;
}

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    // The secret itself never goes into the message.
    if (i === -1)
      throw new InvalidOptionError('the TOTP secret must be base32 text (letters A–Z and digits 2–7), and it has another character');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** Per secret (by digest): the last time step this process submitted a code for. */
const stepsUsed = new Map<string, number>();

/**
 * A code for `secret` that this process has not submitted before: the current step's, or when
 * that was used already, the next step's (a verifier accepts one step of drift); when that one
 * was used too, it waits for the clock to reach the next step. Sites refuse a code used once
 * (RFC 6238, section 5.2), so two sign-ins in one 30-second window need two codes.
 */
export async function unusedTotpCode(
  secret: string,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<string> {
  const key = createHash('sha256').update(secret).digest('base64');
  const current = totpStep(now());
  const step = Math.max(current, (stepsUsed.get(key) ?? Number.NEGATIVE_INFINITY) + 1);
  stepsUsed.set(key, step); // reserved before waiting: concurrent callers get different steps
  const usableFrom = (step - 1) * 30_000; // the step is within one step of drift from then on
  const wait = usableFrom - now();
  if (wait > 0) await sleep(wait + 50);
  return totpCode(secret, step * 30_000);
}
