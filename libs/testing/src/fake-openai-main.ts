/**
 * The fake OpenAI API as a process, for `npm run bench` and `npm start --fake-model`:
 *   node libs/testing/dist/fake-openai-main.js [--port N] [--latency-ms M] [--chunk-delay-ms C] [--api-key K]
 * Prints one JSON line `{"url": "...", "port": N}` on stdout once it listens; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAI } from './fake-openai';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'latency-ms': { type: 'string', default: '0' },
      'chunk-delay-ms': { type: 'string', default: '0' },
      'api-key': { type: 'string' },
    },
  });
  const fake = await startFakeOpenAI({
    port: nonNegative('port', values.port),
    latencyMs: nonNegative('latency-ms', values['latency-ms']),
    chunkDelayMs: nonNegative('chunk-delay-ms', values['chunk-delay-ms']),
    apiKey: values['api-key'],
  });
  // A long benchmark would otherwise grow the request log without bound.
  const trim = setInterval(
    () => (fake.requests as unknown[]).splice(0, Math.max(0, fake.requests.length - 1000)),
    5_000,
  );
  trim.unref();
  process.stdout.write(`${JSON.stringify({ url: fake.url, port: fake.port })}\n`);

  const stop = () => {
    clearInterval(trim);
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function nonNegative(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-openai: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
