import { createServer } from 'node:net';
import { freePort } from './support';

describe('a free port for an app', () => {
  it('is outside the ephemeral range outgoing connections take their local ports from, and bindable', async () => {
    const [low] = (await import('node:fs'))
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeLessThan(low!);
      expect(port).toBeGreaterThanOrEqual(1024);
      const server = createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
