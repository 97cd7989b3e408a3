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
    return JSON.stringify(url.length > 120 ? `${url.slice(0, 117)}...` : url);
  }
  if (parsed.password) parsed.password = '***';
  for (const [name] of parsed.searchParams) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
  }
  const text = parsed.href;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
