import {
  applyMergePatch,
  buildPatch,
  columnsOf,
  formFromManifest,
  moveColumn,
  ordinals,
  placeProblems,
  pointerOf,
  splitSynonyms,
} from './manifestForm';

const manifest = {
  schema: 'ade.manifest/v1',
  title: 'Roster',
  engine: { min_score: 0.6, unmapped_columns: 'append', incomplete_tables: 'write' },
  columns: [
    { field: 'email', label: 'Email', path: 'columns/email.py', ordinal: 5, required: true, enabled: true, synonyms: ['e-mail'] },
    { field: 'member_id', label: 'Member ID', path: 'columns/member_id.py', ordinal: 2, required: false, enabled: true, synonyms: [], description: 'kept' },
    { field: 'name', label: 'Name', path: 'columns/name.py', ordinal: 9, required: false, enabled: false, synonyms: ['full name', 'nom'] },
  ],
  row_types: [],
  hooks: { run_start: [], after_mapping: ['hooks/after.py'], before_save: [], run_end: [] },
};

describe('formFromManifest', () => {
  it('lists columns in ordinal order with synonyms as a comma list', () => {
    const form = formFromManifest(manifest);
    expect(form.columns.map((c) => c.field)).toEqual(['member_id', 'email', 'name']);
    expect(form.columns[2]).toMatchObject({ label: 'Name', synonyms: 'full name, nom', required: false, enabled: false });
    expect(form.engine.numbers.min_score).toBe('0.6');
    expect(form.engine.numbers.sample_size).toBe('');
    expect(form.engine.unmapped_columns).toBe('append');
    expect(form.engine.incomplete_tables).toBe('write');
    expect(form.hooks.after_mapping).toEqual(['hooks/after.py']);
  });

  it('reads a manifest missing optional parts', () => {
    const form = formFromManifest({ schema: 'ade.manifest/v1', columns: [{ field: 'a', label: 'A', path: 'columns/a.py', ordinal: 1 }] });
    expect(form.columns[0]).toMatchObject({ required: false, enabled: true, synonyms: '' });
    expect(form.hooks.run_start).toEqual([]);
    expect(buildPatch({ schema: 'ade.manifest/v1' }, formFromManifest({ schema: 'ade.manifest/v1' })).patch).toEqual({});
  });
});

describe('ordinals after a move', () => {
  it('keeps the ordinals while the order holds, renumbers 1..n after a drag', () => {
    const form = formFromManifest(manifest);
    expect(ordinals(form.columns)).toEqual([2, 5, 9]);
    const moved = moveColumn(form.columns, 2, 0);
    expect(moved.map((c) => c.field)).toEqual(['name', 'member_id', 'email']);
    expect(ordinals(moved)).toEqual([1, 2, 3]);
    expect(moveColumn(form.columns, 0, 3)).toBe(form.columns);
  });

  it('sends each entry back with the keys it had', () => {
    const form = formFromManifest(manifest);
    const [first] = columnsOf({ ...form, columns: moveColumn(form.columns, 0, 1) });
    expect(first).toEqual({ ...manifest.columns[0], ordinal: 1 });
    expect(Object.keys(columnsOf(form)[0] ?? {})).toEqual(Object.keys(manifest.columns[1] ?? {}));
  });
});

