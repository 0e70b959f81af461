/**
 * Lot labels: one layout, drawn as PDF (pdfkit, vector QR code, embedded
 * font) and as PNG (the same layout as SVG, rasterised by resvg). The QR code
 * is encoded by `qrcode` (error correction M).
 *
 * Sizes: `62mm` is one 62 × 100 mm roll label (continuous 62 mm tape);
 * `a4` is an A4 sheet of 2 × 4 labels of 105 × 74.25 mm (the common 8-up
 * sheet), each carrying the same lot. A PNG is one label of the size's label
 * dimensions at 300 dpi.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { Resvg } from '@resvg/resvg-js';

/** Label sizes (`?size=`). */
export const LABEL_SIZES = ['62mm', 'a4'] as const;
export type LabelSize = (typeof LABEL_SIZES)[number];

/** What a label shows. */
export interface LabelContent {
  readonly lotId: string;
  readonly product: { readonly code: string; readonly name: string };
  readonly quantity: { readonly amount: number; readonly unit: string };
  readonly producer: string;
  /** The text the QR code encodes (a GS1 Digital Link URI or the explorer's lot URL). */
  readonly qr: string;
}

/**
 * The font the text is set in: a TrueType/OpenType file or collection; for a
 * collection (`.ttc`), `family` names the face (PostScript name). Undefined:
 * the built-in PDF Helvetica and resvg's system fonts (no Japanese in the PDF).
 */
export interface LabelFont {
  readonly file: string;
  readonly family?: string;
}

/** Debian's Noto Sans CJK (package `fonts-noto-cjk`), the default font when installed: Latin, kana and kanji. */
export const DEFAULT_LABEL_FONT: LabelFont = {
  file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  family: 'NotoSansCJKjp-Regular',
};

/** The default font when its file exists, else undefined. */
export function defaultLabelFont(): LabelFont | undefined {
  return existsSync(DEFAULT_LABEL_FONT.file) ? DEFAULT_LABEL_FONT : undefined;
}

const MM = 72 / 25.4;

interface Geometry {
  /** Page size in points. */
  readonly page: readonly [number, number];
  /** Label size in points. */
  readonly label: readonly [number, number];
  readonly columns: number;
  readonly rows: number;
}

const GEOMETRY: Record<LabelSize, Geometry> = {
  '62mm': { page: [62 * MM, 100 * MM], label: [62 * MM, 100 * MM], columns: 1, rows: 1 },
  a4: { page: [210 * MM, 297 * MM], label: [105 * MM, 74.25 * MM], columns: 2, rows: 4 },
};

interface TextLine {
  readonly text: string;
  readonly size: number;
  readonly bold?: boolean;
}

/** The layout of one label at the origin: QR square and text lines, in points. */
interface Layout {
  readonly qr: { readonly x: number; readonly y: number; readonly size: number };
  readonly text: { readonly x: number; readonly y: number; readonly width: number; readonly lines: readonly TextLine[] };
}

function linesOf(content: LabelContent, base: number): TextLine[] {
  return [
    { text: content.product.name, size: base * 1.3, bold: true },
    { text: content.product.code, size: base },
    { text: `${content.quantity.amount} ${content.quantity.unit}`, size: base * 1.2 },
    { text: content.producer, size: base },
    { text: content.lotId, size: base * 0.85 },
  ];
}

/** Portrait labels (62 mm) put the QR code above the text; landscape ones (A4 cells) put it left of the text. */
function layoutOf(content: LabelContent, [w, h]: readonly [number, number]): Layout {
  const margin = 4 * MM;
  if (h > w) {
    const size = w - 2 * margin;
    return {
      qr: { x: margin, y: margin, size },
      text: { x: margin, y: 2 * margin + size, width: w - 2 * margin, lines: linesOf(content, 9) },
    };
  }
  const size = Math.min(h - 2 * margin, w * 0.45);
  return {
    qr: { x: margin, y: margin, size },
    text: { x: 2 * margin + size, y: margin + 2 * MM, width: w - 3 * margin - size, lines: linesOf(content, 9) },
  };
}

/** The QR code's dark modules: `[row][column]` (error correction M); labels and recall notices draw them. */
export function qrModules(text: string): { size: number; dark: (row: number, col: number) => boolean } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = qr.modules;
  return { size, dark: (row, col) => data[row * size + col] === 1 };
}

/** Quiet zone around the QR code, in modules (ISO/IEC 18004: 4). */
export const QUIET = 4;

