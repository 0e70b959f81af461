/**
 * Lot labels and the GS1 Digital Link resolver.
 *
 * `GET /lots/:id/label` renders a printable label (PDF or PNG) whose QR code
 * encodes a GS1 Digital Link URI (`<resolver>/01/<GTIN-14>/10/<lot>`) for an
 * LGTIN lot, or the explorer's lot URL for an organisation-qualified lot.
 * `GET /01/:gtin/10/:lot` (further qualifiers ignored) is the resolver: it
 * redirects (307) to the explorer's lot page.
 */
import type { Request } from 'express';
import { z } from 'zod';
import {
  CANONICAL_PREFIX_DIGITS,
  gtinProblem,
  LGTIN_ID,
  lgtinDigitalLinkPath,
  lgtinUrn,
  parseLgtin,
  type Lgtin,
  type Lot,
} from '@lotline/domain';
import { LedgerError, type LotLedger } from '@lotline/ledger-client';
import { ApiError, notFound } from '../errors';
import type { ApiRouter, Authenticate } from '../http/route';
import { LABEL_SIZES, renderLabelPdf, renderLabelPng, type LabelFont, type LabelSize } from '../labels/render';
import { params } from '../schemas';

/** How labels are made. */
export interface LabelOptions {
  /** Base URL of the GS1 Digital Link resolver in QR codes (undefined: this API's own origin). */
  readonly resolverBase?: string;
  /** The font of the label text (undefined: built-in fonts, no Japanese in PDFs). */
  readonly font?: LabelFont;
}

const FORMATS = ['pdf', 'png'] as const;
type LabelFormat = (typeof FORMATS)[number];
const MEDIA: Record<LabelFormat, string> = { pdf: 'application/pdf', png: 'image/png' };

const labelQuery = z.strictObject({
  format: z.enum(FORMATS).optional().describe('`pdf` or `png`; overrides `Accept` (default: PDF)'),
  size: z.enum(LABEL_SIZES).default('62mm').describe('`62mm` (one 62 × 100 mm roll label) or `a4` (A4 sheet of 2 × 4 labels)'),
});

