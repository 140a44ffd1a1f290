import { randomBytes } from 'node:crypto';
import { CredentialKeys } from './credentials';

const key = () => randomBytes(32).toString('base64');
const row = { tenantId: 'acme', id: 'c1' };

describe('CredentialKeys', () => {
  const k1 = key();
  const k2 = key();

  it('seals with AES-256-GCM: the ciphertext holds no plaintext and opens with its key', () => {
    const ring = CredentialKeys.parse(`k1:${k1}`);
    const sealed = ring.seal('xoxb-secret-token', row);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.data.includes(Buffer.from('xoxb-secret-token'))).toBe(false);
    expect(ring.open(sealed, row)).toBe('xoxb-secret-token');
  });

  it('does not open a ciphertext moved to another row or tenant, nor a tampered one', () => {
    const ring = CredentialKeys.parse(`k1:${k1}`);
    const sealed = ring.seal('token', row);
    expect(() => ring.open(sealed, { tenantId: 'globex', id: 'c1' })).toThrow();
    expect(() => ring.open(sealed, { tenantId: 'acme', id: 'c2' })).toThrow();
    const tampered = Buffer.from(sealed.data);
    tampered[tampered.length - 1] ^= 1;
    expect(() => ring.open({ ...sealed, data: tampered }, row)).toThrow();
  });

  it('rotates: a new first key encrypts, the old one still opens, re-encryption moves to the new key', () => {
    const old = CredentialKeys.parse(`k1:${k1}`).seal('token', row);
    const ring = CredentialKeys.parse(`k2:${k2},k1:${k1}`);
    expect(ring.open(old, row)).toBe('token');
    const moved = ring.reencrypt(old, row);
    expect(moved.keyId).toBe('k2');
    expect(CredentialKeys.parse(`k2:${k2}`).open(moved, row)).toBe('token');
  });

  it.each([['k1:short'], ['nokey'], [`k1:${k1},k1:${k2}`]])('rejects the key ring %j', (text) => {
    expect(() => CredentialKeys.parse(text)).toThrow();
  });

  it('without keys, storing credentials is an error', () => {
    expect(() => CredentialKeys.parse('').seal('x', row)).toThrow(/CREDENTIALS_KEYS/);
  });
});
