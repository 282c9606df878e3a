// The lesson files lint clean, and each kind of mistake in the fixtures is
// caught with a message naming the file, the step and the problem.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKAGE_ROOT } from '../../src/engine/sys.js';
import { lessonFiles, loadLessons } from '../../src/lessons/loader.js';
import { formatProblem } from '../../src/lessons/types.js';
import { parseLesson } from '../../src/lessons/parse.js';
import { prepare } from '../../src/lessons/command-line.js';
import { berth } from '../_berth.js';

const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'lessons');
const fixture = (name: string) => path.join(FIXTURES, name);

const lint = suite('lesson lint');

lint('every lesson in lessons/ parses and lints clean', () => {
  const loaded = loadLessons(lessonFiles());
  assert.ok(loaded.length >= 6, `found ${loaded.length} lessons`);
  const problems = loaded.flatMap((l) => l.problems).map((p) => formatProblem(p));
  assert.equal(problems, []);
  for (const { lesson } of loaded) for (const step of lesson.steps) assert.ok(step.commands.length && step.checks.length && step.hints.length && step.underTheHood, `${lesson.id}: ${step.title}`);
});

lint('berth lesson lint exits 0 on lessons/ and names each file', async () => {
  const result = await berth(['lesson', 'lint']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /01-whats-a-container\.md: ok \(5 steps\)/);
});

lint('the fixtures: each mistake is reported with file, step and problem', () => {
  const files = fs.readdirSync(FIXTURES).sort().map(fixture);
  const messages = loadLessons(files).flatMap((l) => l.problems).map((p) => formatProblem(p, FIXTURES));
  const has = (pattern: RegExp) => assert.ok(messages.some((m) => pattern.test(m)), `no message matches ${pattern}:\n${messages.join('\n')}`);
  has(/^01-no-front-matter\.md:1: error: no front matter/);
  has(/^02-unknown-check\.md:\d+: error in step "Looks at a thing that does not exist": unknown check kind "container-is-happy"/);
  has(/^03-missing-command\.md:\d+: error in step "No command block": no ```command block/);
  has(/^04-duplicate-id\.md:1: error: duplicate id "unknown-check": 02-unknown-check\.md has it too/);
  has(/^05-bad-arguments\.md:1: error: requires "teleport", which is not a capability/);
  has(/^05-bad-arguments\.md:\d+: error in step "Wrong fields": check "container": field "status" should be one of/);
  has(/^05-bad-arguments\.md:\d+: error in step "Wrong fields": check "container": unknown field "colour"/);
  has(/^05-bad-arguments\.md:\d+: error in step "Wrong fields": check "image": needs the field "name"/);
  has(/^05-bad-arguments\.md:\d+: error in step "Wrong fields": check "image": field "lacks" should be an absolute path/);
  has(/^05-bad-arguments\.md:\d+: error in step "Wrong fields": command "berth ps \| grep busybox": the lab runs one command at a time/);
  has(/^05-bad-arguments\.md:\d+: error in step "Broken YAML and no check": the check is not valid YAML/);
  has(/^05-bad-arguments\.md:\d+: error in step "Broken YAML and no check": command "ls \/": the lab runs berth commands/);
});

lint('berth lesson lint FILE exits 1 and prints the problems', async () => {
  const result = await berth(['lesson', 'lint', fixture('02-unknown-check.md'), fixture('03-missing-command.md')]);
  assert.is(result.code, 1);
  assert.match(result.stdout, /02-unknown-check\.md:\d+: error in step "Looks at a thing that does not exist": unknown check kind/);
  assert.match(result.stdout, /2 errors in 2 of 2 lessons/);
});

lint('a check block may list one kind twice', () => {
  const text = '---\nid: twice\ntitle: T\nduration: 1 min\n---\n\n## Step: S\n\n```command\nberth ps\n```\n\n```check\n- container: {name: a}\n- container: {name: b}\n```\n';
  const { lesson, problems } = parseLesson(text, '/x/twice.md');
  assert.equal(problems, []);
  assert.equal(lesson.steps[0]!.checks.map((c) => c.kind), ['container', 'container']);
});

const line = suite('typed lines');

line('docker becomes berth, run gets the lesson label, attach and run -it are interactive', () => {
  const docker = prepare('docker run -d busybox sleep 1', 'l1');
  assert.ok(!('error' in docker));
  if ('error' in docker) return;
  assert.is(docker.translated, true);
  assert.equal(docker.argv, ['run', '--label', 'berth.lesson=l1', '-d', 'busybox', 'sleep', '1']);
  assert.is(docker.interactive, false);
  const it = prepare('berth run -it --name x busybox sh');
  assert.ok(!('error' in it) && it.interactive);
  const ls = prepare('berth run busybox ls -t');
  assert.ok(!('error' in ls) && !ls.interactive);
  const dit = prepare('berth run -dit busybox sh');
  assert.ok(!('error' in dit) && !dit.interactive);
  const attach = prepare('berth attach web');
  assert.ok(!('error' in attach) && attach.interactive);
  const quoted = prepare(`berth run busybox sh -c 'echo "a b" > /x'`);
  assert.ok(!('error' in quoted));
  if (!('error' in quoted)) assert.equal(quoted.argv.slice(-3), ['sh', '-c', 'echo "a b" > /x']);
  assert.match((prepare('rm -rf /') as { error: string }).error, /runs berth commands/);
  assert.match((prepare("berth run busybox echo 'open") as { error: string }).error, /never closed/);
});

lint.run();
line.run();
