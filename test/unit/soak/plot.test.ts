import { inflateSync } from 'node:zlib';
import type { Sample } from '../../../bench/soak/analysis.ts';
import { renderPng, soakSvg } from '../../../bench/soak/plot.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The PNG's chunks, each with its CRC checked by zlib's crc32. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('ascii');
    out.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

function samples(): Sample[] {
  const h = (n: number) => ({ buckets: [0.01, 0.1, Infinity].map((le) => [le, le >= 0.1 ? n : n / 2] as [number, number]), count: n });
  return Array.from({ length: 60 }, (_, i) => ({
    t: i * 5,
    phase: i < 10 ? 'warmup' : i < 50 ? 'churn' : 'drain',
    rssMB: 150 + (i % 7),
    heapUsedMB: 40 + (i % 5),
    queueDepth: { sovereignnode: i % 3, federatedworkload: i < 50 ? i % 4 : 0 },
    reconcile: { federatedworkload: h(i * 10) },
  }));
}

describe('soak plot', () => {
  it('draws the three panels with their legends and the phase marks', () => {
    const svg = soakSvg(samples(), 'soak <test>');
    expect(svg).toContain('Operator memory');
    expect(svg).toContain('Reconcile latency p99');
    expect(svg).toContain('Work queue depth per controller');
    expect(svg).toContain('>federatedworkload<');
    expect(svg).toContain('>churn<');
    expect(svg).toContain('soak &lt;test&gt;');
    expect(svg.match(/<polyline/g)!.length).toBe(5);
  });

  it('renders a valid PNG of the SVG size with pixels that are not all white', () => {
    const png = renderPng(soakSvg(samples(), 'soak'));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const parts = chunks(png);
    expect(parts[0].type).toBe('IHDR');
    expect(parts[parts.length - 1].type).toBe('IEND');
    expect(parts[0].data.readUInt32BE(0)).toBe(1200);
    expect(parts[0].data.readUInt32BE(4)).toBe(50 + 3 * 260);
    const pixels = inflateSync(Buffer.concat(parts.filter((p) => p.type === 'IDAT').map((p) => p.data)));
    // Filter bytes aside, a blank canvas would be all 0xff.
    const dark = pixels.filter((b) => b < 128).length;
    expect(dark).toBeGreaterThan(1000);
  });
});
