// The soak's plot: RSS and heap, reconcile p99 and queue depth over time, one
// panel each, as SVG rendered to PNG by resvg (a Rust SVG renderer shipped as
// a prebuilt N-API binary in the npm package: no system libraries, no browser).
import { Resvg } from '@resvg/resvg-js';
import { p99Series, type Sample } from './analysis.ts';

export interface Series {
  label: string;
  color: string;
  points: { t: number; y: number }[];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const WIDTH = 1200;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 80, right: 200, top: 50, bottom: 40 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step for about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / count || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
}

function panelSvg(panel: Panel, top: number, xMax: number, phases: { t: number; label: string }[]): string {
  const width = WIDTH - MARGIN.left - MARGIN.right;
  const height = PANEL_HEIGHT - 60;
  const values = panel.series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const yMax = Math.max(1e-9, ...values) * 1.1;
  const x = (t: number) => MARGIN.left + (t / (xMax || 1)) * width;
  const y = (v: number) => top + height - (v / yMax) * height;
  const parts: string[] = [`<text x="${MARGIN.left}" y="${top - 12}" font-size="16" font-weight="bold">${escape(panel.title)}</text>`];
  const yStep = tickStep(yMax, 5);
  for (let v = 0; v <= yMax; v += yStep) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + width}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y(v) + 4}" font-size="12" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  }
  const xStep = tickStep(xMax / 60, 10);
  for (let m = 0; m <= xMax / 60; m += xStep) {
    parts.push(`<line x1="${x(m * 60)}" x2="${x(m * 60)}" y1="${top}" y2="${top + height}" stroke="#eee"/>`);
    parts.push(`<text x="${x(m * 60)}" y="${top + height + 16}" font-size="12" text-anchor="middle">${Number(m.toPrecision(3))}</text>`);
  }
  for (const phase of phases) {
    parts.push(`<line x1="${x(phase.t)}" x2="${x(phase.t)}" y1="${top}" y2="${top + height}" stroke="#888" stroke-dasharray="4 4"/>`);
    parts.push(`<text x="${x(phase.t) + 4}" y="${top + 12}" font-size="11" fill="#555">${escape(phase.label)}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#333"/>`);
  parts.push(
    `<text x="${MARGIN.left - 60}" y="${top + height / 2}" font-size="12" transform="rotate(-90 ${MARGIN.left - 60} ${top + height / 2})" text-anchor="middle">${escape(panel.unit)}</text>`,
  );
  parts.push(`<text x="${MARGIN.left + width / 2}" y="${top + height + 32}" font-size="12" text-anchor="middle">minutes since the operator started</text>`);
  panel.series.forEach((series, i) => {
    const points = series.points.filter((p) => Number.isFinite(p.y));
    if (points.length)
      parts.push(
        `<polyline fill="none" stroke="${series.color}" stroke-width="1.8" points="${points.map((p) => `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}"/>`,
      );
    const ly = top + 10 + i * 18;
    parts.push(`<line x1="${MARGIN.left + width + 12}" x2="${MARGIN.left + width + 32}" y1="${ly}" y2="${ly}" stroke="${series.color}" stroke-width="3"/>`);
    parts.push(`<text x="${MARGIN.left + width + 38}" y="${ly + 4}" font-size="12">${escape(series.label)}</text>`);
  });
  return parts.join('\n');
}

/** The soak's three panels as an SVG document. */
export function soakSvg(samples: Sample[], title: string): string {
  const xMax = samples.length ? samples[samples.length - 1].t : 1;
  const phases: { t: number; label: string }[] = [];
  for (let i = 1; i < samples.length; i++) if (samples[i].phase !== samples[i - 1].phase) phases.push({ t: samples[i].t, label: samples[i].phase });
  const controllers = [...new Set(samples.flatMap((s) => Object.keys(s.queueDepth)))].sort();
  const panels: Panel[] = [
    {
      title: 'Operator memory',
      unit: 'MB',
      series: [
        { label: 'RSS', color: COLORS[0], points: samples.map((s) => ({ t: s.t, y: s.rssMB })) },
        { label: 'V8 heap used', color: COLORS[1], points: samples.map((s) => ({ t: s.t, y: s.heapUsedMB })) },
      ],
    },
    {
      title: 'Reconcile latency p99 (all controllers, per 30 s)',
      unit: 'ms',
      series: [{ label: 'p99', color: COLORS[2], points: p99Series(samples, 30).map((p) => ({ t: p.t, y: p.p99S === undefined ? NaN : p.p99S * 1000 })) }],
    },
    {
      title: 'Work queue depth per controller',
      unit: 'keys',
      series: controllers.map((c, i) => ({ label: c, color: COLORS[i % COLORS.length], points: samples.map((s) => ({ t: s.t, y: s.queueDepth[c] ?? 0 })) })),
    },
  ];
  const height = MARGIN.top + panels.length * PANEL_HEIGHT;
  const body = panels.map((p, i) => panelSvg(p, MARGIN.top + 20 + i * PANEL_HEIGHT, xMax, phases)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="28" font-size="20" text-anchor="middle" font-weight="bold">${escape(title)}</text>
${body}
</svg>`;
}

/** Renders an SVG document to PNG bytes with the system fonts (text is left out where there are none). */
export function renderPng(svg: string): Buffer {
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng());
}
