#!/usr/bin/env node
// Explains a chaos result file: the faults, then the timeline of every lost, duplicated or late
// message (sent, acknowledged, recorded, turn finished, delivered, in the mailbox, seen on SSE).
//
//   node scripts/chaos/explain.mjs [bench/results/chaos-<ts>.json] [--late-ms 10000]
// Needs the build (npm run build); `npm run chaos` builds.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/common.mjs';
import { readResult } from './report.mjs';

const args = process.argv.slice(2);
const lateIdx = args.indexOf('--late-ms');
const lateMs = lateIdx >= 0 ? Number(args.splice(lateIdx, 2)[1]) : 10_000;
const dir = path.join(ROOT, 'bench', 'results');
const file =
  args[0] ??
  path.join(
    dir,
    fs
      .readdirSync(dir)
      .filter((f) => /^chaos-[^.]*\.json$/.test(f))
      .sort()
      .at(-1),
  );
const run = readResult(file);
const { explainRun, checkChaos } = await import(path.join(ROOT, 'libs/testing/dist/index.js'));
// A run whose verdict failed was saved with its records only: judge it now.
run.report ??= checkChaos(run.records, { attributionWindowMs: 30_000 });
console.log(`${path.relative(ROOT, file)}\n${explainRun(run, { lateMs })}`);
