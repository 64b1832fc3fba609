import { createColumnHelper, type SortingState } from '@tanstack/react-table';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';

import { expectNoAxeViolations } from '@/test/axe';

import { DataTable, fromSortParam, toSortParam } from './DataTable';

interface Row {
  id: string;
  name: string;
  size: number;
}
const column = createColumnHelper<Row>();
const columns = [
  column.accessor('name', { header: 'Name' }),
  column.accessor('size', { header: 'Size' }),
  column.display({ id: 'actions', header: 'Actions', cell: () => 'x' }),
];
const rows: Row[] = [
  { id: '1', name: 'b.csv', size: 3 },
  { id: '2', name: 'a.csv', size: 1 },
  { id: '3', name: 'c.csv', size: 2 },
];

const names = () =>
  screen
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('cell')[0]?.textContent);

describe('DataTable', () => {
  it('sorts the rows it has when no server sorting is given', async () => {
    render(<DataTable label="Files" columns={columns} data={rows} getRowId={(r) => r.id} />);
    expect(names()).toEqual(['b.csv', 'a.csv', 'c.csv']);
    await userEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()).toEqual(['a.csv', 'b.csv', 'c.csv']);
    expect(screen.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'ascending');
    await userEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()).toEqual(['c.csv', 'b.csv', 'a.csv']);
  });

  it('hands server sorting to its owner and leaves row order alone', async () => {
    const seen: SortingState[] = [];
    function Owner() {
      const [sorting, setSorting] = useState<SortingState>([{ id: 'size', desc: true }]);
      return (
        <DataTable
          label="Files"
          columns={columns}
          data={rows}
          getRowId={(r) => r.id}
          sorting={sorting}
          onSortingChange={(s) => {
            seen.push(s);
            setSorting(s);
          }}
        />
      );
    }
    render(<Owner />);
    expect(screen.getByRole('columnheader', { name: 'Size' })).toHaveAttribute('aria-sort', 'descending');
    await userEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(seen).toEqual([[{ id: 'name', desc: false }]]);
    expect(names()).toEqual(['b.csv', 'a.csv', 'c.csv']);
    expect(screen.queryByRole('button', { name: 'Actions' })).not.toBeInTheDocument();
  });

  it('pages with labelled controls', async () => {
    const onPageChange = vi.fn();
    const { container } = render(
      <DataTable
        label="Files"
        columns={columns}
        data={rows}
        getRowId={(r) => r.id}
        paging={{ page: 2, pageSize: 3, total: 7, onPageChange }}
      />,
    );
    const pager = screen.getByRole('navigation', { name: 'Pagination' });
    expect(pager).toHaveTextContent('4–6 of 7');
    expect(pager).toHaveTextContent('Page 2 of 3');
    await userEvent.click(within(pager).getByRole('button', { name: 'Next' }));
    await userEvent.click(within(pager).getByRole('button', { name: 'Previous' }));
    expect(onPageChange.mock.calls).toEqual([[3], [1]]);
    await expectNoAxeViolations(container);
  });

  it('maps sorting to and from the API sort parameter', () => {
    expect(toSortParam([{ id: 'created_at', desc: true }])).toBe('-created_at');
    expect(toSortParam([])).toBeUndefined();
    expect(fromSortParam('-created_at')).toEqual([{ id: 'created_at', desc: true }]);
    expect(fromSortParam('name')).toEqual([{ id: 'name', desc: false }]);
    expect(fromSortParam(null)).toEqual([]);
  });
});
