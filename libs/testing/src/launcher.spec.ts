import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_NAMES, launchPlatform, type LaunchOptions, type Platform } from './launcher';

/**
 * Each "app" is a small node script that behaves like a real one where the launcher cares:
 * /readyz, logs, SIGTERM, a crash on request, and a child process of its own.
 */
const STUB_APP = `
const http = require('node:http');
const { spawn } = require('node:child_process');
const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
console.log('booting', process.env.BUS_NAMESPACE, process.env.LOG_LEVEL, process.env.MODEL_NAME, 'grandchild', sleeper.pid);
const readyAt = Date.now() + Number(process.env.STUB_READY_DELAY_MS ?? 0);
http.createServer((req, res) => {
  if (req.url === '/crash') { console.error('crashing on request'); process.exit(3); }
  res.writeHead(req.url === '/readyz' && Date.now() < readyAt ? 503 : 200).end(process.env.PORT);
}).listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => { console.log('draining'); sleeper.kill(); process.exit(0); });
if (process.env.STUB_FAIL === '1') { console.error('config invalid: STUB_FAIL'); process.exit(1); }
`;

function stubRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'launcher-'));
  writeFileSync(join(root, 'nx.json'), '{}');
  for (const app of APP_NAMES) {
    mkdirSync(join(root, 'apps', app, 'dist'), { recursive: true });
    writeFileSync(join(root, 'apps', app, 'dist', 'main.js'), STUB_APP);
  }
  return root;
}

/** Running, not a zombie waiting to be reaped by init. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** The pid of the `sleep` the latest run of the app spawned. */
const grandchildOf = (platform: Platform, app: 'router') =>
  Number(
    [
      ...platform
        .logs(app)
        .join('\n')
        .matchAll(/grandchild (\d+)/g),
    ].at(-1)?.[1],
  );

describe('launchPlatform', () => {
  let root: string;
  let platform: Platform | undefined;
  const base = (): LaunchOptions => ({
    root,
    databaseUrl: 'postgres://unused',
    natsUrl: 'nats://unused',
    namespace: 'tlaunch',
    model: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k', name: 'fake-model' },
  });

  beforeAll(() => (root = stubRepo()));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
  });

  it('starts the chosen apps with their environment, on their own ports, and waits for /readyz', async () => {
    platform = await launchPlatform({
      ...base(),
      apps: ['router', 'session-runner'],
      replicas: { 'session-runner': 2 },
      env: { LOG_LEVEL: 'info', STUB_READY_DELAY_MS: '300' },
    });
    expect(
      platform.isRunning('router') && platform.isRunning('session-runner') && platform.isRunning('session-runner#1'),
    ).toBe(true);
    expect(platform.isRunning('delivery')).toBe(false);
    expect(
      new Set(['router', 'session-runner', 'session-runner#1'].map((a) => platform!.port(a as 'router'))).size,
    ).toBe(3);
    expect(await (await fetch(`${platform.url('session-runner#1')}/x`)).text()).toBe(
      String(platform.port('session-runner#1')),
    );
    expect(platform.logs('router').join('\n')).toContain('booting tlaunch info fake-model');
    await platform.start('delivery');
    expect(platform.isRunning('delivery')).toBe(true);
  });

  it('kills, restarts on the same port, and tells expected exits from crashes', async () => {
    platform = await launchPlatform({ ...base(), apps: ['router'] });
    const port = platform.port('router');
    await platform.kill('router');
    expect(platform.isRunning('router')).toBe(false);
    expect(platform.exits.at(-1)).toMatchObject({ instance: 'router', signal: 'SIGKILL', expected: true });

    await platform.start('router');
    expect(platform.port('router')).toBe(port);
    const orphan = grandchildOf(platform, 'router');
    await fetch(`${platform.url('router')}/crash`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(orphan)).toBe(false);
    expect(platform.unexpectedExits()).toEqual([
      expect.objectContaining({ instance: 'router', code: 3, expected: false }),
    ]);
    expect(platform.logs('router')).toContain('crashing on request');

    await platform.restart('router');
    expect(platform.isRunning('router')).toBe(true);
  });

  it('stops everything with SIGTERM and leaves no process behind', async () => {
    platform = await launchPlatform({ ...base(), apps: ['router', 'delivery'] });
    const pids = [platform.pid('router')!, platform.pid('delivery')!, grandchildOf(platform, 'router')];
    expect(pids.every(alive)).toBe(true);
    await platform.kill('delivery', 'SIGTERM');
    expect(platform.logs('delivery')).toContain('draining');
    await platform.stop();
    expect(pids.filter(alive)).toEqual([]);
  });

  it('kills the whole process group, so a crash leaves no grandchild', async () => {
    platform = await launchPlatform({ ...base(), apps: ['router'] });
    const grandchild = grandchildOf(platform, 'router');
    await platform.kill('router');
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('fails with the last log lines when an app does not come up', async () => {
    const launching = launchPlatform({
      ...base(),
      apps: ['router', 'scheduler'],
      appEnv: { scheduler: { STUB_FAIL: '1' } },
    });
    await expect(launching).rejects.toThrow(/scheduler exited before it was ready[\s\S]*config invalid: STUB_FAIL/);
  });

  it('times out an app that never gets ready', async () => {
    const launching = launchPlatform({
      ...base(),
      apps: ['admin-api'],
      env: { STUB_READY_DELAY_MS: '60000' },
      readyTimeoutMs: 500,
    });
    await expect(launching).rejects.toThrow(/admin-api not ready after 500 ms \(last \/readyz: 503/);
  });
});