describe('buildPatch', () => {
  it('sends nothing when nothing changed', () => {
    const form = formFromManifest(manifest);
    const reordered = { ...manifest, columns: [manifest.columns[1], manifest.columns[0], manifest.columns[2]] };
    expect(buildPatch({ ...reordered, columns: columnsOf(form) }, form)).toEqual({ patch: {}, problems: {} });
  });

  it('sends changed engine keys, null for a cleared one, the whole columns array and changed stages', () => {
    const form = formFromManifest(manifest);
    form.engine.numbers.min_score = '0.75';
    form.engine.numbers.chunk_rows = '500';
    form.engine.unmapped_columns = '';
    form.engine.incomplete_tables = 'fail';
    form.columns = moveColumn(form.columns, 2, 0);
    form.columns[0] = { ...form.columns[0]!, synonyms: 'full name, nom, full name,  ', required: true };
    form.hooks.run_end = ['hooks/end.py'];
    const { patch, problems } = buildPatch(manifest, form);
    expect(problems).toEqual({});
    expect(patch.engine).toEqual({ min_score: 0.75, chunk_rows: 500, unmapped_columns: null, incomplete_tables: 'fail' });
    expect(patch.hooks).toEqual({ run_end: ['hooks/end.py'] });
    expect(patch.columns).toEqual([
      { ...manifest.columns[2], ordinal: 1, required: true, synonyms: ['full name', 'nom'] },
      { ...manifest.columns[1], ordinal: 2 },
      { ...manifest.columns[0], ordinal: 3 },
    ]);
    // The server's merge gives the manifest the form shows.
    const merged = applyMergePatch(manifest, patch);
    expect(merged).toMatchObject({ engine: { min_score: 0.75, chunk_rows: 500 }, hooks: { after_mapping: ['hooks/after.py'], run_end: ['hooks/end.py'] } });
    expect(formFromManifest(merged as Record<string, unknown>).columns.map((c) => c.field)).toEqual(['name', 'member_id', 'email']);
  });

  it('leaves range rules to the server but refuses text that is no number', () => {
    const form = formFromManifest(manifest);
    form.engine.numbers.min_score = '7';
    form.engine.numbers.sample_size = 'many';
    const { patch, problems } = buildPatch(manifest, form);
    expect(patch.engine).toEqual({ min_score: 7 });
    expect(Object.keys(problems)).toEqual(['/engine/sample_size']);
  });

  it('sends include_source only when it changes', () => {
    const form = formFromManifest(manifest);
    expect(buildPatch(manifest, form).patch).toEqual({});
    form.engine.include_source = true;
    expect(buildPatch(manifest, form).patch).toEqual({ engine: { include_source: true } });
  });
});

describe('placing the API problems on inputs', () => {
  const form = formFromManifest(manifest);

  it('turns a loc into a JSON pointer', () => {
    expect(pointerOf(['manifest', 'columns', 2, 'synonyms'])).toBe('/columns/2/synonyms');
    expect(pointerOf(['body', 'engine'])).toBe('/engine');
    expect(pointerOf(['manifest'])).toBe('');
  });

  it('puts each message on the exact input, else on its row or group, else apart', () => {
    const placed = placeProblems(
      [
        { loc: ['manifest', 'columns', 2, 'synonyms'], msg: 'must be a list of strings' },
        { loc: ['manifest', 'engine', 'min_score'], msg: 'must be a number >= 0' },
        { loc: ['manifest', 'columns', 1, 'path'], msg: 'file not found' },
        { loc: ['manifest', 'columns', 1, 'label'], msg: 'must be a non-empty string' },
        { loc: ['manifest', 'hooks', 'after_mapping', 0], msg: 'file not found' },
        { loc: ['manifest', 'hooks', 'on_tuesday'], msg: 'unknown stage' },
        { loc: ['manifest', 'columns'], msg: 'at least one column must be enabled' },
        { loc: ['manifest', 'row_types', 0, 'path'], msg: 'file not found' },
        { loc: ['manifest'], msg: 'the manifest must be a JSON object' },
      ],
      form,
    );
    expect(placed.at).toEqual({
      '/columns/2/synonyms': ['must be a list of strings'],
      '/engine/min_score': ['must be a number >= 0'],
      '/columns/1': ['path: file not found'],
      '/columns/1/label': ['must be a non-empty string'],
      '/hooks/after_mapping/0': ['file not found'],
      '/hooks': ['on_tuesday: unknown stage'],
      '/columns': ['at least one column must be enabled'],
    });
    expect(placed.rest).toEqual(['row_types.0.path: file not found', 'the manifest must be a JSON object']);
  });
});

it('splits a comma list of synonyms, once each', () => {
  expect(splitSynonyms(' e-mail, mail ,, e-mail ')).toEqual(['e-mail', 'mail']);
});
