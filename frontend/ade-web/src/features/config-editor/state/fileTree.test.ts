import { displayName, groupFiles, groupOf, languageOf, pathProblem } from './fileTree';

describe('groupFiles', () => {
  it('groups a package the way authors think, Startup first', () => {
    const groups = groupFiles([
      'columns/email.py',
      'requirements.txt',
      'README.md',
      'hooks/after_mapping.py',
      'manifest.json',
      'row_types/note.py',
      'sample_roster.txt',
      'columns/age.py',
    ]);
    expect(groups.map((g) => [g.label, g.paths])).toEqual([
      ['Startup', ['manifest.json', 'requirements.txt']],
      ['Columns', ['columns/age.py', 'columns/email.py']],
      ['Row types', ['row_types/note.py']],
      ['Hooks', ['hooks/after_mapping.py']],
      ['Samples', ['sample_roster.txt']],
      ['Other', ['README.md']],
    ]);
  });

  it('names files without their group folder and picks a language', () => {
    expect(displayName('columns/email.py')).toBe('email.py');
    expect(displayName('manifest.json')).toBe('manifest.json');
    expect(groupOf('notes.txt')).toBe('other');
    expect(languageOf('columns/a.py')).toBe('python');
    expect(languageOf('manifest.json')).toBe('json');
    expect(languageOf('README.md')).toBe('markdown');
    expect(languageOf('requirements.txt')).toBe('plaintext');
  });

  it('checks a new path before the server does', () => {
    expect(pathProblem('columns/phone.py', [])).toBeNull();
    expect(pathProblem('', [])).toMatch(/Enter/);
    expect(pathProblem('../x.py', [])).toMatch(/columns/);
    expect(pathProblem('lib/x.py', [])).toMatch(/columns/);
    expect(pathProblem('x.exe', [])).toMatch(/\.py/);
    expect(pathProblem('columns/a.py', ['columns/a.py'])).toMatch(/exists/);
  });
});
