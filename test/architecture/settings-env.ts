// Settings are read in one place: src/engine/settings.ts is the only engine
// module that reads process.env, besides the few spots below that hand the
// system's environment on (PATH and the like), which read no setting.  And no
// engine module reads a BERTH_* variable through any environment object (an
// `env = process.env` parameter was how settings hid before).  The check is
// on the syntax tree: `process.env`, `process['env']`, `const { env } = process`.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';
import { sourceFiles } from './_sources.js';

const ENGINE = path.join(PACKAGE_ROOT, 'src', 'engine');

/** Where src/engine may read process.env, and why (paths relative to src/engine). */
const ALLOWED: Record<string, string> = {
  'settings.ts': 'the resolver itself, and childEnv: the environment of the processes berth starts',
  'storage/driver-problem.ts': 'looks mkfs.btrfs and btrfs up on the PATH',
  'hub/debootstrap.ts': 'debootstrap runs with this PATH (plus sbin) and its own locale',
  'registry/storage/s3-url.ts': 'an s3:// URL without region= takes AWS_REGION / AWS_DEFAULT_REGION, as the AWS tools do (credentials come from the SDK\'s own chain)',
  'containers/create.ts': '`-e NAME` takes NAME\'s value from the caller\'s environment, as the docker client does',
};

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

/** Reads of process.env, and BERTH_* property reads on any object, in one source text. */
export function envReads(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Finding[] = [];
  const at = (node: ts.Node, what: string) => found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, what });
  const isProcess = (node: ts.Node) => ts.isIdentifier(node) && node.text === 'process';
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === 'env') at(node, 'process.env');
    else if (ts.isElementAccessExpression(node) && isProcess(node.expression) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === 'env') at(node, "process['env']");
    else if (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name)
      && node.name.elements.some((e) => (e.propertyName ?? e.name).getText(source) === 'env')) at(node, 'const { env } = process');
    if (ts.isPropertyAccessExpression(node) && node.name.text.startsWith('BERTH_')) at(node, `.${node.name.text}`);
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text.startsWith('BERTH_')) at(node, `['${node.argumentExpression.text}']`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const test = suite('architecture: settings come from settings.ts');

test('the checker finds each way of reading the environment (so the next test can fail)', () => {
  const text = [
    'const a = process.env.BERTH_ROOT;',
    "const b = process['env'];",
    'const { env } = process;',
    'function f(e = {} as NodeJS.ProcessEnv) { return e.BERTH_BRIDGE; }',
    "const c = options.env['BERTH_INDEX'];",
    'const d = options.environment; // process.env in a comment is no read',
  ].join('\n');
  assert.equal(envReads('fixture.ts', text).map((f) => [f.line, f.what]), [
    [1, '.BERTH_ROOT'], [1, 'process.env'], [2, "process['env']"], [3, 'const { env } = process'], [4, '.BERTH_BRIDGE'], [5, "['BERTH_INDEX']"],
  ]);
});

test('no engine module reads process.env but settings.ts and the named pass-through spots; none reads a BERTH_* variable', () => {
  const findings = sourceFiles(ENGINE).flatMap((file) => envReads(path.relative(ENGINE, file), fs.readFileSync(file, 'utf8')));
  const stray = findings.filter((f) => f.file !== 'settings.ts' && (f.what.includes('BERTH_') || !(f.file in ALLOWED)));
  assert.equal(stray.map((f) => `src/engine/${f.file}:${f.line}: ${f.what}`), [], 'read the value from the engine\'s Settings (ctx.settings) instead; a new pass-through of the system\'s environment goes in ALLOWED with its reason');
  // each allowance is still used: a stale one would let a setting back in unnoticed
  for (const file of Object.keys(ALLOWED)) assert.ok(findings.some((f) => f.file === file && f.what.startsWith('process')), `ALLOWED lists ${file}, which no longer reads process.env: remove it`);
});

test.run();
