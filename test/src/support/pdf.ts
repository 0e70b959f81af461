/**
 * PDF pages as a person sees them: rendered to PNG and their text extracted
 * with MuPDF (the `mupdf` WebAssembly build, test-only). It is an ES module
 * with top-level await, so it is loaded with a dynamic import.
 */

/** One rendered page: PNG bytes, its text, and the document's page count and title. */
export interface RenderedPage {
  readonly png: Buffer;
  readonly text: string;
  readonly pages: number;
  readonly title: string;
}

/** Render page `index` of a PDF at `dpi` and extract its text. */
export async function renderPdfPage(pdf: Buffer, index = 0, dpi = 150): Promise<RenderedPage> {
  const mupdf = await import('mupdf');
  const document = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const page = document.loadPage(index);
    const scale = dpi / 72;
    const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, false, true);
    const text = page.toStructuredText('preserve-whitespace').asText();
    return {
      png: Buffer.from(pixmap.asPNG()),
      text,
      pages: document.countPages(),
      title: document.getMetaData(mupdf.Document.META_INFO_TITLE) ?? '',
    };
  } finally {
    document.destroy();
  }
}
