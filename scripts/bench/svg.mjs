// A hand-drawn SVG: p50 and p99 turn latency against offered load (concurrent chats), both axes log scale.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** levels: [{ concurrency, turnsPerSecond, latency: { p50, p99 } }] */
export function latencySvg(levels, { title, subtitle }) {
  const W = 720;
  const H = 440;
  const m = { left: 80, right: 150, top: 64, bottom: 78 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const points = levels.filter((l) => l.latency?.p50 > 0 && l.latency?.p99 > 0);
  if (points.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80"><text x="10" y="40">no data</text></svg>\n`;

  const xs = points.map((l) => Math.log10(l.concurrency));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const xpad = (x1 - x0 || 1) * 0.08;
  const X = (c) => m.left + ((Math.log10(c) - (x0 - xpad)) / (x1 - x0 + 2 * xpad)) * pw;

  const ys = points.flatMap((l) => [l.latency.p50, l.latency.p99]);
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)) + 1e-9);
  const Y = (ms) => m.top + ph - ((Math.log10(ms) - y0) / (y1 - y0 || 1)) * ph;

  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${m.left}" y="26" font-size="16" font-weight="600">${esc(title)}</text>`);
  out.push(`<text x="${m.left}" y="45" fill="#555">${esc(subtitle)}</text>`);

  // Y grid: decades, with 2× and 5× minor lines.
  for (let d = y0; d <= y1; d++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** d;
      if (Math.log10(v) > y1 + 1e-9) continue;
      const y = Y(v).toFixed(1);
      out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`);
      const label = v >= 1000 ? `${v / 1000} s` : `${v} ms`;
      out.push(`<text x="${m.left - 8}" y="${y}" dy="4" text-anchor="end" fill="#444">${esc(label)}</text>`);
    }
  }
  // X ticks: one per measured level, with its throughput underneath.
  for (const l of points) {
    const x = X(l.concurrency).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${l.concurrency}</text>`);
    out.push(
      `<text x="${x}" y="${m.top + ph + 34}" text-anchor="middle" fill="#777" font-size="11">${esc(`${l.turnsPerSecond} turns/s`)}</text>`,
    );
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(
    `<text x="${m.left + pw / 2}" y="${H - 18}" text-anchor="middle">concurrent chats, closed loop (log scale)</text>`,
  );
  out.push(
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">turn latency (log scale)</text>`,
  );

  const series = [
    { key: 'p50', color: '#1f77b4' },
    { key: 'p99', color: '#d62728' },
  ];
  series.forEach(({ key, color }, i) => {
    const coords = points.map((l) => `${X(l.concurrency).toFixed(1)},${Y(l.latency[key]).toFixed(1)}`);
    out.push(`<polyline points="${coords.join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    for (const l of points) {
      const [x, y] = [X(l.concurrency).toFixed(1), Y(l.latency[key]).toFixed(1)];
      out.push(`<circle cx="${x}" cy="${y}" r="4" fill="${color}"/>`);
      out.push(
        `<text x="${x}" y="${y}" dx="7" dy="${key === 'p99' ? -7 : 15}" fill="${color}" font-size="11">${esc(`${l.latency[key]} ms`)}</text>`,
      );
    }
    const ly = m.top + 10 + i * 22;
    out.push(
      `<line x1="${m.left + pw + 18}" x2="${m.left + pw + 44}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`,
    );
    out.push(`<text x="${m.left + pw + 50}" y="${ly}" dy="4">${key}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
