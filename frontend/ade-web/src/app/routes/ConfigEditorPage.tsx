/**
 * The config editor. Views (in the URL, `?view=`): the code (the draft's files by group, Monaco
 * tabs, Ctrl/Cmd+S saves with If-Match, a conflict view on a stale save, the plan's problems),
 * the manifest form, a dry run on a document, and the history with diffs, revert and restore.
 * Viewers read only.
 */
import { useQuery } from '@tanstack/react-query';
import { ArrowLeft, Save } from 'lucide-react';
import { lazy, Suspense, useCallback, useEffect, useState, type KeyboardEvent } from 'react';
import { Link, useBlocker, useParams, useSearchParams } from 'react-router';

import { errorMessage } from '@/api/errors';
import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { PageHeader } from '@/components/PageHeader';
import { LoadingState, PageState } from '@/components/PageState';
import { Tabs } from '@/components/Tabs';
import { useToast } from '@/components/Toast';
import { draftFilesQuery, draftPlanQuery, editorConfigQuery } from '@/features/config-editor/api/drafts';
import type { Reveal } from '@/features/config-editor/components/CodeEditor';
import editorStyles from '@/features/config-editor/components/ConfigEditor.module.css';
import { ConflictPanel } from '@/features/config-editor/components/ConflictPanel';
import { DryRunView } from '@/features/config-editor/components/dry-run/DryRunView';
import { EditorTabs } from '@/features/config-editor/components/EditorTabs';
import { FileNameDialog } from '@/features/config-editor/components/FileNameDialog';
import { FileTree } from '@/features/config-editor/components/FileTree';
import { HistoryView } from '@/features/config-editor/components/history/HistoryView';
import { PublishAction } from '@/features/config-editor/components/history/PublishAction';
import { AddColumnDialog } from '@/features/config-editor/components/manifest/AddColumnDialog';
import { ManifestView, type ManifestEdit } from '@/features/config-editor/components/manifest/ManifestView';
import { ProblemsPanel } from '@/features/config-editor/components/ProblemsPanel';
import { useConfigEditor } from '@/features/config-editor/hooks/useConfigEditor';
import { activeFile, isDirty } from '@/features/config-editor/state/editorState';
import { permissions } from '@/lib/permissions';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

const CodeEditor = lazy(() => import('@/features/config-editor/components/CodeEditor'));

type FileDialog = { kind: 'create' } | { kind: 'add-column' } | { kind: 'rename'; path: string } | { kind: 'delete'; path: string } | null;

const VIEWS = ['code', 'manifest', 'dry-run', 'history'] as const;
type View = (typeof VIEWS)[number];

function isView(value: string | null): value is View {
  return VIEWS.some((view) => view === value);
}

