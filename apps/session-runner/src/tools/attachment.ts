import { Attachment, MediaType, storableText } from '@clawfleet/contracts';
import mime from 'mime-types';
import { createHash } from 'node:crypto';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Characters that reorder how a name is shown (a `txt.exe` spelled backwards): never in a name a user reads. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A file name for the user from whatever the model or the file system gave: the last path part only,
 * control and reordering characters replaced by `_`, storable, at most 255 characters (the extension
 * kept). Never empty: `file` when nothing is left.
 */
export function sanitizeFileName(input: string): string {
  const last = input.split(/[/\\]/).filter((part) => part !== '').at(-1) ?? '';
  let name = storableText(last).replace(CONTROL, '_').replace(BIDI, '_').trim();
  if (name === '' || name === '.' || name === '..') name = 'file';
  if (name.length > 255) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = storableText(name, 255 - ext.length) + ext;
  }
  return name;
}

/** Whether the bytes look like text: no NUL in the first 8 KiB, and valid UTF-8. */
function looksLikeText(bytes: Buffer): boolean {
  if (bytes.subarray(0, 8192).includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The media type of a file: the one declared (a valid `type/subtype`), else the one its
 * name's extension has, else `text/plain` for bytes that are UTF-8 text, else `application/octet-stream`.
 */
export function mediaTypeOf(name: string, bytes: Buffer, declared?: string): string {
  if (declared !== undefined) return MediaType.parse(declared);
  const byName = mime.lookup(name);
  if (byName) return byName;
  return looksLikeText(bytes) ? 'text/plain' : 'application/octet-stream';
}

/** The attachment of a file's bytes, checked against the contract. */
export function attachmentOf(name: string, bytes: Buffer, mediaType: string): Attachment {
  return Attachment.parse({
    name,
    mediaType,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    content: bytes.toString('base64'),
  });
}

/** `1234 bytes`, `12.1 KiB`. */
export function formatBytes(n: number): string {
  return n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KiB`;
}
