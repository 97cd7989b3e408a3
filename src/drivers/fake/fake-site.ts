/** A request the Fake browser (or the real fixture server) hands to a site handler. */
export interface FakeRequest {
  readonly method: 'GET';
  /** Absolute URL. */
  readonly url: string;
  /** Lower-case header names; `cookie` carries the cookies the browser sends. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a site handler answers. */
export interface FakeResponse {
  readonly status: number;
  /** Lower-case header names. `set-cookie` may be a list; `location` drives redirects. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** HTML body. `<title>` sets the page title. */
  readonly body?: string;
}

/**
 * A site: answers requests for one origin. The same handler serves the Fake browser in memory
 * and real Chromium through a real HTTP server, which is how one contract suite can hold both
 * adapters to the same behaviour.
 */
export type FakeSiteHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * Header the Fake reads to know how tall a page is (for full-page screenshots); browsers ignore
 * it and measure the real layout.
 */
export const FAKE_PAGE_HEIGHT_HEADER = 'x-fake-page-height';
