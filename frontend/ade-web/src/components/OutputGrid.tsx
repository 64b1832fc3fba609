/**
 * The output sheet as a virtualized grid: a fixed row height, only the visible rows rendered,
 * rows read through `rowAt` (pages fetched on demand). Shared by a job's results and the config
 * editor's dry run. Loaded lazily: import it with lazy().
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';

import { cellText, type Cell } from '@/lib/cells';
import { columnLetter } from '@/lib/columns';

import styles from './OutputGrid.module.css';

const ROW_HEIGHT = 30;
const COLUMN_WIDTH = 168;
const NUMBER_WIDTH = 56;

export interface GridTarget {
  /** The sheet row (1-based, as in the spreadsheet). */
  row: number;
  column: number | null;
}

export interface OutputGridProps {
  /** Rows in the sheet, the header row included. */
  total: number;
  /** The header row's cells. */
  header: Cell[];
  /** Sheet row `index` (0-based; 0 is the header), or undefined while its page loads. */
  rowAt: (index: number) => Cell[] | undefined;
  /** The visible sheet rows changed (to fetch their pages). */
  onRange: (start: number, end: number) => void;
  /** A cell to scroll to and mark (e.g. an issue's). */
  target: GridTarget | null;
}

export default function OutputGrid({ total, header, rowAt, onRange, target }: OutputGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const bodyRows = Math.max(0, total - 1);
  const columns = header.length;
  const virtualizer = useVirtualizer({
    count: bodyRows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    onRange(firstIndex + 1, lastIndex + 1);
  }, [firstIndex, lastIndex, onRange]);

  useEffect(() => {
    if (target === null || target.row < 2) return;
    virtualizer.scrollToIndex(target.row - 2, { align: 'center' });
    if (target.column !== null && scrollRef.current) {
      const left = NUMBER_WIDTH + target.column * COLUMN_WIDTH;
      const el = scrollRef.current;
      if (left < el.scrollLeft || left + COLUMN_WIDTH > el.scrollLeft + el.clientWidth) {
        el.scrollLeft = Math.max(0, left - el.clientWidth / 2);
      }
    }
    scrollRef.current?.focus({ preventScroll: true });
  }, [target, virtualizer]);

  const width = NUMBER_WIDTH + columns * COLUMN_WIDTH;
  const template = `${NUMBER_WIDTH}px repeat(${columns}, ${COLUMN_WIDTH}px)`;
  return (
    <div
      ref={scrollRef}
      className={styles.scroll}
      role="grid"
      aria-label="Output preview"
      aria-rowcount={total}
      aria-colcount={columns + 1}
      tabIndex={0}
    >
      <div className={styles.head} style={{ width, gridTemplateColumns: template }} role="row" aria-rowindex={1}>
        <span className={styles.corner} role="columnheader" aria-label="Row" />
        {header.map((cell, c) => (
          <span key={c} role="columnheader" className={styles.headCell} title={cellText(cell)}>
            <span className={styles.letter}>{columnLetter(c)}</span>
            {cellText(cell)}
          </span>
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), width, position: 'relative' }}>
        {items.map((item) => {
          const sheetRow = item.index + 1;
          const row = rowAt(sheetRow);
          const rowNumber = sheetRow + 1;
          const targeted = target?.row === rowNumber;
          return (
            <div
              key={item.key}
              role="row"
              aria-rowindex={rowNumber}
              className={[styles.row, targeted ? styles.targetRow : ''].join(' ')}
              style={{ transform: `translateY(${item.start}px)`, gridTemplateColumns: template, width }}
            >
              <span className={styles.number} role="rowheader">
                {rowNumber}
              </span>
              {row === undefined ? (
                <span className={styles.loading} role="gridcell" aria-busy="true" style={{ gridColumn: `2 / span ${columns}` }} />
              ) : (
                header.map((_, c) => {
                  const cell = row[c];
                  const text = cellText(cell);
                  return (
                    <span
                      key={c}
                      role="gridcell"
                      title={text}
                      aria-selected={targeted && target.column === c ? true : undefined}
                      className={[
                        styles.cell,
                        typeof cell === 'number' ? styles.numeric : '',
                        targeted && target.column === c ? styles.targetCell : '',
                      ].join(' ')}
                    >
                      {text}
                    </span>
                  );
                })
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