export default function ConfigEditorPage() {
  const workspace = useCurrentWorkspace();
  const { configId = '' } = useParams();
  const canEdit = permissions(workspace.role).edit;
  const notify = useToast();
  const onError = useCallback(
    (error: unknown) => notify({ title: 'That did not work', description: errorMessage(error), tone: 'error' }),
    [notify],
  );
  const editor = useConfigEditor(workspace.id, configId, onError);
  const config = useQuery(editorConfigQuery(workspace.id, configId));
  const files = useQuery(draftFilesQuery(workspace.id, configId));
  const plan = useQuery({ ...draftPlanQuery(workspace.id, configId), enabled: canEdit });
  const [searchParams, setSearchParams] = useSearchParams();
  const viewParam = searchParams.get('view');
  const view: View = isView(viewParam) ? viewParam : 'code';
  const [reveal, setReveal] = useState<Reveal | null>(null);
  const [dialog, setDialog] = useState<FileDialog>(null);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  // The manifest form's unsaved edits: kept here so they outlive a switch to another view.
  const manifestEdit = useState<ManifestEdit | null>(null);
  useDocumentTitle(config.data ? `Edit ${config.data.title}` : 'Config editor', workspace.name);

  const unsavedNames = [...editor.dirty, ...(manifestEdit[0] ? ['the manifest form'] : [])];
  const unsaved = unsavedNames.length > 0;
  const blocker = useBlocker(({ currentLocation, nextLocation }) => unsaved && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!unsaved) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);

  const { state } = editor;
  const current = activeFile(state);
  const paths = files.data?.map((f) => f.path) ?? [];
  const problems = plan.data?.problems ?? [];

  function jump(file: string, line: number) {
    void editor.open(file).then(() => setReveal((prev) => ({ path: file, line, seq: (prev?.seq ?? 0) + 1 })));
  }

  function setView(next: string) {
    setSearchParams(
      (prev) => {
        const params = new URLSearchParams(prev);
        if (next === 'code') params.delete('view');
        else params.set('view', next);
        return params;
      },
      { replace: true },
    );
  }

  function onKeyDown(event: KeyboardEvent) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      if (canEdit) editor.save();
    }
  }

  return (
    <>
      <PageHeader
        breadcrumb={
          <Link to={`/w/${workspace.id}/configs`}>
            <ArrowLeft size={12} aria-hidden /> Configs
          </Link>
        }
        title={config.data ? config.data.title : 'Config editor'}
        description={
          canEdit ? 'Editing the draft. Ctrl+S (⌘S) saves the open file.' : 'You can read this draft; editors change it.'
        }
        actions={
          <>
            {!canEdit && <Badge tone="info">Read only</Badge>}
            {canEdit && (
              <PublishAction workspaceId={workspace.id} configId={configId} unsaved={unsaved} />
            )}
            {canEdit && view === 'code' && (
              <Button
                variant="primary"
                onClick={editor.save}
                disabled={!current || !isDirty(current) || current.conflict !== null}
                loading={editor.saving !== null && editor.saving === current?.path}
              >
                <Save size={14} aria-hidden /> Save
              </Button>
            )}
          </>
        }
      />
      <Tabs
        label="Editor views"
        value={view}
        onValueChange={setView}
        items={[
          {
            value: 'code',
            label: 'Code',
            content: (
              <PageState query={files} loadingLabel="Loading the draft's files">
                {() => (
                  <div className={editorStyles.layout} onKeyDown={onKeyDown}>
                    <FileTree
                      paths={paths}
                      active={state.active}
                      dirty={editor.dirty}
                      canEdit={canEdit}
                      onOpen={(path) => void editor.open(path)}
                      onCreate={() => setDialog({ kind: 'create' })}
                      onAddColumn={() => setDialog({ kind: 'add-column' })}
                      onRename={(path) => setDialog({ kind: 'rename', path })}
                      onDelete={(path) => setDialog({ kind: 'delete', path })}
                    />
                    <div className={editorStyles.main}>
                      <EditorTabs
                        tabs={state.tabs}
                        active={state.active}
                        dirty={editor.dirty}
                        onActivate={(path) => editor.dispatch({ type: 'activated', path })}
                        onClose={(path) => editor.dispatch({ type: 'closed', path })}
                      />
                      <div className={editorStyles.editorArea}>
                        {current ? (
                          <Suspense fallback={<LoadingState label="Loading the editor" />}>
                            <CodeEditor
                              path={current.path}
                              text={current.text}
                              revision={current.revision}
                              readOnly={!canEdit}
                              problems={problems}
                              reveal={reveal}
                              onChange={(path, text) => editor.dispatch({ type: 'edited', path, text })}
                              onSave={editor.save}
                            />
                          </Suspense>
                        ) : (
                          <p className={editorStyles.empty}>Open a file from the list.</p>
                        )}
                        {current?.conflict && (
                          <ConflictPanel
                            path={current.path}
                            theirs={current.conflict.text}
                            mine={current.text}
                            saving={editor.saving === current.path}
                            onKeepMine={() => editor.keepMine(current.path)}
                            onTakeTheirs={() => editor.takeTheirs(current.path)}
                          />
                        )}
                      </div>
                    </div>
                    {canEdit && (
                      <ProblemsPanel plan={plan.data} pending={plan.isFetching} error={plan.error} onJump={jump} />
                    )}
                  </div>
                )}
              </PageState>
            ),
          },
          {
            value: 'manifest',
            label: 'Manifest',
            content: (
              <ManifestView
                workspaceId={workspace.id}
                configId={configId}
                canEdit={canEdit}
                onSaved={() => void editor.reload(['manifest.json'])}
                edit={manifestEdit}
              />
            ),
          },
          {
            value: 'dry-run',
            label: 'Dry run',
            content: (
              <DryRunView
                workspaceId={workspace.id}
                configId={configId}
                canEdit={canEdit}
                unsaved={unsaved}
                onJump={(file, line) => {
                  setView('code');
                  jump(file, line);
                }}
              />
            ),
          },
          {
            value: 'history',
            label: 'History',
            content: (
              <HistoryView
                workspaceId={workspace.id}
                configId={configId}
                canEdit={canEdit}
                unsaved={unsaved}
                onDraftReplaced={() => void editor.reload()}
              />
            ),
          },
        ]}
      />
      {dialog?.kind === 'create' && (
        <FileNameDialog
          title="New file"
          submitLabel="Create file"
          initial="columns/"
          existing={paths}
          onSubmit={editor.create}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'add-column' && (
        <AddColumnDialog
          workspaceId={workspace.id}
          configId={configId}
          onAdded={(path) => {
            setDialog(null);
            void editor.open(path);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'rename' && (
        <FileNameDialog
          title={`Rename ${dialog.path}`}
          submitLabel="Rename"
          initial={dialog.path}
          existing={paths}
          onSubmit={(to) => editor.rename(dialog.path, to)}
          onClose={() => setDialog(null)}
        />
      )}
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => {
          if (!open) {
            setDialog(null);
            setDeleteError(null);
          }
        }}
        title={dialog?.kind === 'delete' ? `Delete ${dialog.path}?` : 'Delete file?'}
        description="The file leaves the draft. Published versions keep their copy."
        confirmLabel="Delete file"
        destructive
        error={deleteError}
        onConfirm={() => {
          if (dialog?.kind !== 'delete') return;
          editor.remove(dialog.path).then(
            () => setDialog(null),
            (error: unknown) => setDeleteError(error),
          );
        }}
      />
      <ConfirmDialog
        open={blocker.state === 'blocked'}
        onOpenChange={(open) => !open && blocker.reset?.()}
        title="Leave with unsaved changes?"
        description={`Unsaved: ${unsavedNames.join(', ')}. Leaving discards them.`}
        confirmLabel="Leave without saving"
        destructive
        onConfirm={() => blocker.proceed?.()}
      />
    </>
  );
}
