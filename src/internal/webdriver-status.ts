import { readBoundedText } from './bounded-body.js';

/**
 * Whether the W3C WebDriver endpoint at `url` (chromedriver, a Selenium Grid) says it is ready
 * to create sessions (`GET /status` → `value.ready`). Not listening, no answer within
 * `timeoutMs`, or an answer over 1 MiB (no status is that large) is "not ready".
 */
export async function webdriverReady(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await readBoundedText(response, 1024 * 1024);
    if (text === undefined) return false;
    const body = JSON.parse(text) as { value?: { ready?: boolean } };
    return body.value?.ready === true;
  } catch {
    return false;
  }
}
