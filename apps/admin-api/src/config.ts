import { BaseConfig } from '@clawfleet/platform';
import { CredentialKeys } from '@clawfleet/provisioning';
import { z } from 'zod';

export const AdminConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
  /**
   * A platform admin key for the first start (at least 32 characters), compared and never stored.
   * Use it to create the first tenants and their keys, then remove it from the environment.
   */
  ADMIN_BOOTSTRAP_KEY: z
    .string()
    .min(32, 'ADMIN_BOOTSTRAP_KEY must be at least 32 characters')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** How long a verified key is trusted before it is read again: revocation takes effect within this. */
  AUTH_KEY_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  /**
   * The key ring that seals channel credentials (AES-256-GCM): `id:<base64 of 32 bytes>,…`, the first
   * encrypts, every one decrypts. Empty: channels cannot be given credentials.
   */
  CREDENTIALS_KEYS: z
    .string()
    .default('')
    .superRefine((text, ctx) => {
      try {
        CredentialKeys.parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `CREDENTIALS_KEYS: ${(error as Error).message}` });
      }
    }),
  /** Rate limits: requests per window, per key and (without a valid key) per client address; 0 is no limit. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).default(1_200),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(120),
});
export type AdminConfig = z.infer<typeof AdminConfig>;

export const ADMIN_CONFIG = Symbol('ADMIN_CONFIG');
