/**
 * Printable recall notices: `GET /recalls/:id/notices` builds, from the recall
 * report that `GET /recalls/:id` answers (the same function), one PDF per
 * holder organisation of affected lots, each in that organisation's language
 * (its participant record's `language`; Japanese when it has none, since
 * Lotline's member firms are Japanese manufacturers). Without `?holder=` the
 * answer is a zip with one PDF per holder; with `?holder=<MSP ID>` it is that
 * holder's PDF.
 */
import { zipSync } from 'fflate';
import { z } from 'zod';
import { schemas, type Lot, type Participant, type RecallAffectedLot } from '@lotline/domain';
import { languageOf, type Language } from '@lotline/i18n';
import { LedgerError, type LotLedger } from '@lotline/ledger-client';
import { notFound } from '../errors';
import type { ApiRouter } from '../http/route';
import type { LabelFont } from '../labels/render';
import { renderNoticePdf, type NoticeParty } from '../notices/render';
import { params, queries } from '../schemas';
import { originOf } from './labels';
import type { ReadModelService } from '../read-model';
import { wholeRecallReport } from './recalls';

/** The language of notices to an organisation without a `language` in its participant record. */
export const DEFAULT_NOTICE_LANGUAGE: Language = 'ja';

const noticeQuery = queries.recall.extend({
  holder: schemas.mspId.optional().describe("one holder's notice (its MSP ID) as a PDF; absent: a zip of every holder's notice"),
  lang: z.enum(['en', 'ja']).optional().describe("the notices' language, instead of each holder's own"),
});

/** The explorer's page of a recall (the notice's QR code). */
export function explorerRecallPath(recallId: string): string {
  return `/explorer/?${new URLSearchParams({ recall: recallId }).toString()}`;
}

async function participantOf(ledger: LotLedger, msp: string): Promise<Participant | undefined> {
  try {
    return await ledger.readParticipant(msp);
  } catch (error) {
    if (error instanceof LedgerError && error.chaincodeCode === 'NOT_FOUND') return undefined;
    throw error;
  }
}

function party(msp: string, participant: Participant | undefined): NoticeParty {
  return {
    msp,
    ...(participant !== undefined
      ? { name: participant.name, city: participant.location.city, country: participant.location.country }
      : {}),
  };
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Register the notices route. */
export function noticeRoutes(api: ApiRouter, options: { readonly font?: LabelFont; readonly reads?: ReadModelService } = {}): void {
  api.route(
    {
      method: 'get',
      path: '/recalls/:id/notices',
      operationId: 'recallNotices',
      tag: 'recalls',
      summary: 'Print recall notices',
      description:
        "One printable A4 PDF per organisation holding affected lots of the recall (from the complete report of the read model, every lot at any depth; with `?source=ledger`, the chaincode's report within `maxDepth`/`maxNodes`): " +
        'the reason as entered, its affected lots with quantities, what to do, the contact (the recalling organisation) and a QR code to the recall in the explorer. ' +
        "Each in the holder's language (participant `language`; Japanese when absent), or `?lang=`. " +
        "`?holder=<MSP ID>`: that holder's PDF (404 when it holds no affected lot); otherwise `application/zip` of `notice-<recall>-<MSP>.pdf` files.",
      params: params.recall,
      query: noticeQuery,
      success: { status: 200, description: 'a zip of notices, or one notice (application/pdf)', contentType: 'application/zip' },
      errors: [400, 404],
    },
    async ({ req, res, params: p, query, caller }) => {
      const report = await wholeRecallReport(caller, p.id, options.reads, query);
      const byHolder = new Map<string, RecallAffectedLot[]>();
      for (const lot of report.affected) byHolder.set(lot.custodian, [...(byHolder.get(lot.custodian) ?? []), lot]);
      const holders = [...byHolder.keys()].sort();
      if (query.holder !== undefined && !byHolder.has(query.holder))
        throw notFound(
          'NOT_FOUND',
          `${query.holder} holds no lot affected by recall ${report.recallId}; the holders are ${holders.join(', ')}`,
        );
      const selected = query.holder !== undefined ? [query.holder] : holders;

      const lots = new Map<string, Lot>();
      const ids = selected.flatMap((h) => (byHolder.get(h) ?? []).map((l) => l.lotId));
      for (let i = 0; i < ids.length; i += 16)
        for (const lot of await Promise.all(ids.slice(i, i + 16).map((id) => caller.ledger.readLot(id)))) lots.set(lot.id, lot);
      const from = party(report.startedBy.msp, await participantOf(caller.ledger, report.startedBy.msp));
      const issuedAt = new Date().toISOString();
      const qr = `${originOf(req)}${explorerRecallPath(report.recallId)}`;

      const notices: { holder: string; language: Language; pdf: Buffer }[] = [];
      for (const holder of selected) {
        const participant = await participantOf(caller.ledger, holder);
        const language = query.lang ?? languageOf(participant?.language) ?? DEFAULT_NOTICE_LANGUAGE;
        const pdf = await renderNoticePdf(
          {
            recallId: report.recallId,
            reason: report.reason,
            startedAt: report.startedAt,
            sourceLotId: report.sourceLotId,
            holder: party(holder, participant),
            from,
            lots: (byHolder.get(holder) ?? []).map((a) => {
              const lot = lots.get(a.lotId);
              return {
                lotId: a.lotId,
                productCode: lot?.product.code ?? '',
                productName: lot?.product.name ?? '',
                amount: lot?.quantity.amount ?? 0,
                remaining: (lot?.remaining ?? lot?.quantity)?.amount ?? 0,
                unit: lot?.quantity.unit ?? '',
                status: lot?.status ?? a.status,
              };
            }),
            qr,
            issuedAt,
            truncated: report.truncated,
          },
          language,
          options.font,
        );
        notices.push({ holder, language, pdf });
      }

      res.set('X-Recall-Uri', qr).set('X-Notice-Holders', selected.join(','));
      const only = notices[0];
      if (query.holder !== undefined && only !== undefined) {
        res
          .status(200)
          .type('application/pdf')
          .set('Content-Disposition', `inline; filename="notice-${safe(report.recallId)}-${safe(only.holder)}.pdf"`)
          .set('Content-Language', only.language)
          .send(only.pdf);
        return;
      }
      const zip = zipSync(Object.fromEntries(notices.map((n) => [`notice-${safe(report.recallId)}-${safe(n.holder)}.pdf`, n.pdf])));
      res
        .status(200)
        .type('application/zip')
        .set('Content-Disposition', `attachment; filename="notices-${safe(report.recallId)}.zip"`)
        .send(Buffer.from(zip));
    },
  );
}