/** Render the label as PDF. */
export function renderLabelPdf(content: LabelContent, size: LabelSize, font: LabelFont | undefined): Promise<Buffer> {
  const g = GEOMETRY[size];
  const doc = new PDFDocument({
    size: [g.page[0], g.page[1]],
    margin: 0,
    info: { Title: `Lot label ${content.lotId}`, Subject: content.qr, Creator: 'Lotline' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  if (font !== undefined) doc.registerFont('label', font.file, font.family);
  const face = font !== undefined ? 'label' : 'Helvetica';
  const modules = qrModules(content.qr);
  const layout = layoutOf(content, g.label);
  for (let row = 0; row < g.rows; row++) {
    for (let col = 0; col < g.columns; col++) {
      const ox = col * g.label[0];
      const oy = row * g.label[1];
      const unit = layout.qr.size / (modules.size + 2 * QUIET);
      for (let r = 0; r < modules.size; r++)
        for (let c = 0; c < modules.size; c++)
          if (modules.dark(r, c)) doc.rect(ox + layout.qr.x + (c + QUIET) * unit, oy + layout.qr.y + (r + QUIET) * unit, unit, unit);
      doc.fill('black');
      let y = oy + layout.text.y;
      for (const line of layout.text.lines) {
        doc.font(font === undefined && line.bold ? 'Helvetica-Bold' : face).fontSize(line.size);
        doc.text(line.text, ox + layout.text.x, y, { width: layout.text.width, lineBreak: true });
        y = doc.y + 1;
      }
      if (g.columns * g.rows > 1) doc.rect(ox, oy, g.label[0], g.label[1]).lineWidth(0.25).dash(2, { space: 2 }).stroke('#999999').undash();
    }
  }
  doc.end();
  return done;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Approximate advance of a character in ems: full width for CJK and other wide scripts, about half for the rest. */
function advance(c: string): number {
  return (c.codePointAt(0) ?? 0) >= 0x1100 ? 1 : 0.6;
}

/** Break a line into lines that fit `width` points at `size` (SVG text does not wrap), by estimated widths. */
function wrap(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const c of text) {
    const w = advance(c) * size;
    if (used + w > width && line !== '') {
      lines.push(line);
      line = '';
      used = 0;
    }
    line += c;
    used += w;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The label as SVG (one label), in points. */
function labelSvg(content: LabelContent, size: LabelSize, family: string): string {
  const [w, h] = GEOMETRY[size].label;
  const layout = layoutOf(content, [w, h]);
  const modules = qrModules(content.qr);
  const unit = layout.qr.size / (modules.size + 2 * QUIET);
  const rects: string[] = [];
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++)
      if (modules.dark(r, c))
        rects.push(
          `M${(layout.qr.x + (c + QUIET) * unit).toFixed(3)} ${(layout.qr.y + (r + QUIET) * unit).toFixed(3)}h${unit.toFixed(3)}v${unit.toFixed(3)}h-${unit.toFixed(3)}z`,
        );
  let y = layout.text.y;
  const texts = layout.text.lines.flatMap((line) =>
    wrap(line.text, line.size, layout.text.width).map((part) => {
      y += line.size * 1.2;
      return `<text x="${layout.text.x.toFixed(2)}" y="${y.toFixed(2)}" font-size="${line.size}"${line.bold ? ' font-weight="bold"' : ''}>${escapeXml(part)}</text>`;
    }),
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w.toFixed(2)}" height="${h.toFixed(2)}" viewBox="0 0 ${w.toFixed(2)} ${h.toFixed(2)}">` +
    `<rect width="100%" height="100%" fill="white"/><path fill="black" shape-rendering="crispEdges" d="${rects.join('')}"/>` +
    `<g font-family="${escapeXml(family)}" fill="black">${texts.join('')}</g></svg>`
  );
}

/** Render one label as PNG at 300 dpi. */
export function renderLabelPng(content: LabelContent, size: LabelSize, font: LabelFont | undefined): Buffer {
  const [w] = GEOMETRY[size].label;
  const svg = labelSvg(content, size, font?.family ?? 'sans-serif');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round((w / 72) * 300) },
    background: 'white',
    font: {
      loadSystemFonts: font === undefined,
      ...(font !== undefined ? { fontFiles: [font.file], defaultFontFamily: font.family ?? 'sans-serif' } : {}),
    },
  });
  return resvg.render().asPng();
}
