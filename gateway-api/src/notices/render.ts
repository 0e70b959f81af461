/**
 * A printable recall notice to one holder organisation: A4, in the holder's
 * language (the `notices` catalogue), with the recall's reason exactly as
 * entered, the affected lots in the holder's custody with their quantities,
 * what to do, a contact, and a QR code to the recall in the explorer. Drawn
 * with pdfkit and the label's QR code and font (labels/render.ts), so it
 * prints and faxes in black and white.
 */
import PDFDocument from 'pdfkit';
import { formatDateTime, translator, type Language } from '@lotline/i18n';
import { QUIET, qrModules, type LabelFont } from '../labels/render';

/** An organisation as a notice names it. */
export interface NoticeParty {
  readonly msp: string;
  readonly name?: string;
  readonly city?: string;
  readonly country?: string;
}

/** One affected lot in the holder's custody. */
export interface NoticeLot {
  readonly lotId: string;
  readonly productCode: string;
  readonly productName: string;
  readonly amount: number;
  readonly remaining: number;
  readonly unit: string;
  readonly status: string;
}

/** What a notice shows. */
export interface NoticeContent {
  readonly recallId: string;
  readonly reason: string;
  readonly startedAt: string;
  readonly sourceLotId: string;
  readonly holder: NoticeParty;
  /** The organisation that started the recall: the contact. */
  readonly from: NoticeParty;
  readonly lots: readonly NoticeLot[];
  /** The explorer URL of the recall (the QR code). */
  readonly qr: string;
  readonly issuedAt: string;
  /** The report was cut by its bounds: more lots may be affected. */
  readonly truncated: boolean;
}

const MM = 72 / 25.4;
const PAGE: [number, number] = [210 * MM, 297 * MM];
const MARGIN = 18 * MM;

function partyText(party: NoticeParty): string {
  const place = [party.city, party.country].filter((p) => p !== undefined && p !== '').join(', ');
  return `${party.name ?? party.msp} (${party.msp})${place !== '' ? ` — ${place}` : ''}`;
}

