/**
 * The source preview (loaded lazily): each sheet as a virtualized grid. Only the visible rows
 * render; their rows are fetched in pages as they scroll into view, each page cached by
 * (document, sheet, page). The latest succeeded job's artifact outlines the tables the engine
 * found, marks their header rows and greys the rows it skipped, with the reason on hover.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';

import { Badge } from '@/components/Badge';
import { PageState } from '@/components/PageState';
import { Tabs } from '@/components/Tabs';
import { columnLetter } from '@/lib/columns';

import { artifactAnnotationsQuery, previewPageQuery, type SheetSummary } from '../api/preview';
import { annotationsFor, cellEdges, type SheetAnnotations } from '../preview/annotations';
import { cellView, pageOf, pagesFor, PAGE_ROWS } from '../preview/paging';
import styles from './SourcePreview.module.css';

const ROW_HEIGHT = 28;
const COLUMN_WIDTH = 132;
const ROW_HEADER_WIDTH = 64;
/** At least this many columns show, so a narrow sheet still looks like a sheet. */
const MIN_COLUMNS = 6;

export interface SourcePreviewProps {
  workspaceId: string;
  documentId: string;
  /** The latest succeeded job, whose artifact annotates the grid (none: no annotations). */
  annotateFromJobId: string | null;
  /** The selected sheet (from the URL); null: the first. */
  sheet: string | null;
  onSheetChange: (sheet: string) => void;
}

export default function SourcePreview({ workspaceId, documentId, annotateFromJobId, sheet, onSheetChange }: SourcePreviewProps) {
  // The first page of the first sheet lists the sheets.
  const first = useQuery(previewPageQuery(workspaceId, documentId, null, 0));
  const artifact = useQuery({
    ...artifactAnnotationsQuery(workspaceId, annotateFromJobId ?? ''),
    enabled: annotateFromJobId !== null,
  });
  return (
    <PageState query={first} loadingLabel="Reading the file">
      {(page) => {
        const sheets = page.sheets;
        const current = sheets.find((s) => s.name === sheet) ?? sheets[0];
        if (current === undefined) return <p className={styles.note}>This file has no sheets.</p>;
        const annotations = artifact.data === undefined ? undefined : annotationsFor(artifact.data, current);
        return (
          <Tabs
            label="Sheets"
            value={current.name}
            onValueChange={onSheetChange}
            items={sheets.map((s) => ({
              value: s.name,
              label: s.name,
              content:
                s.name === current.name ? (
                  <SheetGrid
                    workspaceId={workspaceId}
                    documentId={documentId}
                    // The first sheet is fetched as `null`, so its pages are shared with the list of sheets.
                    sheetKey={s.index === sheets[0]?.index ? null : s.name}
                    sheet={s}
                    annotations={annotations}
                    annotated={annotateFromJobId !== null}
                  />
                ) : null,
            }))}
          />
        );
      }}
    </PageState>
  );
}

