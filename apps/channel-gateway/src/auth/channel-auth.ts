import { bearerKey, mayChat, type ChannelPrincipal, type KeyVerifier, type Verification } from '@clawfleet/auth';
import { ForbiddenError, TransientError, UnauthorizedError, type DomainError } from '@clawfleet/platform';

/** The caller of a channel request: its verified principal and the key it presented (to check it again later). */
export interface ChannelCaller {
  readonly principal: ChannelPrincipal;
  readonly key: string;
}

export type ChannelCheck =
  | { readonly ok: true; readonly caller: ChannelCaller }
  /** `challenge`: the WWW-Authenticate header of the refusal (RFC 6750), none when the keys cannot be read. */
  | { readonly ok: false; readonly error: DomainError; readonly challenge?: string };

const REALM = 'Bearer realm="clawfleet"';

/**
 * Who may use the HTTP channel: the holder of a `channel:client` key, as the key's user in the key's
 * tenant. No key, or one that is not valid (malformed, unknown, revoked, expired): 401. A valid key
 * of another scope (an admin or read-only key, whatever its tenant): 403. Pure of HTTP, so the bench
 * times exactly what a post pays.
 */
export class ChannelAuth {
  constructor(private readonly verifier: KeyVerifier) {}

  async check(authorization: string | undefined): Promise<ChannelCheck> {
    const key = bearerKey(authorization);
    let verified: Verification;
    try {
      verified = await this.verifier.verify(key);
    } catch {
      // PostgreSQL cannot be read and the key was not read recently enough (AUTH_KEY_STALE_MS).
      return { ok: false, error: new TransientError('The API key cannot be checked right now; try again shortly.') };
    }
    if (!verified.ok) {
      if (verified.refusal === 'missing' && !authorization)
        return {
          ok: false,
          error: new UnauthorizedError('An API key is required: Authorization: Bearer <key> (a channel:client key).'),
          challenge: REALM,
        };
      return {
        ok: false,
        error: new UnauthorizedError('The API key is not valid (malformed, unknown, revoked or expired).'),
        challenge: `${REALM}, error="invalid_token"`,
      };
    }
    if (!mayChat(verified.principal))
      return {
        ok: false,
        error: new ForbiddenError(
          `A ${verified.principal.scope} key cannot chat: the HTTP channel takes channel:client keys, each the key of one user.`,
        ),
        challenge: `${REALM}, error="insufficient_scope", scope="channel:client"`,
      };
    return { ok: true, caller: { principal: verified.principal, key: key! } };
  }

  /** Whether a key checked before still may chat (for a reply stream that stays open). */
  async stillValid(caller: ChannelCaller): Promise<boolean> {
    const verified = await this.verifier.verify(caller.key);
    return verified.ok && mayChat(verified.principal) && verified.principal.keyId === caller.principal.keyId;
  }
}
