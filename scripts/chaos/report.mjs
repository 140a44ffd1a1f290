// Output of `npm run chaos`: the JSON result file and the "Latest figures" section of docs/reliability.md.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const BEGIN = '<!-- chaos:latest:begin (written by `npm run chaos`) -->';
const END = '<!-- chaos:latest:end -->';

const replacer = (_k, v) => (v === Infinity ? 'Infinity' : v);
const reviver = (_k, v) => (v === 'Infinity' ? Infinity : v);

/**
 * `chaos-<ts>.json`: the report, the faults, the options and the apps' last log lines; the full
 * records (every send, reply, store row) go next to it as `chaos-<ts>.records.json.gz`.
 */
export function writeResult(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { records, ...summary } = value;
  const recordsFile = file.replace(/\.json$/, '.records.json.gz');
  fs.writeFileSync(recordsFile, zlib.gzipSync(JSON.stringify(records, replacer)));
  const faults = records.faults;
  fs.writeFileSync(
    file,
    `${JSON.stringify({ ...summary, faults, records: path.basename(recordsFile) }, replacer, 2)}\n`,
  );
  return recordsFile;
}

/** Reads a result written by writeResult (or an older one with the records inline). */
export function readResult(file) {
  const summary = JSON.parse(fs.readFileSync(file, 'utf8'), reviver);
  if (typeof summary.records === 'string') {
    const raw = zlib.gunzipSync(fs.readFileSync(path.join(path.dirname(file), summary.records)));
    summary.records = JSON.parse(raw.toString('utf8'), reviver);
  }
  return summary;
}

const fmt = (ms) => {
  if (ms === null || ms === undefined) return 'n/a';
  if (!Number.isFinite(ms)) return 'unrecovered';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
};

/** Markdown for the latest run. */
export function latestSection({ result, startedAt, file, git }) {
  const code = git?.commit
    ? `, code at \`${git.commit.slice(0, 12)}\`${git.dirty ? ' with uncommitted changes' : ''}`
    : '';
  const { report } = result;
  const o = result.options;
  const lines = [
    BEGIN,
    '',
    `Run of ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${(result.durationMs / 60_000).toFixed(1)} min, ` +
      `seed ${result.seed}, ${o.chats ?? 8} chats (${o.inFlight ?? 3} in flight each), 2 session-runners, \`${o.faults ?? 100}\` faults requested` +
      `${code} (details: \`${file}\`):`,
    '',
    '```',
    report.line,
    '```',
    '',
    '| fault | injected | lost | duplicated (in window) | recovery p50 | recovery p99 | max |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...report.byKind.map(
      (k) =>
        `| \`${k.kind}\` | ${k.injected} | ${k.lost} | ${k.duplicated} (${k.windowDuplicated}) | ${fmt(k.recoveryP50Ms)} | ${fmt(k.recoveryP99Ms)} | ${fmt(k.recoveryMaxMs)} |`,
    ),
    '',
    `- sends never acknowledged (unknown): ${report.unknown.sent}, of which answered ${report.unknown.answered}`,
    `- replies of kind \`error\`: ${report.errorReplies}; late replies (> 10 s): ${report.lateReplies}; reply latency p50 ${fmt(report.replyLatencyMs.p50)}, p99 ${fmt(report.replyLatencyMs.p99)}`,
    `- order: ${report.order.seqGaps} seq gaps, ${report.order.seqRegressions} regressions, ${report.order.answerOrder} answers out of send order`,
    ...(report.store
      ? [
          `- lost by stage: ${Object.entries(report.store.lostByStage)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
          `- event store: ${report.store.toolCallsStartedTwice} tool calls started twice, ${report.store.turnsFinishedTwice} turns finished twice, ${report.store.messagesRecordedTwice} messages recorded twice, ${report.store.outboxPending} outbox rows left`,
        ]
      : []),
    ...report.traps.map(
      (t) => `- \`${t.kind}\`: ${t.struckInWindow} of ${t.injected} struck inside their window (see "Fault kinds")`,
    ),
    ...(report.failures
      ? [
          `- fails the run: ${report.failures.length ? report.failures.join('; ') : 'nothing'}`,
          `- poison inputs: ${report.poison.sent} sent, ${report.poison.rejected} refused with 400/413, ${report.poison.accepted} accepted, ${report.poison.unknown} never acknowledged; stranded chats: ${report.stranded}`,
          `- replies: ${report.wrongTextReplies} with the wrong text, ${report.strayReplies} stray, ${report.misroutedReplies} to another chat, ${report.noticeReplies} notices`,
          `- recovery per chat: ${report.recoveryByChat.pairs} (chat, fault) pairs, ${report.recoveryByChat.unrecovered} unrecovered, p99 ${fmt(report.recoveryByChat.p99Ms)}; per router partition (p50 / p99 / max, unrecovered): ${report.recoveryByPartition
            .map(
              (p) =>
                `p${p.partition} ${fmt(p.p50Ms)} / ${fmt(p.p99Ms)} / ${fmt(p.maxMs)}${p.unrecovered ? ` (${p.unrecovered} unrecovered)` : ''}`,
            )
            .join(', ')}`,
        ]
      : []),
    `- model requests: ${result.modelRequests} made, ${result.modelRequestsExpected} needed without faults`,
    `- apps that died on their own: ${result.unexpectedExits.length}; faults skipped (trap never sprang): ${report.skippedFaults}; SSE reconnects: ${result.sseReconnects}`,
    ...(result.unansweredTraces ?? []).map((t) => `- ${describeTrace(t)}`),
    '',
    END,
  ];
  return lines.join('\n');
}

/** One message unanswered at the end of a run, as JetStream saw it (see traceUnanswered). */
export function describeTrace(t) {
  const consumer = t.routerConsumer;
  return (
    `unanswered ${t.chatId} ${t.messageId}: ` +
    (t.inbound ? `INBOUND #${t.inbound.seq} (${t.inbound.subject})` : 'not in INBOUND') +
    (consumer
      ? `; ${consumer.name} ack floor #${consumer.ackFloorStreamSeq}, delivered #${consumer.deliveredStreamSeq}, ack pending ${consumer.numAckPending}`
      : '') +
    (t.turnRequested ? `; turn requested (TURNS #${t.turnRequested.seq})` : '; no turn requested')
  );
}

export function updateReliabilityDoc(docFile, run) {
  const section = latestSection(run);
  let text = fs.existsSync(docFile) ? fs.readFileSync(docFile, 'utf8') : '# Reliability\n';
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + END.length);
  else text = `${text.trimEnd()}\n\n## Latest figures\n\n${section}\n`;
  fs.writeFileSync(docFile, text);
}
