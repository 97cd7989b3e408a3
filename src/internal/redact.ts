/** Query parameters whose values are treated as secrets in messages. */
const SECRET_PARAM = /pass|pwd|token|secret|key|auth|session|sid|code|sig|cookie|csrf|otp/i;

/**
 * A URL made safe for a log line or an error message: the password in the user-info part and the
 * values of secret-looking query parameters are replaced by `***`. Unparseable input is quoted and
 * cut to 120 characters.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const shown = maskUserInfo(url);
    return JSON.stringify(shown.length > 120 ? `${shown.slice(0, 117)}...` : shown);
  }
  // `user:pass@host:4444` (no scheme) parses as scheme `user:`: its user-info is not seen as such.
  if (!AUTHORITY_SCHEMES.has(parsed.protocol) && url.includes('@')) return JSON.stringify(maskUserInfo(url).slice(0, 120));
  if (parsed.password) parsed.password = '***';
  for (const [name] of parsed.searchParams) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
  }
  const text = parsed.href;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Schemes whose URLs the parser splits into user-info and host. */
const AUTHORITY_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'redis:', 'rediss:', 'ftp:', 'file:']);

/**
 * Text that may hold user-info the URL parser did not find (no scheme, or a raw `/` in the
 * password): everything before the last `@` becomes `***`, after the scheme if there is one.
 */
function maskUserInfo(text: string): string {
  const at = text.lastIndexOf('@');
  if (at === -1) return text;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  return `${scheme}***@${text.slice(at + 1)}`;
}

/** Keys whose values are secrets wherever they appear in a log record. */
const SECRET_KEY =
  /^(pass(word|wd)?|pwd|secret|totp.*|otp|code|token|.*_token|access_?token|csrf.*|x-csrf-token|authorization|proxy-authorization|cookie|set-cookie|value|sid|session_?id|api_?key|credentials?|private_?key)$/i;
/** Secrets by shape inside a string: credentials in URLs, bearer tokens, and name=value pairs whose name looks secret. */
const SECRET_SHAPES: readonly [RegExp, string][] = [
  [/(\/\/[^/\s:@]*):[^@/\s]*@/g, '$1:***@'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***'],
  [/\b([A-Za-z0-9_.-]*(?:pass|pwd|token|secret|session|sid|csrf|auth|otp|key|cookie)[A-Za-z0-9_.-]*)=([^;&\s,"']+)/gi, '$1=***'],
];

/** A string with its secrets by shape replaced (see {@link redactDeep} for keys). */
export function redactText(text: string): string {
  let out = text;
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

/**
 * A copy of `value` safe for a log line: the values of secret-looking keys (passwords, TOTP
 * secrets and codes, tokens, cookies and cookie values, `Authorization`) are `[redacted]`, and
 * strings have their secrets by shape replaced. Depth is bounded; cycles are cut.
 */
export function redactDeep(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error)
    return {
      name: value.name,
      message: redactText(value.message),
      ...('code' in value ? { code: (value as { code: unknown }).code } : {}),
    };
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '' ? '[redacted]' : redactDeep(v, depth + 1, seen);
  return out;
}
