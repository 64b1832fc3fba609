import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { renderWithProviders } from '@/test/render';

import { UploadPanel } from './UploadPanel';

describe('UploadPanel', () => {
  it('offers and names every file type the API reads, delimited text included', () => {
    renderWithProviders(
      <UploadPanel items={[]} onFiles={vi.fn()} onCancel={vi.fn()} onClear={vi.fn()} hrefOf={(id) => `/d/${id}`} />,
    );
    const picker = screen.getByRole('button', { name: 'Choose files' });
    // The hint the button is described by lists what the refusal message lists.
    expect(picker).toHaveAccessibleDescription(/\.csv, \.tsv, \.txt/);
    expect(picker).toHaveAccessibleDescription(/\.ods/);
    const input = screen.getByTestId<HTMLInputElement>('upload-input');
    expect(input.accept.split(',')).toEqual(['.xlsx', '.xlsm', '.xls', '.ods', '.csv', '.tsv', '.txt']);
  });
});
