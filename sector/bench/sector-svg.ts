// A small, dependency-free SVG chart for the sector benchmark: two bar groups, one
// for the end-to-end read rates (with the disk's own rate as a reference line), one
// for ring versus socket round trips.

export interface Bar {
  label: string;
  value: number;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  /** Horizontal reference lines, such as the disk's own random-read rate. */
  lines?: Bar[];
  /** A logarithmic value axis (for values that differ by orders of magnitude). */
  log?: boolean;
}

const W = 460;
const H = 300;
const PAD = { left: 70, right: 20, top: 40, bottom: 70 };
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  return v >= 10_000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : `${Math.round(v)}`;
}

function panel(p: Panel, x0: number): string {
  const values = [...p.bars.map((b) => b.value), ...(p.lines ?? []).map((l) => l.value)].filter((v) => v > 0);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  let y: (v: number) => number;
  let ticks: number[];
  if (p.log) {
    const lo = 10 ** Math.floor(Math.log10(values.length > 0 ? Math.min(...values) : 1));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, lo * 10)));
    y = (v) => PAD.top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
    ticks = [];
    for (let t = lo; t <= hi; t *= 10) ticks.push(t);
  } else {
    const max = Math.max(...values, 1) * 1.12;
    y = (v) => PAD.top + plotH - (v / max) * plotH;
    ticks = [0, 1, 2, 3, 4].map((i) => (max / 4) * i);
  }
  const bw = plotW / p.bars.length;
  const out: string[] = [`<g transform="translate(${x0},0)">`];
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
  for (const v of ticks) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`);
  }
  const unit = p.log ? `${p.unit} (log scale)` : p.unit;
  out.push(`<text x="14" y="${PAD.top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${PAD.top + plotH / 2})" text-anchor="middle">${esc(unit)}</text>`);
  p.bars.forEach((b, i) => {
    const x = PAD.left + i * bw + bw * 0.15;
    out.push(`<rect x="${x}" y="${y(b.value)}" width="${bw * 0.7}" height="${y(0) - y(b.value)}" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${x + bw * 0.35}" y="${y(b.value) - 4}" text-anchor="middle" font-size="10">${fmt(b.value)}</text>`);
    out.push(
      `<text x="${x + bw * 0.35}" y="${H - PAD.bottom + 14}" text-anchor="end" font-size="10" transform="rotate(-30 ${x + bw * 0.35} ${H - PAD.bottom + 14})">${esc(b.label)}</text>`,
    );
  });
  for (const l of p.lines ?? []) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(l.value)}" y2="${y(l.value)}" stroke="#c00" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${W - PAD.right}" y="${y(l.value) - 4}" text-anchor="end" font-size="10" fill="#c00">${esc(l.label)} ${fmt(l.value)}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

export function chart(panels: Panel[]): string {
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif">`,
    `<rect width="${width}" height="${H}" fill="white"/>`,
    ...panels.map((p, i) => panel(p, i * W)),
    '</svg>',
    '',
  ].join('\n');
}
