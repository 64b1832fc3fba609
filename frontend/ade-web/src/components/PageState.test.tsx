import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '@/api/errors';

import { PageState, type QueryLike } from './PageState';
import { TableSkeleton } from './TableSkeleton';

function query<T>(over: Partial<QueryLike<T>>): QueryLike<T> {
  return { data: undefined, error: null, isPending: false, refetch: vi.fn(), ...over };
}

const list = (items: string[]) => ({ items });

describe('PageState', () => {
  it('shows loading, announced to screen readers', () => {
    render(
      <PageState query={query({ isPending: true })} loadingLabel="Loading documents">
        {() => 'never'}
      </PageState>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Loading documents…');
  });

  it('shows a skeleton of the content instead, when given one', () => {
    render(
      <PageState query={query({ isPending: true })} skeleton={<TableSkeleton label="Loading jobs" />}>
        {() => 'never'}
      </PageState>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Loading jobs…');
  });

  it('shows the readable API message and retries', async () => {
    const refetch = vi.fn();
    const error = new ApiError({ status: 403, title: 'Permission denied', detail: 'Viewers cannot upload.' });
    render(<PageState query={query({ error, refetch })}>{() => 'never'}</PageState>);
    expect(screen.getByRole('alert')).toHaveTextContent('Viewers cannot upload.');
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(refetch).toHaveBeenCalledOnce();
  });

  it('shows the not-found view for a 404 when given one', () => {
    const error = new ApiError({ status: 404, detail: 'No such document.' });
    render(
      <PageState query={query({ error })} notFound={<p>Gone</p>}>
        {() => 'never'}
      </PageState>,
    );
    expect(screen.getByText('Gone')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the empty state, or the data', () => {
    const empty = { title: 'No documents yet', description: 'Upload one.' };
    const { rerender } = render(
      <PageState query={query({ data: list([]) })} isEmpty={(d) => d.items.length === 0} empty={empty}>
        {(d) => d.items.join(',')}
      </PageState>,
    );
    expect(screen.getByText('No documents yet')).toBeInTheDocument();
    rerender(
      <PageState query={query({ data: list(['a', 'b']) })} isEmpty={(d) => d.items.length === 0} empty={empty}>
        {(d) => d.items.join(',')}
      </PageState>,
    );
    expect(screen.getByText('a,b')).toBeInTheDocument();
  });

  it('keeps showing data while a refetch fails', () => {
    const error = new ApiError({ status: 500 });
    render(<PageState query={query({ data: list(['kept']), error })}>{(d) => d.items.join(',')}</PageState>);
    expect(screen.getByText('kept')).toBeInTheDocument();
  });
});