const gtin = z
  .string()
  .superRefine((value, ctx) => {
    const problem = gtinProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('GTIN-14 (GS1 AI 01), with its check digit');

const digitalLink = z
  .object({
    gtin,
    lot: z.string().min(1).max(20).describe('batch/lot number (GS1 AI 10), at most 20 characters'),
  })
  .superRefine((value, ctx) => {
    if (gtinProblem(value.gtin) === undefined && !LGTIN_ID.test(lgtinUrn(value)))
      ctx.addIssue({ code: 'custom', path: ['lot'], message: `lot ${value.lot} is not a GS1 batch/lot number Lotline can hold` });
  });

/** The origin this request reached (the API's public base URL as the client sees it). */
export function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** The explorer's page of a lot (the explorer's deep link: `?lot=`). */
export function explorerLotPath(lotId: string): string {
  return `/explorer/?${new URLSearchParams({ lot: lotId }).toString()}`;
}

/** What a lot's QR code encodes: its GS1 Digital Link when it is an LGTIN lot, else the explorer's lot URL. */
export function labelUri(lotId: string, origin: string, resolverBase: string | undefined): string {
  const lgtin = LGTIN_ID.test(lotId) ? parseLgtin(lotId) : undefined;
  if (lgtin !== undefined) return `${(resolverBase ?? origin).replace(/\/+$/, '')}${lgtinDigitalLinkPath(lgtin)}`;
  return `${origin}${explorerLotPath(lotId)}`;
}

function isLotNotFound(error: unknown): boolean {
  return error instanceof LedgerError && error.chaincodeCode === 'LOT_NOT_FOUND';
}

/**
 * The lot of a GTIN + lot number: the canonical URN first, then every other
 * company prefix length (a lot created natively with another split).
 */
async function findLgtinLot(ledger: LotLedger, lgtin: Lgtin): Promise<Lot | undefined> {
  const splits = [CANONICAL_PREFIX_DIGITS, 6, 8, 9, 10, 11, 12];
  for (const digits of splits) {
    const id = lgtinUrn(lgtin, digits);
    if (!LGTIN_ID.test(id)) continue;
    try {
      return await ledger.readLot(id);
    } catch (error) {
      if (!isLotNotFound(error)) throw error;
    }
  }
  return undefined;
}

function negotiate(req: Request, format: LabelFormat | undefined): LabelFormat {
  if (format !== undefined) return format;
  const accepted = req.accepts([MEDIA.pdf, MEDIA.png]);
  if (accepted === MEDIA.png) return 'png';
  if (accepted === MEDIA.pdf) return 'pdf';
  throw new ApiError({
    status: 406,
    code: 'NOT_ACCEPTABLE',
    title: 'Not acceptable',
    detail: 'a label is application/pdf or image/png: accept one of them, or pass ?format=pdf|png',
  });
}

/** Register the label and resolver routes. */
export function labelRoutes(api: ApiRouter, authenticate: Authenticate, options: LabelOptions = {}): void {
  api.route(
    {
      method: 'get',
      path: '/lots/:id/label',
      operationId: 'lotLabel',
      tag: 'lots',
      summary: 'Print a lot label',
      description:
        'A label with the lot id, product code and name, quantity, producer and a QR code: a GS1 Digital Link ' +
        '(`<resolver>/01/<GTIN-14>/10/<lot>`) for an LGTIN lot, else the explorer URL of the lot. ' +
        'PDF (`Accept: application/pdf`, `?format=pdf`, the default) or PNG at 300 dpi (`Accept: image/png`, `?format=png`).',
      params: params.lot,
      query: labelQuery,
      success: { status: 200, description: 'the label (application/pdf or image/png)', contentType: 'application/pdf' },
      errors: [400, 404, 406],
    },
    async ({ req, res, params: p, query, caller }) => {
      const format = negotiate(req, query.format);
      const lot = await caller.ledger.readLot(p.id);
      const content = {
        lotId: lot.id,
        product: lot.product,
        quantity: lot.quantity,
        producer: lot.producer,
        qr: labelUri(lot.id, originOf(req), options.resolverBase),
      };
      const size: LabelSize = query.size;
      const body = format === 'pdf' ? await renderLabelPdf(content, size, options.font) : renderLabelPng(content, size, options.font);
      res
        .status(200)
        .type(MEDIA[format])
        .set('Content-Disposition', `inline; filename="label-${lot.id.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}"`)
        .set('X-Label-Uri', content.qr)
        .set('Vary', 'Accept')
        .send(body);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/01/:gtin/10/:lot{/*qualifiers}',
      operationId: 'resolveDigitalLink',
      tag: 'lots',
      summary: 'Resolve a GS1 Digital Link to a lot',
      description:
        'GS1 Digital Link resolver for GTIN + batch/lot (further key qualifiers and query parameters are ignored). ' +
        'With a bearer token: 307 to the explorer page of the lot (`/explorer/?lot=<id>`), 404 LOT_NOT_FOUND when no lot ' +
        'has that GTIN and lot number. Without one (a phone scanning a label): 307 to the explorer with `?dl=<path>`, ' +
        'which resolves it after sign-in. A malformed GTIN (length, check digit) is 400 either way.',
      params: digitalLink,
      public: true,
      success: { status: 307, description: 'redirect to the explorer page of the lot' },
      errors: [400, 401, 404],
    },
    async ({ req, res, params: p }) => {
      const lgtin: Lgtin = { gtin: p.gtin, lot: p.lot };
      if (req.get('authorization') === undefined) {
        res.redirect(307, `/explorer/?${new URLSearchParams({ dl: lgtinDigitalLinkPath(lgtin) }).toString()}`);
        return;
      }
      const caller = await authenticate(req);
      const lot = await findLgtinLot(caller.ledger, lgtin);
      if (lot === undefined)
        throw notFound(
          'LOT_NOT_FOUND',
          `no lot has GTIN ${lgtin.gtin} and lot number ${lgtin.lot} (looked up as ${lgtinUrn(lgtin)} and its other company prefix splits)`,
        );
      res.redirect(307, explorerLotPath(lot.id));
    },
  );
}
