// Boots the VM once with a job: QEMU under TCG (KVM does not work on these
// machines: the host module is kvm_pvm and `-cpu host` aborts), two CPUs,
// 4 GiB, no network, the serial console on stdout.  The root disk is opened
// as a snapshot (the cached image stays as built); the job disk is written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { vmImage } from './image.mjs';
import { jobExitCode, makeJobDisk } from './job-disk.mjs';

/** The QEMU command line for these parts. */
export function qemuArgs(image, jobDisk) {
  return [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '2', '-m', '4096',
    '-nographic', '-no-reboot', '-nic', 'none',
    '-kernel', image.kernel, '-initrd', image.initrd,
    // panic=-1: a kernel panic reboots, and -no-reboot turns that into an exit;
    // loglevel=3: only critical kernel messages on the console (not the OOM killer's reports, which are errors).
    '-append', 'console=ttyS0 panic=-1 quiet loglevel=3',
    '-drive', `file=${image.root},format=raw,if=virtio,snapshot=on`,
    '-drive', `file=${jobDisk},format=raw,if=virtio`,
  ];
}

/**
 * Runs `script` (sh, in the checkout, its bin/ on the PATH) in a
 * freshly booted VM.  Resolves { code, log, bootSeconds, jobSeconds }: code
 * is the job's exit code, or 124 when the VM did not finish in timeoutMs,
 * or 125 when the job never ran.  onOutput gets the console as it comes.
 */
export async function runInVm(script, { timeoutMs = 20 * 60 * 1000, onOutput = () => {} } = {}) {
  const image = await vmImage();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vm-run-'));
  try {
    const jobDisk = await makeJobDisk(dir, script);
    const started = Date.now();
    const qemu = $({ quiet: true, nothrow: true, timeout: timeoutMs, timeoutSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } })`qemu-system-x86_64 ${qemuArgs(image, jobDisk)}`;
    let log = '';
    let jobAt;
    // The serial console comes a few bytes at a time: taken line by line, so
    // SeaBIOS's screen-clearing escape sequences can be dropped whole.
    const takeLine = (line) => {
      const text = `${line.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r/g, '')}\n`;
      log += text;
      if (jobAt === undefined && text.startsWith('berth-vm: job started')) jobAt = Date.now();
      onOutput(text);
    };
    const lineReader = () => {
      let pending = '';
      const take = (chunk) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop();
        lines.forEach(takeLine);
      };
      take.flush = () => { if (pending) takeLine(pending); };
      return take;
    };
    const [out, err] = [lineReader(), lineReader()];
    qemu.stdout.on('data', out);
    qemu.stderr.on('data', err);
    const result = await qemu;
    out.flush();
    err.flush();
    const seconds = (ms) => Math.round(ms / 100) / 10;
    const timedOut = result.signal === 'SIGKILL';
    const written = await jobExitCode(jobDisk);
    const printed = /BERTH-VM-EXIT (\d+)/.exec(log)?.[1];
    const code = timedOut ? 124 : written ?? (printed === undefined ? 125 : Number(printed));
    return {
      code, log, timedOut,
      bootSeconds: jobAt === undefined ? undefined : seconds(jobAt - started),
      jobSeconds: jobAt === undefined ? undefined : seconds(Date.now() - jobAt),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
