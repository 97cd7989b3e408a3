/** Shared by the benchmarks: the median of interleaved rounds, and output that `--json` silences. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A `log(line)` that prints unless the run asked for JSON. */
export function textLog(asJson: boolean): (line?: string) => void {
  return (line = '') => {
    if (!asJson) console.log(line);
  };
}

/** Sign in to the reference site over HTTP (a user without a second factor); returns the `sid` cookie's value. */
export async function signInOverHttp(origin: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${origin}/sign-in`, { signal: AbortSignal.timeout(10_000) });
  const flow = /signin_flow=([^;]+)/.exec(form.headers.getSetCookie().join(';'))?.[1] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const post = await fetch(`${origin}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `signin_flow=${flow}` },
    body: new URLSearchParams({ csrf, username, password }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const sid = /sid=([^;]+)/.exec(post.headers.getSetCookie().join(';'))?.[1];
  if (!sid) throw new Error(`bench sign-in as ${username} failed (status ${post.status})`);
  return sid;
}

/** `--name=N` from `args` as an integer ≥ `min`, else `fallback`; anything else throws, naming the flag. */
export function intFlag(args: readonly string[], name: string, fallback: number, min: number): number {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}
