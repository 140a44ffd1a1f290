import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Channel credentials (bot tokens, signing secrets) encrypted at rest with AES-256-GCM. The key ring
 * comes from the environment (`CREDENTIALS_KEYS=k2:<base64 32 bytes>,k1:<...>`): the first key
 * encrypts, every key decrypts, and each ciphertext names its key, so keys rotate by adding a new one
 * first and re-encrypting (`reencrypt`) before the old one is removed. The row's tenant and id are
 * the additional data: a ciphertext copied to another row or tenant does not decrypt.
 */
export interface Sealed {
  readonly keyId: string;
  /** iv (12 bytes) ‖ tag (16 bytes) ‖ ciphertext */
  readonly data: Buffer;
}

export class CredentialKeys {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly currentKeyId: string | undefined,
  ) {}

  /** Parses `id:base64,id:base64`; an empty text is a ring without keys (storing credentials then fails). */
  static parse(text: string): CredentialKeys {
    const keys = new Map<string, Buffer>();
    let current: string | undefined;
    for (const part of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const at = part.indexOf(':');
      const id = part.slice(0, at);
      const key = Buffer.from(part.slice(at + 1), 'base64');
      if (at < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('each credentials key is <id>:<base64 key>');
      if (key.length !== 32) throw new Error(`credentials key "${id}" is not 32 bytes of base64`);
      if (keys.has(id)) throw new Error(`credentials key "${id}" is given twice`);
      keys.set(id, key);
      current ??= id;
    }
    return new CredentialKeys(keys, current);
  }

  seal(plaintext: string, context: { tenantId: string; id: string }): Sealed {
    const keyId = this.currentKeyId;
    if (!keyId) throw new Error('no CREDENTIALS_KEYS configured: credentials cannot be stored');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId, data: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  open(sealed: Sealed, context: { tenantId: string; id: string }): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`credentials key "${sealed.keyId}" is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.data.subarray(0, 12));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(sealed.data.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.data.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** The same secret under the current key (rotation), or the same value when it already is. */
  reencrypt(sealed: Sealed, context: { tenantId: string; id: string }): Sealed {
    return sealed.keyId === this.currentKeyId ? sealed : this.seal(this.open(sealed, context), context);
  }
}

const aad = ({ tenantId, id }: { tenantId: string; id: string }) => Buffer.from(`${tenantId}\u001f${id}`, 'utf8');
