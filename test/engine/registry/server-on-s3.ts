// The registry server's tests (test/engine/registry/server/*), run once more
// with every registry they serve on S3: Swift with s3api is started here,
// and each compiled test file runs as a child with BERTH_TEST_REGISTRY_STORAGE
// set (serveRegistry then gives each registry a fresh prefix of one bucket).
// One test per file: it passes when the file's run does.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSwiftForTest, swiftMissing } from '../../_swift.js';
import { tempDir } from '../../_helpers.js';
import { REGISTRY_STORAGE_ENV } from './_registry.js';

const BUCKET = 'berth-server-tests';
const serverTests = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server');
const files = fs.readdirSync(serverTests).filter((name) => name.endsWith('.js') && !name.startsWith('_')).sort();

const test = suite('the registry server tests on S3 (Swift s3api)');
const dir = tempDir('swift-');
const { swift, reason } = await startSwiftForTest(dir, BUCKET);

/** Runs one compiled test file with `env`; its exit code and everything it printed. */
function runFile(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

if (!swift) {
  swiftMissing(test, reason!, 'the server tests on S3');
} else {
  const server = swift;
  const env = {
    ...process.env,
    [REGISTRY_STORAGE_ENV]: `s3://${BUCKET}/run-${path.basename(dir)}?endpoint=${encodeURIComponent(server.endpoint)}&region=${server.region}`,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    // Credentials come from the two above; never from a cloud's metadata service.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const name of files) {
    test(`server/${name.replace(/\.js$/, '')} passes with its registries on S3`, async () => {
      const { code, output } = await runFile(path.join(serverTests, name), env);
      const totals = /Total:\s+(\d+)[\s\S]*?Passed:\s+(\d+)[\s\S]*?Skipped:\s+(\d+)/.exec(output);
      console.log(`server/${name}: ${totals ? `${totals[2]} of ${totals[1]} passed, ${totals[3]} skipped` : 'no totals'} (exit ${code})`);
      if (code !== 0) assert.unreachable(`server/${name} on S3 exited ${code}:\n${output.slice(-6000)}`);
    });
  }
}
test.after(async () => {
  await swift?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
test.run();
