// Numbers for `npm run bench`: percentiles, summaries and a plain-text table.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** { n, mean, p50, p90, p99, max } in ms, one decimal. */
export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    mean: r1(mean),
    p50: r1(percentile(s, 50)),
    p90: r1(percentile(s, 90)),
    p99: r1(percentile(s, 99)),
    max: r1(s.at(-1)),
  };
}

/** Wall-clock ms with sub-ms precision, comparable with Date.now() taken in this process. */
export const wallNow = () => performance.timeOrigin + performance.now();

export const fmtMs = (x) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
export const fmtNum = (x, digits = 0) => (x == null ? '—' : Number(x).toFixed(digits));
export const fmtKiB = (kib) => (kib == null ? '—' : `${(kib / 1024).toFixed(1)} MiB`);

/** A plain-text table: `head` names, `rows` arrays of strings; numbers right-aligned. */
export function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in GitHub Markdown. */
export function markdownTable(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
