/**
 * Whether the W3C WebDriver endpoint at `url` (chromedriver, a Selenium Grid) says it is ready
 * to create sessions (`GET /status` → `value.ready`). Not listening, or no answer within
 * `timeoutMs`, is "not ready".
 */
export async function webdriverReady(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { value?: { ready?: boolean } };
    return body.value?.ready === true;
  } catch {
    return false;
  }
}
