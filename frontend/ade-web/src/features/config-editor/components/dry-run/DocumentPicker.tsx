import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Upload } from 'lucide-react';
import { useId, useRef, useState } from 'react';

import { Button } from '@/components/Button';
import { ProblemMessage } from '@/components/ProblemMessage';
import { SearchInput } from '@/components/SearchInput';
import { Select, type SelectOption } from '@/components/Select';
import { READABLE_FILE_TYPES } from '@/lib/fileTypes';

import { pickableDocumentsQuery, pickedDocumentQuery, uploadDocument } from '../../api/dryRun';
import styles from './DryRun.module.css';

/** Pick one of the workspace's documents (searchable by name), or upload one and pick it. */
export function DocumentPicker({
  workspaceId,
  value,
  onChange,
  canUpload,
}: {
  workspaceId: string;
  value: string | null;
  onChange: (documentId: string | null) => void;
  canUpload: boolean;
}) {
  const selectId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [search, setSearch] = useState('');
  const queryClient = useQueryClient();
  const documents = useQuery(pickableDocumentsQuery(workspaceId, search));
  const listed = documents.data ?? [];
  // The selected document's name, when the (searched) list does not hold it.
  const unlisted = value !== null && documents.data !== undefined && !listed.some((d) => d.id === value);
  const picked = useQuery({ ...pickedDocumentQuery(workspaceId, value ?? ''), enabled: unlisted });
  const upload = useMutation({
    mutationFn: (file: File) => uploadDocument(workspaceId, file),
    onSuccess: async (document) => {
      onChange(document.id);
      await queryClient.invalidateQueries({ queryKey: ['workspaces', workspaceId, 'documents'] });
    },
  });

  const options: SelectOption[] = listed.map((d) => ({ value: d.id, label: d.original_filename }));
  if (value !== null && !listed.some((d) => d.id === value)) {
    options.unshift({ value, label: picked.data?.original_filename ?? 'The selected document' });
  }
  const empty = documents.data !== undefined && listed.length === 0 && value === null;
  options.unshift({ value: '', label: empty ? (search ? 'No document matches' : 'No documents yet') : 'Choose a document…' });

  return (
    <div className={styles.picker}>
      <SearchInput label="Search documents" value={search} onChange={setSearch} />
      <div className={styles.pickerField}>
        <label htmlFor={selectId} className={styles.label}>
          Document
        </label>
        <Select
          id={selectId}
          className={styles.documentSelect}
          options={options}
          value={value ?? ''}
          onChange={(event) => onChange(event.target.value || null)}
          aria-busy={documents.isFetching || undefined}
        />
      </div>
      {canUpload && (
        <>
          <input
            ref={fileRef}
            type="file"
            accept={READABLE_FILE_TYPES}
            className="visually-hidden"
            aria-label="Upload a document to run on"
            tabIndex={-1}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file) upload.mutate(file);
            }}
          />
          <Button onClick={() => fileRef.current?.click()} loading={upload.isPending}>
            {!upload.isPending && <Upload size={14} aria-hidden />}
            {upload.isPending ? 'Uploading' : 'Upload a document'}
          </Button>
        </>
      )}
      {documents.error !== null && <ProblemMessage error={documents.error} />}
      {upload.error !== null && <ProblemMessage error={upload.error} />}
    </div>
  );
}
