import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BaseConfig, ConfigError, parseConfig, redactConfig } from './config';

// An app's schema, as the apps write theirs: the base extended, PORT overridden.
const AppConfig = BaseConfig.extend({ PORT: z.coerce.number().default(8080), SOME_API_KEY: z.string().optional() });
const dir = mkdtempSync(join(tmpdir(), 'config-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problemsOf = (env: Record<string, string>): string => {
  try {
    parseConfig(AppConfig, env);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
};

describe('NATS credentials in the configuration', () => {
  it('needs none, and takes a user with a password, a token or a .creds file', () => {
    const none = parseConfig(AppConfig, {});
    expect([none.NATS_USER, none.NATS_PASSWORD, none.NATS_TOKEN, none.NATS_CREDS, none.BUS_PROVISION_STREAMS]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    ]);
    expect(parseConfig(AppConfig, { NATS_USER: 'router', NATS_PASSWORD: 'pw-1' })).toMatchObject({
      NATS_USER: 'router',
      NATS_PASSWORD: 'pw-1',
    });
    const token = parseConfig(AppConfig, { NATS_TOKEN: 't-1', NATS_USER: '', NATS_PASSWORD: '' });
    expect([token.NATS_TOKEN, token.NATS_USER, token.NATS_PASSWORD]).toEqual(['t-1', undefined, undefined]);
    const creds = join(dir, 'router.creds');
    writeFileSync(
      creds,
      '-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAM\n------END USER NKEY SEED------\n',
    );
    expect(parseConfig(AppConfig, { NATS_CREDS: creds })).toMatchObject({ NATS_CREDS: creds });
    expect(parseConfig(AppConfig, { BUS_PROVISION_STREAMS: 'false' }).BUS_PROVISION_STREAMS).toBe(false);
  });

  it('refuses half a user, two kinds at once and a .creds file that is missing or not one, without showing a secret', () => {
    expect(problemsOf({ NATS_USER: 'router' })).toContain('NATS_PASSWORD: required with NATS_USER');
    expect(problemsOf({ NATS_PASSWORD: 'hunter2-secret' })).toContain('NATS_USER: required with NATS_PASSWORD');
    const both = problemsOf({ NATS_USER: 'router', NATS_PASSWORD: 'hunter2-secret', NATS_TOKEN: 'tok-secret' });
    expect(both).toContain(
      'set one of NATS_CREDS, NATS_USER/NATS_PASSWORD, NATS_TOKEN (got NATS_USER/NATS_PASSWORD and NATS_TOKEN)',
    );
    expect(problemsOf({ NATS_CREDS: join(dir, 'absent.creds') })).toContain(
      `NATS_CREDS: cannot read ${join(dir, 'absent.creds')} (ENOENT)`,
    );
    const bogus = join(dir, 'bogus.creds');
    writeFileSync(bogus, 'not a creds file');
    expect(problemsOf({ NATS_CREDS: bogus })).toContain('is not a .creds file');
    // Listed with the other problems of the same start.
    const many = problemsOf({ NATS_USER: 'router', PORT: 'x' });
    expect(many).toContain('PORT:');
    expect(many).toContain('NATS_PASSWORD: required with NATS_USER');
    for (const message of [both, problemsOf({ NATS_PASSWORD: 'hunter2-secret' })]) {
      expect(message).not.toContain('hunter2-secret');
      expect(message).not.toContain('tok-secret');
    }
  });
});

describe('redactConfig', () => {
  it('shows every setting but the secrets, and no password of a URL', () => {
    const config = parseConfig(AppConfig, {
      NATS_USER: 'router',
      NATS_PASSWORD: 'nats-secret',
      NATS_URL: 'nats://a:url-secret@10.0.0.1:4222,nats://b:url-secret2@10.0.0.2:4222',
      DATABASE_URL: 'postgres://app:pg-secret@db:5432/clawfleet',
      SOME_API_KEY: 'sk-secret',
    });
    const shown = redactConfig(config);
    expect(shown).toMatchObject({
      NATS_USER: 'router',
      NATS_PASSWORD: '[redacted]',
      SOME_API_KEY: '[redacted]',
      NATS_URL: 'nats://a:[redacted]@10.0.0.1:4222,nats://b:[redacted]@10.0.0.2:4222',
      DATABASE_URL: 'postgres://app:[redacted]@db:5432/clawfleet',
      PORT: 8080,
    });
    expect(JSON.stringify(shown)).not.toMatch(/secret/);
  });
});
