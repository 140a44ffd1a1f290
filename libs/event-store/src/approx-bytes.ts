/**
 * A rough size of a plain JSON-like value in memory, in bytes: V8's string, number, array and object
 * headers plus their content. Within a factor of about two of the heap it takes, which is enough to
 * bound a cache by memory. It walks the value once: use it on events (small) and on a state only
 * where the state was just parsed or serialized anyway (a snapshot), never per access.
 */
export function approxBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return STRING_HEADER + value.length * (isOneByte(value) ? 1 : 2);
    case 'number':
    case 'bigint':
      return SLOT;
    case 'boolean':
    case 'undefined':
      return SLOT;
    case 'object': {
      if (value === null) return SLOT;
      if (Array.isArray(value)) {
        let bytes = ARRAY_HEADER;
        for (const item of value) bytes += SLOT + referenced(item);
        return bytes;
      }
      if (value instanceof Date) return OBJECT_HEADER + SLOT;
      let bytes = OBJECT_HEADER;
      // Keys live in shared hidden classes: a slot per property, plus what it refers to.
      for (const item of Object.values(value)) bytes += SLOT + referenced(item);
      return bytes;
    }
    default:
      return SLOT;
  }
}

const SLOT = 8;
const STRING_HEADER = 16;
const ARRAY_HEADER = 32;
const OBJECT_HEADER = 24;

/** What a slot points to, beyond the slot itself (small numbers, booleans and null are inline). */
function referenced(value: unknown): number {
  return typeof value === 'object' || typeof value === 'string' ? approxBytes(value) : 0;
}

const TWO_BYTE = /[\u0100-\uffff]/;

/** Latin-1 strings take one byte a character in V8, others two (a native scan, no loop in JS). */
function isOneByte(text: string): boolean {
  return !TWO_BYTE.test(text);
}
