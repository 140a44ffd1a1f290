import type { ChaosReport } from './checker';
import type { ChaosRecords } from './types';

/**
 * A readable timeline of every lost, duplicated or late message — sent, acknowledged, recorded in
 * its session, turn finished, delivered, stored in the mailbox, seen on SSE — in seconds from the
 * run's start, after the list of faults. For a failing spec's message and `scripts/chaos/explain.mjs`.
 */
export function explainRun(
  run: { readonly records: ChaosRecords; readonly report: ChaosReport; readonly unexpectedExits?: readonly unknown[] },
  options: { readonly lateMs?: number; readonly maxMessages?: number } = {},
): string {
  const { records, report } = run;
  const lateMs = options.lateMs ?? 10_000;
  const t0 = records.startedAt;
  const rel = (t: number | undefined) => (t === undefined ? '-' : `${((t - t0) / 1_000).toFixed(2)}s`);
  const group = <T>(items: readonly T[], key: (t: T) => string | undefined) => {
    const m = new Map<string, T[]>();
    for (const item of items) {
      const k = key(item);
      if (k !== undefined) m.set(k, [...(m.get(k) ?? []), item]);
    }
    return m;
  };
  const replies = group(records.replies, (r) => r.replyTo);
  const events = records.store?.events ?? [];
  const added = new Map(events.filter((e) => e.type === 'UserMessageAdded').map((e) => [e.messageId, e]));
  const finished = group(
    events.filter((e) => e.type === 'TurnCompleted' || e.type === 'TurnFailed'),
    (e) => e.turnId,
  );
  const deliveries = new Map((records.store?.deliveries ?? []).map((d) => [d.outboundId, d]));
  const mailbox = group(records.mailbox ?? [], (m) => m.outboundId);

  const out = [report.line];
  // Older reports (before the checker listed its failures) have none of these.
  if (report.failures?.length) out.push('', `fails the run: ${report.failures.join('; ')}`);
  for (const c of report.strandedChats ?? [])
    out.push(
      `  stranded: ${c.chatId}${c.partition === undefined ? '' : ` (partition ${c.partition})`} from ${c.firstUnanswered}` +
        `${c.poison ? ` (poison: ${c.poison})` : ''}, ${c.unansweredAfter} later messages unanswered`,
    );
  out.push('', 'faults:');
  const describe = (f: ChaosRecords['faults'][number]): string =>
    `${f.kind} ${f.target ?? ''} ${rel(f.at)} healed ${rel(f.healedAt)}` +
    `${f.skipped ? ` SKIPPED: ${f.skipped}` : ''}${f.error ? ` ERROR: ${f.error}` : ''}${f.note ? ` (${f.note}${f.victim ? `: "${f.victim}"` : ''})` : ''}`;
  for (const f of records.faults) {
    out.push(`  #${f.id} ${describe(f)}`);
    for (const part of f.parts ?? []) out.push(`      + ${describe(part)}`);
  }
  out.push('', `messages lost, duplicated or answered after ${lateMs} ms:`);
  let shown = 0;
  for (const s of records.sends) {
    const rs = replies.get(s.messageId) ?? [];
    const late = rs.length >= 1 && rs[0]!.receivedAt - s.sentAt > lateMs;
    const bad = (s.status === 'accepted' && rs.filter((r) => r.live !== false).length === 0) || rs.length > 1 || late;
    if (!bad) continue;
    if (shown++ >= (options.maxMessages ?? 200)) {
      out.push('  …');
      break;
    }
    const a = added.get(s.messageId);
    const fin = a?.turnId ? (finished.get(a.turnId) ?? []) : [];
    const outs = [...new Set(fin.map((e) => e.outboundId))];
    out.push(
      `  ${s.messageId}${s.tool ? ' [tool]' : ''} ${s.status}: sent ${rel(s.sentAt)} acked ${rel(s.ackedAt)} (${s.attempts} attempts)` +
        ` | recorded ${rel(a?.at)} | finished ${fin.map((e) => `${e.type}@${rel(e.at)}`).join(',') || '-'}` +
        ` | delivered ${outs.map((o) => rel(o ? deliveries.get(o)?.at : undefined)).join(',') || '-'}` +
        ` | mailbox ${outs.flatMap((o) => (o ? (mailbox.get(o) ?? []) : []).map((m) => `#${m.seq}@${rel(m.at)}`)).join(',') || '-'}` +
        ` | SSE ${rs.map((x) => `seq ${x.seq} ${x.outboundId.slice(-6)}@${rel(x.receivedAt)}${x.live === false ? ' (new subscription)' : ''}`).join(', ') || 'none'}`,
    );
  }
  if (shown === 0) out.push('  none');
  if (report.order.violations.length) {
    out.push('', 'order violations:');
    for (const v of report.order.violations)
      out.push(`  ${v.chatId} ${v.kind}: ${JSON.stringify(v.previous)} then ${JSON.stringify(v.reply)}`);
  }
  if (run.unexpectedExits?.length) out.push('', `apps that died on their own: ${JSON.stringify(run.unexpectedExits)}`);
  return out.join('\n');
}
