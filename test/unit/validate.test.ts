import { describe, expect, it } from 'vitest';
import type { BlockedResource } from '../../src/drivers/browser-types.js';
import { InvalidOptionError, InvalidTaskError, PayloadTooLargeError } from '../../src/errors.js';
import { ExecuteJS, ImportCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { defaultTaskLimits, taskLimits, validateTask, withSubmitterDefaults } from '../../src/runtime/tasks/validate.js';

const check = (task: unknown, limits = defaultTaskLimits) => validateTask(task, limits);

describe('validateTask', () => {
  it.each([
    [null, /must be an object with a "type" field, got null/],
    ['Navigate', /must be an object with a "type" field, got string/],
    [{ type: 'Frobnicate' }, /Unknown task type "Frobnicate"; expected one of Navigate, GetCookies, ExecuteJS/],
    [{}, /Unknown task type undefined/],
    [{ type: 'Navigate' }, /Navigate.url must be a string, got undefined/],
    [{ type: 'Navigate', url: '' }, /Navigate.url is empty/],
    [{ type: 'Navigate', url: 'foo/bar' }, /Navigate.url "foo\/bar" is not an absolute URL/],
    [{ type: 'Navigate', url: 'http://' }, /Navigate.url "http:\/\/" is not an absolute URL/],
    [{ type: 'Navigate', url: 'javascript:alert(1)' }, /"javascript:" scheme, which is not allowed/],
    [{ type: 'Navigate', url: 'file:///etc/passwd' }, /"file:" scheme, which is not allowed/],
    [{ type: 'Navigate', url: 'chrome://settings' }, /"chrome:" scheme, which is not allowed/],
    [
      { type: 'Navigate', url: 'https://x.test/', waitUntil: 'idle' },
      /waitUntil must be one of commit, domcontentloaded, load, networkidle, got "idle"/,
    ],
    [{ type: 'Navigate', url: 'https://x.test/', URL: 'typo' }, /Navigate has an unknown field "URL"; its fields are url, waitUntil/],
    [{ type: 'ExecuteJS' }, /ExecuteJS.script must be a string \(a function body\), got undefined/],
    [{ type: 'ExecuteJS', script: 'return 1', args: 'x' }, /ExecuteJS.args must be an array, got string/],
    [{ type: 'ExecuteJS', script: 'return 1', args: [Number.NaN] }, /ExecuteJS.args\[0\] is NaN; arguments must be plain JSON data/],
    [{ type: 'ExecuteJS', script: 'return 1', args: [{ when: new Date(0) }] }, /ExecuteJS.args\[0\].when is a Date, not a plain object/],
    [{ type: 'ExecuteJS', script: 'return 1', idempotent: 'yes' }, /ExecuteJS.idempotent must be a boolean, got string/],
    [{ type: 'GetCookies', names: 'sid' }, /GetCookies.names must be an array of cookie names, got string/],
    [{ type: 'GetCookies', names: [''] }, /GetCookies.names\[0\] must be a non-empty string/],
    [{ type: 'Screenshot', fullPage: 1 }, /Screenshot.fullPage must be a boolean, got number/],
    [{ type: 'ExportCookies', format: 'xml' }, /ExportCookies.format must be one of json, netscape, storage-state, got "xml"/],
    [{ type: 'ImportCookies' }, /ImportCookies.cookies must be an array, got undefined/],
    [{ type: 'ImportCookies', cookies: [{ name: 'a', value: 'b' }] }, /cookies\[0\] \(cookie a\) needs a url or a non-empty domain/],
    [{ type: 'ImportCookies', cookies: [{ name: 'a b', value: 'x', domain: 'h' }] }, /cookies\[0\].name must be a non-empty cookie token/],
    [
      { type: 'ImportCookies', cookies: [{ name: 'a', value: 'x;y', domain: 'h' }] },
      /cookies\[0\].value \(cookie a\) contains a control character or ';'/,
    ],
    [{ type: 'ImportCookies', cookies: [{ name: 'a', value: 'x', domain: 'h', sameSite: 'None' }] }, /sameSite None without secure: true/],
    [
      { type: 'ImportCookies', cookies: [{ name: 'a', value: 'x', domain: 'h', expires: 0 }] },
      /expires \(cookie a\) must be -1 \(session cookie\) or seconds since the epoch/,
    ],
    [{ type: 'ImportCookies', cookies: [{ name: 'a', value: 'x', url: 'https://h/', domain: 'h' }] }, /has both url and domain/],
    [{ type: 'CurrentUrl', extra: 1 }, /CurrentUrl has an unknown field "extra"; its fields are \(none\)/],
  ])('rejects %j with a clear ERR_INVALID_TASK', (task, message) => {
    let error: unknown;
    try {
      check(task);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTaskError);
    expect((error as InvalidTaskError).code).toBe('ERR_INVALID_TASK');
    expect((error as Error).message).toMatch(message);
  });

  it('never echoes a cookie value in its messages', () => {
    const secret = 'TOPSECRET;value';
    expect(() => check(ImportCookies([{ name: 'sid', value: secret, domain: 'h' }]))).toThrow(InvalidTaskError);
    try {
      check(ImportCookies([{ name: 'sid', value: secret, domain: 'h' }]));
    } catch (e) {
      expect((e as Error).message).not.toContain('TOPSECRET');
    }
  });

  it('redacts secrets in URLs it reports', () => {
    try {
      check({ type: 'Navigate', url: 'ftp://user:hunter2@h/?token=abc' });
    } catch (e) {
      expect((e as Error).message).toMatch(/"ftp:" scheme/);
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('enforces size limits with ERR_PAYLOAD_TOO_LARGE', () => {
    const limits = { ...defaultTaskLimits, maxScriptBytes: 10, maxArgsBytes: 10, maxCookies: 1 };
    expect(() => check(ExecuteJS('return "0123456789"'), limits)).toThrow(PayloadTooLargeError);
    expect(() => check(ExecuteJS('return 1', ['0123456789']), limits)).toThrow(
      /ExecuteJS.args is 14 bytes as JSON, over the 10-byte limit/,
    );
    expect(() => check(ExecuteJS('return "é"'), { ...limits, maxScriptBytes: 10 })).toThrow(/11 bytes, over the 10-byte limit/);
    expect(() =>
      check(
        ImportCookies([
          { name: 'a', value: '', domain: 'h' },
          { name: 'b', value: '', domain: 'h' },
        ]),
        limits,
      ),
    ).toThrow(/ImportCookies has 2 cookies, over the limit of 1/);
  });

  it('accepts allowed schemes when configured, and normalises the URL', () => {
    expect(check(Navigate('HTTP://Example.COM'))).toEqual({ type: 'Navigate', url: 'http://example.com/', waitUntil: 'load', block: [] });
    expect(check(Navigate('about:blank'))).toMatchObject({ url: 'about:blank' });
    expect(check(Navigate('file:///tmp/x.html'), { ...defaultTaskLimits, allowedSchemes: ['file:'] })).toMatchObject({
      url: 'file:///tmp/x.html',
    });
  });

  it("takes Navigate's block from the task, else from limits.block, and refuses kinds it does not know", () => {
    const blocking = taskLimits({ block: ['image', 'font', 'image'] });
    expect(blocking.block).toEqual(['image', 'font']);
    expect(check(Navigate('http://a.test/'), blocking)).toMatchObject({ block: ['image', 'font'] });
    expect(check(Navigate('http://a.test/', { block: ['media'] }), blocking)).toMatchObject({ block: ['media'] });
    expect(check(Navigate('http://a.test/', { block: [] }), blocking)).toMatchObject({ block: [] });
    expect(() => check({ type: 'Navigate', url: 'http://a.test/', block: 'image' })).toThrow(
      new InvalidTaskError('Navigate.block must be a list of image, font, media, got "image"'),
    );
    expect(() => check({ type: 'Navigate', url: 'http://a.test/', block: ['image', 'script'] })).toThrow(
      new InvalidTaskError('Navigate.block[1] must be one of image, font, media, got "script"'),
    );
    expect(() => taskLimits({ block: ['images' as BlockedResource] })).toThrow(InvalidOptionError);
    expect(() => taskLimits({ block: ['images' as BlockedResource] })).toThrow(
      /limits\.block\[0\] must be one of 'image', 'font', 'media'/,
    );
    expect(() => taskLimits({ maxCookies: 0 })).toThrow(/limits\.maxCookies must be/);
  });

  it("writes the submitting side's default block into a Navigate sent to another process, and nothing else", () => {
    const blocking = taskLimits({ block: ['image'] });
    const plain = Navigate('http://a.test/');
    expect(withSubmitterDefaults(plain, check(plain, blocking))).toEqual({ type: 'Navigate', url: 'http://a.test/', block: ['image'] });
    const own = Navigate('http://a.test/', { block: [] });
    expect(withSubmitterDefaults(own, check(own, blocking))).toBe(own);
    expect(withSubmitterDefaults(plain, check(plain))).toBe(plain);
    const js = ExecuteJS('return 1');
    expect(withSubmitterDefaults(js, check(js, blocking))).toBe(js);
  });

  it('copies inputs, so later changes by the caller cannot reach a queued task', () => {
    const args = [{ n: 1 }];
    const names = ['a'];
    const js = check(ExecuteJS('return arguments[0].n', args));
    const cookies = check({ type: 'GetCookies', names });
    args[0]!.n = 2;
    names.push('b');
    expect(js).toMatchObject({ argsJson: '[{"n":1}]' });
    expect(cookies).toEqual({ type: 'GetCookies', names: ['a'] });
  });

  it('fills defaults', () => {
    expect(check({ type: 'ExecuteJS', script: '' })).toEqual({ type: 'ExecuteJS', script: '', argsJson: '[]', idempotent: false });
    expect(check({ type: 'ExportCookies' })).toEqual({ type: 'ExportCookies', format: 'json' });
    expect(check({ type: 'Screenshot' })).toEqual({ type: 'Screenshot', fullPage: false });
    expect(check(ImportCookies([{ name: 'a', value: 'b', domain: 'h' }]))).toEqual({
      type: 'ImportCookies',
      cookies: [{ name: 'a', value: 'b', domain: 'h', path: '/' }],
    });
  });
});
