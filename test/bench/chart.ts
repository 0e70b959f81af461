/**
 * The benchmark chart: an SVG of bar panels, rendered to PNG by headless
 * Debian chromium through playwright-core (no native Node modules).
 */
import { existsSync, writeFileSync } from 'node:fs';

/** One bar panel: groups of bars sharing an axis. */
export interface Panel {
  title: string;
  unit: string;
  log?: boolean;
  series: string[];
  groups: { label: string; values: number[] }[];
}

const COLOURS = ['#2f6fb0', '#e07b39', '#4c9a52', '#9b59b6'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panelSvg(panel: Panel, x0: number, y0: number, w: number, h: number): string {
  const values = panel.groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v) && v > 0);
  const maxV = Math.max(1e-9, ...values);
  const minV = panel.log ? Math.max(1e-3, Math.min(...values) / 2) : 0;
  const scale = (v: number) => {
    if (!Number.isFinite(v) || v <= 0) return 0;
    if (!panel.log) return v / maxV;
    return Math.max(0, (Math.log10(v) - Math.log10(minV)) / (Math.log10(maxV * 1.2) - Math.log10(minV)));
  };
  const plotTop = y0 + 40;
  const plotH = h - 90;
  const groupW = w / Math.max(1, panel.groups.length);
  const barW = Math.min(46, (groupW - 20) / Math.max(1, panel.series.length));
  const parts = [
    `<text x="${x0 + 8}" y="${y0 + 22}" font-size="15" font-weight="bold">${esc(panel.title)}${panel.log ? ' (log scale)' : ''}</text>`,
    `<line x1="${x0}" y1="${plotTop + plotH}" x2="${x0 + w}" y2="${plotTop + plotH}" stroke="#999"/>`,
  ];
  panel.groups.forEach((g, gi) => {
    const gx = x0 + gi * groupW + (groupW - barW * panel.series.length) / 2;
    g.values.forEach((v, si) => {
      const bh = scale(v) * plotH;
      const bx = gx + si * barW;
      parts.push(`<rect x="${bx}" y="${plotTop + plotH - bh}" width="${barW - 4}" height="${bh}" fill="${COLOURS[si % COLOURS.length]}"/>`);
      const label = Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–';
      parts.push(`<text x="${bx + (barW - 4) / 2}" y="${plotTop + plotH - bh - 4}" font-size="11" text-anchor="middle">${label}</text>`);
    });
    parts.push(
      `<text x="${x0 + gi * groupW + groupW / 2}" y="${plotTop + plotH + 18}" font-size="12" text-anchor="middle">${esc(g.label)}</text>`,
    );
  });
  panel.series.forEach((s, si) => {
    const lx = x0 + 8 + si * 150;
    parts.push(`<rect x="${lx}" y="${y0 + h - 28}" width="12" height="12" fill="${COLOURS[si % COLOURS.length]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${y0 + h - 18}" font-size="12">${esc(s)} (${esc(panel.unit)})</text>`);
  });
  return parts.join('\n');
}

/** An SVG with the panels side by side. */
export function chartSvg(title: string, panels: Panel[]): string {
  const pw = 420;
  const ph = 340;
  const width = pw * panels.length + 20;
  const height = ph + 50;
  const body = panels.map((p, i) => panelSvg(p, 10 + i * pw, 40, pw - 20, ph)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="14" y="26" font-size="18" font-weight="bold">${esc(title)}</text>
${body}
</svg>`;
}

/** Writes the SVG next to the PNG and renders the PNG with chromium; returns false (with a reason) when no browser is available. */
export async function renderPng(svg: string, pngPath: string): Promise<{ ok: boolean; reason?: string }> {
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (executablePath === undefined) return { ok: false, reason: 'no chromium at /usr/bin/chromium (apt-get install -y chromium)' };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const width = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 1200);
    const height = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 400);
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    writeFileSync(pngPath, await page.screenshot({ clip: { x: 0, y: 0, width, height } }));
    return { ok: true };
  } finally {
    await browser.close();
  }
}
