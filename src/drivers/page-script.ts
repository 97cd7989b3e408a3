import type { EvaluateOutcome, EvaluateRequest } from './driver.js';

/*
 * How ExecuteJS runs in a page, shared by every adapter so they agree exactly.
 *
 * The user's script becomes the body of `async function () { … }` called with the arguments
 * (WebDriver's execute_script convention), inside a wrapper that (1) catches what the script
 * throws and (2) checks in the page that the result is plain data and within the size limit,
 * before anything large crosses the wire. The wrapper answers with one string: a one-letter tag
 * followed by the payload, so a JSON result is never encoded twice.
 *
 *   v<json>        a plain-data result
 *   u              the script returned undefined (nothing)
 *   e<json>        the script threw: {"name","message"}
 *   n<text>        the result is not plain data: which value and why
 *   t<bytes>       the result's JSON is over the limit
 *
 * The wrapper is plain ES2020 source kept as a string (not a function's toString()), so no
 * bundler or transpiler can rewrite what the page receives.
 *
 * Pages replace built-ins (old libraries redefine `JSON.stringify`, some break `Object.keys`).
 * So the wrapper uses built-ins captured before any page script runs: {@link PRIMITIVES_INIT},
 * which every adapter runs at the start of each document, keeps them in a frozen object on a
 * non-writable, non-configurable global that page scripts can neither replace nor shadow.
 */

/** Run at the start of every document, before the page's own scripts. */
export const PRIMITIVES_INIT = String.raw`(() => {
  if (Object.getOwnPropertyDescriptor(globalThis, '__baPrimitives')) return;
  const apply = Reflect.apply;
  const toString = Object.prototype.toString;
  const slice = String.prototype.slice;
  const primitives = Object.freeze({
    stringify: JSON.stringify,
    keys: Object.keys,
    getPrototypeOf: Object.getPrototypeOf,
    isArray: Array.isArray,
    objectPrototype: Object.prototype,
    TextEncoder: globalThis.TextEncoder,
    String: String,
    tagOf: (v) => apply(toString, v, []),
    slice: (s, a, b) => apply(slice, s, [a, b]),
  });
  Object.defineProperty(globalThis, '__baPrimitives', { value: primitives, writable: false, enumerable: false, configurable: false });
})();`;

/** The captured built-ins in the page, or (in a document the init script missed) the current ones. */
const PRIMITIVES = String.raw`(typeof __baPrimitives === 'object' && __baPrimitives !== null ? __baPrimitives : {
    stringify: JSON.stringify, keys: Object.keys, getPrototypeOf: Object.getPrototypeOf, isArray: Array.isArray,
    objectPrototype: Object.prototype, TextEncoder: TextEncoder, String: String,
    tagOf: (v) => Object.prototype.toString.call(v), slice: (s, a, b) => String.prototype.slice.call(s, a, b) })`;
const ENCODE = String.raw`function (value, maxBytes, P) {
  if (value === undefined) return 'u';
  var ancestors = [];
  var depthOf = 0;
  function describe(v, path, depth) {
    if (depth > 1000) return path + ' is nested deeper than 1000 levels';
    switch (typeof v) {
      case 'string': case 'boolean': return null;
      case 'number':
        if (v !== v) return path + ' is NaN';
        if (v === Infinity) return path + ' is Infinity';
        if (v === -Infinity) return path + ' is -Infinity';
        if (v === 0 && 1 / v < 0) return path + ' is -0';
        return null;
      case 'undefined': return path + ' is undefined';
      case 'bigint': return path + ' is a BigInt';
      case 'function': return path + ' is a function';
      case 'symbol': return path + ' is a symbol';
    }
    if (v === null) return null;
    for (var a = 0; a < depthOf; a++) if (ancestors[a] === v) return path + ' is a cycle back to an enclosing object';
    ancestors[depthOf++] = v;
    try {
      if (P.isArray(v)) {
        for (var i = 0; i < v.length; i++) {
          if (!(i in v)) return path + '[' + i + '] is a hole in a sparse array';
          var bad = describe(v[i], path + '[' + i + ']', depth + 1);
          if (bad) return bad;
        }
        return null;
      }
      var proto = P.getPrototypeOf(v);
      if (proto !== P.objectPrototype && proto !== null) {
        var name = '';
        try { if (v.constructor && typeof v.constructor.name === 'string') name = v.constructor.name; } catch (e) {}
        if (!name || name === 'Object') {
          try { name = P.slice(P.tagOf(v), 8, -1); } catch (e) {}
        }
        return path + ' is a ' + (name || 'non-plain object') + ', not a plain object';
      }
      var keys = P.keys(v);
      for (var k = 0; k < keys.length; k++) {
        var bad2 = describe(v[keys[k]], path + '.' + keys[k], depth + 1);
        if (bad2) return bad2;
      }
      return null;
    } finally {
      depthOf--;
    }
  }
  var problem = describe(value, 'result', 0);
  if (problem) return 'n' + problem;
  var json = P.stringify(value);
  var bytes = json.length;
  if (bytes * 3 > maxBytes) bytes = new P.TextEncoder().encode(json).length;
  if (bytes > maxBytes) return 't' + bytes;
  return 'v' + json;
}`;