/** Render a notice as a PDF (A4, one or more pages). */
export function renderNoticePdf(content: NoticeContent, language: Language, font: LabelFont | undefined): Promise<Buffer> {
  const t = translator(language, 'notices');
  const doc = new PDFDocument({
    size: PAGE,
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    info: {
      Title: `${t('title')} ${content.recallId} — ${content.holder.msp}`,
      Subject: content.qr,
      Creator: 'Lotline',
      Keywords: `recall ${content.recallId} ${content.holder.msp}`,
    },
    lang: language,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  if (font !== undefined) doc.registerFont('notice', font.file, font.family);
  const regular = font !== undefined ? 'notice' : 'Helvetica';
  const bold = font !== undefined ? 'notice' : 'Helvetica-Bold';
  const width = PAGE[0] - 2 * MARGIN;

  // Heading and QR code (top right).
  const qrSize = 34 * MM;
  const modules = qrModules(content.qr);
  const unit = qrSize / (modules.size + 2 * QUIET);
  const qrX = PAGE[0] - MARGIN - qrSize;
  const qrY = MARGIN - QUIET * unit;
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++) if (modules.dark(r, c)) doc.rect(qrX + (c + QUIET) * unit, qrY + (r + QUIET) * unit, unit, unit);
  doc.fill('black');
  doc
    .font(regular)
    .fontSize(7)
    .text(t('qrCaption'), qrX, qrY + qrSize, { width: qrSize, align: 'center' });

  const textWidth = width - qrSize - 6 * MM;
  doc.font(bold).fontSize(22).text(t('title'), MARGIN, MARGIN, { width: textWidth });
  doc.moveDown(0.3);
  doc.font(regular).fontSize(10);
  doc.text(`${t('recallId')}: ${content.recallId}`, { width: textWidth });
  doc.text(`${t('issuedAt')}: ${formatDateTime(content.issuedAt, language)}`, { width: textWidth });
  doc.text(`${t('startedAt')}: ${formatDateTime(content.startedAt, language)}`, { width: textWidth });
  doc.moveDown(0.6);
  doc
    .font(bold)
    .text(`${t('to')}: `, { continued: true })
    .font(regular)
    .text(partyText(content.holder), { width: textWidth });
  doc
    .font(bold)
    .text(`${t('from')}: `, { continued: true })
    .font(regular)
    .text(partyText(content.from), { width: textWidth });

  // Reason, exactly as entered.
  doc.y = Math.max(doc.y, qrY + qrSize + 6 * MM);
  doc.moveDown(0.8);
  doc.font(bold).fontSize(12).text(t('reason'), MARGIN, doc.y, { width });
  doc.font(regular).fontSize(11).text(content.reason, { width });
  doc.fontSize(9).text(`${t('sourceLot')}: ${content.sourceLotId}`, { width });

  // The holder's affected lots.
  doc.moveDown(0.8);
  doc
    .font(bold)
    .fontSize(12)
    .text(t('lotsHeading', { count: content.lots.length }), MARGIN, doc.y, { width });
  doc.moveDown(0.3);
  const cols = [
    { key: 'lotId', header: t('lot'), width: 0.3 },
    { key: 'product', header: t('product'), width: 0.34 },
    { key: 'quantity', header: t('quantity'), width: 0.22 },
    { key: 'status', header: t('status'), width: 0.14 },
  ] as const;
  const drawRow = (cells: Record<(typeof cols)[number]['key'], string>, header: boolean): void => {
    doc.font(header ? bold : regular).fontSize(9);
    const heights = cols.map((c) => doc.heightOfString(cells[c.key], { width: c.width * width - 4 }));
    const h = Math.max(...heights) + 6;
    if (doc.y + h > PAGE[1] - MARGIN - 20) {
      doc.addPage();
      doc.y = MARGIN;
    }
    const y = doc.y;
    let x = MARGIN;
    for (const c of cols) {
      doc.text(cells[c.key], x + 2, y + 3, { width: c.width * width - 4 });
      x += c.width * width;
    }
    doc
      .moveTo(MARGIN, y + h)
      .lineTo(MARGIN + width, y + h)
      .lineWidth(header ? 1 : 0.3)
      .stroke('black');
    doc.x = MARGIN;
    doc.y = y + h;
  };
  drawRow({ lotId: cols[0].header, product: cols[1].header, quantity: cols[2].header, status: cols[3].header }, true);
  for (const lot of content.lots)
    drawRow(
      {
        lotId: lot.lotId,
        product: `${lot.productName}\n${lot.productCode}`,
        quantity: t('quantityValue', { remaining: lot.remaining, amount: lot.amount, unit: lot.unit }),
        status: t(`statuses.${lot.status}`, { defaultValue: lot.status }),
      },
      false,
    );
  if (content.truncated)
    doc
      .font(regular)
      .fontSize(8)
      .text(t('truncated'), MARGIN, doc.y + 3, { width });

  // What to do, and whom to contact.
  doc.moveDown(1);
  if (doc.y > PAGE[1] - MARGIN - 160) doc.addPage();
  doc.font(bold).fontSize(12).text(t('whatToDo'), MARGIN, doc.y, { width });
  doc.font(regular).fontSize(10);
  for (const [i, step] of (['stop', 'segregate', 'count', 'reply', 'wait'] as const).entries())
    doc.text(`${i + 1}. ${t(`steps.${step}`, { recallId: content.recallId })}`, MARGIN + 4, doc.y + 2, { width: width - 4 });
  doc.moveDown(0.8);
  doc.font(bold).fontSize(12).text(t('contact'), MARGIN, doc.y, { width });
  doc
    .font(regular)
    .fontSize(10)
    .text(t('contactText', { party: partyText(content.from) }), { width });
  doc.fontSize(7).text(t('footer', { recallId: content.recallId }), MARGIN, doc.y + 10, { width });
  doc.end();
  return done;
}
