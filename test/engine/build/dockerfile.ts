// Parsing Dockerfiles (dockerfile-ast underneath), expanding words, glob
// sources and .dockerignore rules: no containers needed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDockerfile } from '../../../src/engine/build/dockerfile.js';
import { expandPairs, expandWord, expandWords } from '../../../src/engine/build/words.js';
import { contextPath, globRegExp } from '../../../src/engine/build/copy.js';
import { dockerignoreRules } from '../../../src/engine/build/dockerignore.js';

const parse = suite('dockerfile: parse');

parse('stages, names, global ARGs, continuations, comments and directives', () => {
  const file = parseDockerfile([
    '# syntax=docker/dockerfile:1',
    '# escape=`',
    'ARG BASE=busybox',
    'FROM ${BASE} AS Build',
    'RUN echo a `',
    '# a comment inside the continuation',
    '    && echo b',
    'COPY --from=build --chown=1:2 a b /dst/',
    'from build',
    'RUN <<EOT',
    'echo heredoc',
    'EOT',
  ].join('\n'), 'Dockerfile');
  assert.is(file.escape, '`');
  assert.equal(file.globalArgs.map((a) => a.args), ['BASE=busybox']);
  assert.is(file.stages.length, 2);
  assert.is(file.stages[0]!.name, 'build');
  assert.is(file.stages[0]!.instructions[0]!.args, 'echo a     && echo b');
  assert.is(file.stages[0]!.instructions[0]!.line, 5);
  assert.equal(file.stages[0]!.instructions[1]!.flags, { from: 'build', chown: '1:2' });
  assert.is(file.stages[0]!.instructions[1]!.args, 'a b /dst/');
  assert.is(file.stages[1]!.from.keyword, 'FROM');
  assert.is(file.stages[1]!.instructions[0]!.heredocs[0]!.content, 'echo heredoc\n');
});

parse('bad input names the file, the line and the instruction', () => {
  const cases: Array<[string, RegExp]> = [
    ['FROM busybox\nRUN true\nFOOBAR baz\n', /^app\.Dockerfile:3: unknown instruction: FOOBAR$/],
    ['FROM busybox\nRUN\n', /^app\.Dockerfile:2: RUN requires at least one argument$/],
    ['FROM busybox\nCOPY onlyone\n', /^app\.Dockerfile:2: COPY requires at least two arguments/],
    ['RUN true\nFROM busybox\n', /^app\.Dockerfile:1: RUN before the first FROM/],
    ['FROM busybox as\n', /^app\.Dockerfile:1: FROM requires either one or three arguments/],
    ['FROM busybox\nCOPY --frm=x a b\n', /^app\.Dockerfile:2: COPY: unknown flag: --frm/],
    ['FROM busybox\nSHELL /bin/bash -c\n', /^app\.Dockerfile:2: SHELL requires the arguments to be in JSON form/],
    ['FROM busybox\nONBUILD FROM x\n', /^app\.Dockerfile:2: FROM isn't allowed as an ONBUILD trigger/],
    ['# just a comment\n', /^app\.Dockerfile:1: no FROM instruction/],
    ['FROM busybox AS a\nFROM busybox AS a\n', /^app\.Dockerfile:2: FROM: duplicate stage name "a"/],
  ];
  for (const [text, pattern] of cases) {
    try {
      parseDockerfile(text, 'app.Dockerfile');
      assert.unreachable(`should fail: ${JSON.stringify(text)}`);
    } catch (error) {
      assert.match((error as Error).message, pattern);
    }
  }
});

parse.run();

const words = suite('dockerfile: words');

words('quotes, escapes and variable forms, as Docker expands them', () => {
  const vars = new Map([['A', 'x'], ['EMPTY', '']]);
  assert.is(expandWord('$A-${A}', vars), 'x-x');
  assert.is(expandWord("'$A' \"$A\" \\$A", vars), '$A x $A');
  assert.is(expandWord('${UNSET:-def} ${A:-def} ${EMPTY:-def} ${EMPTY-def}', vars), 'def x def ');
  assert.is(expandWord('${A:+alt} ${UNSET:+alt}', vars), 'alt ');
  assert.is(expandWord('`$A', vars, '`'), '$A');
  assert.equal(expandWords('a "b c" d\\ e', vars), ['a', 'b c', 'd e']);
  assert.equal(expandPairs('ENV', 'K=v K2="two words" K3=$A', vars), [['K', 'v'], ['K2', 'two words'], ['K3', 'x']]);
  assert.equal(expandPairs('ENV', 'OLD the rest $A', vars), [['OLD', 'the rest x']]);
  assert.throws(() => expandWord('"open', vars), /matching double-quote/);
});

words('sources: globs stay within one directory; paths out of the context are refused', () => {
  assert.ok(globRegExp('src/*.c').test('src/a.c'));
  assert.not.ok(globRegExp('src/*.c').test('src/sub/a.c'));
  assert.ok(globRegExp('file[0-9].txt').test('file3.txt'));
  assert.ok(globRegExp('?.md').test('a.md'));
  assert.is(contextPath('./a/../b/'), 'b');
  assert.is(contextPath('.'), '');
  assert.throws(() => contextPath('../secret'), /forbidden path outside the build context: \.\.\/secret/);
  assert.throws(() => contextPath('a/../../x'), /outside the build context/);
});

words('.dockerignore: Docker semantics (anchored, * within a directory, ! exceptions)', () => {
  const rules = dockerignoreRules('# comment\n*.log\n**/*.tmp\nbuild\n!build/keep.txt\n');
  assert.ok(rules.ignores('a.log'));
  assert.not.ok(rules.ignores('sub/a.log'));
  assert.ok(rules.ignores('sub/deep/x.tmp'));
  assert.ok(rules.ignores('build/out.o'));
  assert.not.ok(rules.ignores('build/keep.txt'));
  assert.ok(rules.hasExceptions);
});

words.run();
