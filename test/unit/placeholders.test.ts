import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CommandSyntaxError, expandPlaceholders, parseCustomCommand, splitCommandLine, unknownPlaceholders, type PlaceholderValues } from '../../src/core/placeholders';

const values: PlaceholderValues = {
  file: '/a b/app.py',
  fileDirname: '/a b',
  fileBasename: 'app.py',
  fileBasenameNoExtension: 'app',
  port: '9000',
  host: '127.0.0.1',
  workspaceFolder: '/ws',
  python: '/usr/bin/python3',
};

describe('splitCommandLine', () => {
  it('splits on whitespace, honours quotes and escapes', () => {
    assert.deepEqual(splitCommandLine(`a  'b c' "d \\"e\\"" f\\ g ""`), ['a', 'b c', 'd "e"', 'f g', '']);
  });
  it('does not interpret shell syntax', () => {
    assert.deepEqual(splitCommandLine('echo $HOME; rm -rf / | cat'), ['echo', '$HOME;', 'rm', '-rf', '/', '|', 'cat']);
  });
  it('rejects an unclosed quote', () => {
    assert.throws(() => splitCommandLine('a "b'), CommandSyntaxError);
  });
});

describe('placeholders', () => {
  it('expands every known placeholder', () => {
    assert.equal(
      expandPlaceholders('${python} ${file} ${fileDirname} ${fileBasename} ${fileBasenameNoExtension} ${host}:${port} ${workspaceFolder}', values),
      '/usr/bin/python3 /a b/app.py /a b app.py app 127.0.0.1:9000 /ws',
    );
  });
  it('lists unknown ones and refuses to expand them', () => {
    assert.deepEqual(unknownPlaceholders('${file} ${nope} ${env:HOME}'), ['nope', 'env:HOME']);
    assert.throws(() => expandPlaceholders('${nope}', values), /Unknown placeholder \$\{nope\}/);
  });
  it('splits before expanding, so values with spaces stay one argument', () => {
    assert.deepEqual(parseCustomCommand('${python} ${file} --port=${port}', values), ['/usr/bin/python3', '/a b/app.py', '--port=9000']);
    assert.deepEqual(parseCustomCommand(['run', '${file}'], values), ['run', '/a b/app.py']);
  });
  it('rejects an empty command', () => {
    assert.throws(() => parseCustomCommand('  ', values), /empty/);
  });
});
