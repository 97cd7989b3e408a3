/**
 * Plain data = what survives JSON and structured clone unchanged: null, booleans, finite numbers
 * other than -0, strings, arrays and plain objects, without cycles. Anything else is reported with
 * its path, so the caller can say exactly which value was wrong.
 */

/** Describe the first non-plain value in `value` (e.g. `args[0].n is NaN`), or `undefined` if all plain. */
export function findNonPlain(value: unknown, path: string): string | undefined {
  return walk(value, path, new Set());
}

function walk(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (Number.isNaN(value)) return `${path} is NaN`;
      if (!Number.isFinite(value)) return `${path} is ${value > 0 ? 'Infinity' : '-Infinity'}`;
      if (Object.is(value, -0)) return `${path} is -0`;
      return undefined;
    case 'undefined':
      return `${path} is undefined`;
    case 'bigint':
      return `${path} is a BigInt`;
    case 'function':
      return `${path} is a function`;
    case 'symbol':
      return `${path} is a symbol`;
    case 'object': {
      if (value === null) return undefined;
      if (ancestors.has(value)) return `${path} is a cycle back to an enclosing object`;
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            if (!(i in value)) return `${path}[${i}] is a hole in a sparse array`;
            const bad = walk(value[i], `${path}[${i}]`, ancestors);
            if (bad) return bad;
          }
          return undefined;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
          return `${path} is a ${typeof name === 'string' && name ? name : 'non-plain object'}, not a plain object`;
        }
        for (const key of Object.keys(value)) {
          const bad = walk((value as Record<string, unknown>)[key], `${path}.${key}`, ancestors);
          if (bad) return bad;
        }
        return undefined;
      } finally {
        ancestors.delete(value);
      }
    }
  }
}

/** UTF-8 byte length without allocating a buffer. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