function SheetGrid({
  workspaceId,
  documentId,
  sheetKey,
  sheet,
  annotations,
  annotated,
}: {
  workspaceId: string;
  documentId: string;
  sheetKey: string | null;
  sheet: SheetSummary;
  annotations: SheetAnnotations | undefined;
  annotated: boolean;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const total = sheet.rows;
  const columns = Math.max(sheet.columns, MIN_COLUMNS);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const pages = pagesFor(items[0]?.index ?? 0, items.at(-1)?.index ?? 0, total);
  const results = useQueries({
    queries: pages.map((page) => previewPageQuery(workspaceId, documentId, sheetKey, page)),
  });
  const loaded = new Map(pages.map((page, i) => [page, results[i]?.data]));
  const failed = results.find((r) => r.error)?.error;
  const tables = annotations?.tables ?? [];
  const width = ROW_HEADER_WIDTH + columns * COLUMN_WIDTH;

  return (
    <div className={styles.wrap}>
      <div className={styles.legend}>
        <span>
          {total.toLocaleString()} rows · {sheet.columns} columns{sheet.truncated ? ' (preview stops here)' : ''}
        </span>
        {annotations && (
          <>
            <span className={styles.key}>
              <span className={[styles.swatch, styles.swatchTable].join(' ')} aria-hidden /> Table found ({tables.length})
            </span>
            <span className={styles.key}>
              <span className={[styles.swatch, styles.swatchHeader].join(' ')} aria-hidden /> Header row
            </span>
            <span className={styles.key}>
              <span className={[styles.swatch, styles.swatchSkipped].join(' ')} aria-hidden /> Skipped (hover for why)
            </span>
          </>
        )}
        {annotations?.status === 'skipped' && <Badge tone="warning">Sheet skipped: {annotations.reason}</Badge>}
        {!annotated && <span className={styles.muted}>Run the document to see the tables the engine finds.</span>}
        {failed !== undefined && failed !== null && <Badge tone="danger">Some rows could not be loaded</Badge>}
      </div>
      <div
        ref={scrollRef}
        className={styles.scroll}
        tabIndex={0}
        role="grid"
        aria-label={`Sheet ${sheet.name}`}
        aria-rowcount={total + 1}
        aria-colcount={columns + 1}
      >
        <div style={{ height: virtualizer.getTotalSize() + ROW_HEIGHT, width, position: 'relative' }}>
          <div className={styles.headerRow} role="row" aria-rowindex={1} style={{ width, height: ROW_HEIGHT }}>
            <span className={[styles.corner, styles.rowHeader].join(' ')} role="columnheader" style={{ width: ROW_HEADER_WIDTH }} />
            {Array.from({ length: columns }, (_, col) => (
              <span key={col} role="columnheader" className={styles.colHeader} style={{ width: COLUMN_WIDTH }}>
                {columnLetter(col)}
              </span>
            ))}
          </div>
          {items.map((item) => {
            const row = item.index;
            const page = loaded.get(pageOf(row));
            const cells = page === undefined ? undefined : page.rows[row - page.offset];
            const note = annotations?.rows.get(row);
            const classes = [styles.row, note ? styles[note.kind] : '', row % 2 ? styles.odd : ''].join(' ');
            return (
              <div
                key={row}
                role="row"
                aria-rowindex={row + 2}
                className={classes}
                title={note ? `${note.label}: ${note.reason}` : undefined}
                style={{ transform: `translateY(${item.start + ROW_HEIGHT}px)`, height: ROW_HEIGHT, width }}
              >
                <span role="rowheader" className={styles.rowHeader} style={{ width: ROW_HEADER_WIDTH }}>
                  {row + 1}
                  {note?.kind === 'header' && <span className={styles.tag} aria-hidden>H</span>}
                  {note && <span className="visually-hidden">{`, ${note.label}: ${note.reason}`}</span>}
                </span>
                {Array.from({ length: columns }, (_, col) => {
                  if (page === undefined) {
                    return <span key={col} role="gridcell" className={styles.cell} style={{ width: COLUMN_WIDTH }}><span className={styles.placeholder} /></span>;
                  }
                  const view = cellView(cells?.[col]);
                  const edges = tables.length ? cellEdges(tables, row, col) : null;
                  const edgeClasses = edges?.tableId
                    ? [styles.inTable, edges.top && styles.edgeTop, edges.bottom && styles.edgeBottom, edges.left && styles.edgeLeft, edges.right && styles.edgeRight]
                    : [];
                  return (
                    <span
                      key={col}
                      role="gridcell"
                      className={[styles.cell, styles[view.align], styles[view.kind], ...edgeClasses].filter(Boolean).join(' ')}
                      style={{ width: COLUMN_WIDTH }}
                    >
                      {view.text}
                    </span>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
      <p className={styles.muted}>
        Rows load {PAGE_ROWS} at a time as you scroll. Row numbers are the sheet&apos;s own.
      </p>
    </div>
  );
}