/** The expression a driver evaluates in the page; it resolves to the tagged outcome string. */
export function buildEvaluateExpression(request: EvaluateRequest): string {
  // The newline after the script keeps a trailing line comment from swallowing the closing brace.
  return `(async (__baArgs) => {
  const __baEncode = ${ENCODE};
  const __baP = ${PRIMITIVES};
  let __baValue;
  try {
    __baValue = await (async function () {
${request.script}
    }).apply(undefined, __baArgs);
  } catch (error) {
    let name = 'Error';
    let message;
    try {
      if (error !== null && typeof error === 'object') {
        if (typeof error.name === 'string') name = error.name;
        message = 'message' in error ? __baP.String(error.message) : __baP.String(error);
      } else {
        name = 'Thrown ' + typeof error;
        message = __baP.String(error);
      }
    } catch (_) {
      message = 'a value that cannot be turned into text was thrown';
    }
    return 'e' + __baP.stringify({ name: name, message: __baP.slice(message, 0, 4000) });
  }
  return __baEncode(__baValue, ${request.maxResultBytes}, __baP);
})(${request.argsJson})`;
}

/** Decode the wrapper's tagged answer. */
export function parseEvaluateOutcome(text: unknown): EvaluateOutcome {
  if (typeof text !== 'string' || text.length === 0) {
    return { kind: 'script-error', name: 'Error', message: 'The page returned no result (the script wrapper was interfered with)' };
  }
  const body = text.slice(1);
  switch (text[0]) {
    case 'v':
      return { kind: 'value', json: body };
    case 'u':
      return { kind: 'undefined' };
    case 'e': {
      const parsed = JSON.parse(body) as { name: string; message: string };
      return { kind: 'script-error', name: parsed.name, message: parsed.message };
    }
    case 'n':
      return { kind: 'not-serializable', description: body };
    case 't':
      return { kind: 'too-large', bytes: Number(body) };
    default:
      return {
        kind: 'script-error',
        name: 'Error',
        message: 'The page returned an unrecognised result (the script wrapper was interfered with)',
      };
  }
}

/** What CDP's `Runtime.evaluate` answers (with `returnByValue`). */
export interface RuntimeEvaluateReply {
  readonly result: { readonly value?: unknown };
  readonly exceptionDetails?: { readonly text?: string; readonly exception?: { readonly description?: string } };
}

/**
 * The outcome of evaluating {@link buildEvaluateExpression}'s expression with CDP's
 * `Runtime.evaluate`. An exception reaches CDP only from a script that does not parse: the
 * wrapper catches everything a script throws when it runs.
 */
export function outcomeOfRuntimeEvaluate(reply: RuntimeEvaluateReply): EvaluateOutcome {
  if (reply.exceptionDetails) {
    const description = reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text ?? 'Error';
    const [first = 'Error'] = description.split('\n');
    const colon = first.indexOf(': ');
    return colon > 0
      ? { kind: 'script-error', name: first.slice(0, colon), message: first.slice(colon + 2) }
      : { kind: 'script-error', name: 'Error', message: first };
  }
  return parseEvaluateOutcome(reply.result.value);
}

/**
 * Whether a failed `Runtime.evaluate` says the document it ran in went away (the page navigated,
 * or the tab closed, while the script ran): both drivers answer that as the script's own failure.
 */
export function contextGone(message: string): boolean {
  return /context was destroyed|navigated or closed|Cannot find context/i.test(message);
}
