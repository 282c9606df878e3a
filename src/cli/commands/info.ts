// `berth info`: the machine and the engine, laid out as `docker info` does
// (a Client and a Server section, security options one per line with their
// settings below), or through --format: `json` / `{{json .}}` prints
// Docker's Info object, `{{.CgroupVersion}}` one field of it.
import { binarySize, SERVER_VERSION, type SystemInfo } from '../../engine/index.js';
import type { Cli } from '../program.js';
import { formatTemplate } from '../output.js';

/** "name=seccomp,profile=builtin" -> "  seccomp" and "   Profile: builtin", as Docker prints its SecurityOptions. */
function securityLines(options: readonly string[]): string[] {
  return options.flatMap((option) => {
    const fields = new Map(option.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const settings = [...fields].filter(([key]) => key !== 'name');
    return [`  ${fields.get('name') ?? option}`, ...settings.map(([key, value]) => `   ${key[0]!.toUpperCase()}${key.slice(1)}: ${value}`)];
  });
}

/** The text `docker info` prints, for berth's Info. */
export function infoText(info: SystemInfo): string {
  return [
    'Client:',
    ` Version:    ${SERVER_VERSION}`,
    ' Context:    default',
    ' Debug Mode: false',
    '',
    'Server:',
    ` Containers: ${info.Containers}`,
    `  Running: ${info.ContainersRunning}`,
    `  Paused: ${info.ContainersPaused}`,
    `  Stopped: ${info.ContainersStopped}`,
    ` Images: ${info.Images}`,
    ` Server Version: ${info.ServerVersion}`,
    ` Storage Driver: ${info.Driver}`,
    ` Logging Driver: ${info.LoggingDriver}`,
    ` Cgroup Driver: ${info.CgroupDriver}`,
    ` Cgroup Version: ${info.CgroupVersion}`,
    ` Runtimes: ${Object.keys(info.Runtimes).join(' ')}`,
    ` Default Runtime: ${info.DefaultRuntime}`,
    ' Security Options:',
    ...securityLines(info.SecurityOptions),
    ` Kernel Version: ${info.KernelVersion}`,
    ` Operating System: ${info.OperatingSystem}`,
    ` OSType: ${info.OSType}`,
    ` Architecture: ${info.Architecture}`,
    ` CPUs: ${info.NCPU}`,
    ` Total Memory: ${binarySize(info.MemTotal)}`,
    ` Name: ${info.Name}`,
    ` Docker Root Dir: ${info.DockerRootDir}`,
  ].join('\n');
}

export function registerInfoCommands(cli: Cli): void {
  cli.program
    .command('info')
    .description('Display system-wide information')
    .option('-f, --format <template>', "format the output using a Go-style template ('{{.CgroupVersion}}'), or json")
    .action(async (flags: { format?: string }) => {
      const info = await (await cli.engine()).info();
      if (flags.format === undefined) console.log(infoText(info));
      else if (flags.format === 'json') console.log(JSON.stringify(info));
      else console.log(formatTemplate(flags.format, info));
    });
}
