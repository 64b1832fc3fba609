import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import { sortableKeyboardCoordinates, SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { ArrowDown, ArrowUp, GripVertical } from 'lucide-react';

import { Input } from '@/components/Field';

import { moveColumn, type ColumnRow } from './manifestForm';
import { Messages, messageId } from './Messages';
import styles from './ManifestView.module.css';

export interface ColumnsEditorProps {
  columns: ColumnRow[];
  readOnly: boolean;
  /** Messages by JSON pointer (`/columns/2/label`, `/columns/2` for the row). */
  problems: Record<string, string[]>;
  onChange: (columns: ColumnRow[], reordered: boolean) => void;
}

type Editable = 'field' | 'label' | 'synonyms';

/** The manifest's columns in output order: edit in place, reorder by drag (pointer or keyboard) or Move up/down. */
export function ColumnsEditor({ columns, readOnly, problems, onChange }: ColumnsEditorProps) {
  const sensors = useSensors(useSensor(PointerSensor), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const nameOf = (id: UniqueIdentifier | undefined) => {
    const index = columns.findIndex((c) => c.key === id);
    const field = columns[index]?.field;
    return field ? `${field} (position ${index + 1})` : 'the column';
  };
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${nameOf(active.id)}.`,
    onDragOver: ({ active, over }) => (over && over.id !== active.id ? `${nameOf(active.id)} is over position ${columns.findIndex((c) => c.key === over.id) + 1}.` : undefined),
    onDragEnd: ({ active, over }) => (over ? `Dropped ${nameOf(active.id)} at position ${columns.findIndex((c) => c.key === over.id) + 1}.` : 'Dropped.'),
    onDragCancel: ({ active }) => `Moving ${nameOf(active.id)} was cancelled.`,
  };

  function onDragEnd({ active, over }: DragEndEvent) {
    if (!over) return;
    const from = columns.findIndex((c) => c.key === active.id);
    const to = columns.findIndex((c) => c.key === over.id);
    if (from !== to) onChange(moveColumn(columns, from, to), true);
  }

  function update(index: number, change: Partial<ColumnRow>) {
    onChange(
      columns.map((c, i) => (i === index ? { ...c, ...change } : c)),
      false,
    );
  }

  return (
    <div className={styles.columns} role="group" aria-label="Columns">
      <div className={styles.columnHead} aria-hidden>
        <span />
        <span>#</span>
        <span>Field</span>
        <span>Label</span>
        <span>Synonyms</span>
        <span>Required</span>
        <span>Enabled</span>
        <span />
      </div>
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd} accessibility={{ announcements }}>
        <SortableContext items={columns.map((c) => c.key)} strategy={verticalListSortingStrategy}>
          <ol className={styles.columnList}>
            {columns.map((row, index) => (
              <SortableColumn
                key={row.key}
                row={row}
                index={index}
                last={index === columns.length - 1}
                readOnly={readOnly}
                problems={problems}
                onEdit={(change) => update(index, change)}
                onMove={(to) => onChange(moveColumn(columns, index, to), true)}
              />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
    </div>
  );
}

function SortableColumn({
  row,
  index,
  last,
  readOnly,
  problems,
  onEdit,
  onMove,
}: {
  row: ColumnRow;
  index: number;
  last: boolean;
  readOnly: boolean;
  problems: Record<string, string[]>;
  onEdit: (change: Partial<ColumnRow>) => void;
  onMove: (to: number) => void;
}) {
  const sortable = useSortable({ id: row.key, disabled: readOnly });
  // Named by the field as read, so labels stay put while the field is being renamed.
  const name = typeof row.raw.field === 'string' ? row.raw.field : `column ${index + 1}`;
  const at = (part: string) => problems[`/columns/${index}${part}`] ?? [];
  const rowProblems = at('');

  function text(part: Editable, label: string) {
    const messages = at(`/${part}`);
    const id = messageId(row.key, part);
    return (
      <span className={styles.cell}>
        <Input
          aria-label={`${label} of ${name}`}
          value={row[part]}
          readOnly={readOnly}
          invalid={messages.length > 0}
          aria-describedby={messages.length > 0 ? id : undefined}
          spellCheck={false}
          onChange={(event) => onEdit({ [part]: event.target.value })}
        />
        <Messages id={id} messages={messages} />
      </span>
    );
  }

  function flag(part: 'required' | 'enabled', label: string) {
    const messages = at(`/${part}`);
    const id = messageId(row.key, part);
    return (
      <span className={styles.cell}>
        <input
          type="checkbox"
          className={styles.checkbox}
          aria-label={`${label}: ${name}`}
          checked={row[part]}
          disabled={readOnly}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={messages.length > 0 ? id : undefined}
          onChange={(event) => onEdit({ [part]: event.target.checked })}
        />
        <Messages id={id} messages={messages} />
      </span>
    );
  }

  return (
    <li
      ref={sortable.setNodeRef}
      style={{ transform: CSS.Transform.toString(sortable.transform), transition: sortable.transition }}
      className={styles.columnRow}
      data-dragging={sortable.isDragging || undefined}
      data-disabled={!row.enabled || undefined}
      aria-label={name}
    >
      {readOnly ? (
        <span />
      ) : (
        <button type="button" className={styles.handle} aria-label={`Drag ${name} to reorder`} {...sortable.attributes} {...sortable.listeners}>
          <GripVertical size={14} aria-hidden />
        </button>
      )}
      <span className={styles.ordinal}>{index + 1}</span>
      {text('field', 'Field')}
      {text('label', 'Label')}
      {text('synonyms', 'Synonyms')}
      {flag('required', 'Required')}
      {flag('enabled', 'Enabled')}
      <span className={styles.moves}>
        {!readOnly && (
          <>
            <button type="button" className={styles.iconButton} aria-label={`Move ${name} up`} disabled={index === 0} onClick={() => onMove(index - 1)}>
              <ArrowUp size={14} aria-hidden />
            </button>
            <button type="button" className={styles.iconButton} aria-label={`Move ${name} down`} disabled={last} onClick={() => onMove(index + 1)}>
              <ArrowDown size={14} aria-hidden />
            </button>
          </>
        )}
      </span>
      {rowProblems.length > 0 && (
        <span className={styles.rowProblems}>
          <Messages id={messageId(row.key, 'row')} messages={rowProblems} />
        </span>
      )}
    </li>
  );
}
