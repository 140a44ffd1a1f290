import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

const CLAWFLEET_NAMESPACE = '0b9f6f0e-4c8e-4f6e-9a53-2f4f3d6b7c11';

export interface IdGenerator {
  /** A new time-ordered id (UUIDv7). */
  next(): string;
}

export const uuidV7Ids: IdGenerator = { next: () => uuidv7() };

/** A deterministic id from a natural key, so that a repeated input yields the same id. */
export function deriveId(...parts: readonly string[]): string {
  return uuidv5(parts.join('\u001f'), CLAWFLEET_NAMESPACE);
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
