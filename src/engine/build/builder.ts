// `build`: runs a Dockerfile's stages step by step, as Docker's classic
// builder does.  Each step makes an image from its parent (a new layer for
// RUN, COPY, ADD; only a new config for the rest), looked up first in the
// build cache.  Progress is reported as BuildEvents; the result is the last
// stage's (or --target's) image, tagged.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import type { EngineContext } from '../context.js';
import type { Image } from '../store/images.js';
import { BerthError, invalid, notFound } from '../errors.js';
import type { ContainerConfig } from '../store/oci.js';
import { normalizeReference } from '../store/reference.js';
import { createOwnedContainer } from '../containers/owner.js';
import { removeContainer } from '../containers/remove.js';
import { resolveInRoot } from '../containers/rootfs-path.js';
import { parseDockerfile, parseTrigger, instructionError, DockerfileError, type Instruction, type ParsedDockerfile } from './dockerfile.js';
import { readContext, sha256, type BuildContext } from './context.js';
import { BuildCache, stepKey } from './cache.js';
import { configImage, runStep, scratchImage, writeStep } from './steps.js';
import { BuildAborted, RunFailed } from './errors.js';
import { METADATA, commandForm, DEFAULT_SHELL } from './instructions.js';
import { contextSources, makeDir, placeSources, resolveChown, rootfsSources, sourcesHash, archiveKind, type CopySource, type SourceEntry } from './copy.js';
import { expandWord, expandWords, jsonArray, splitRaw } from './words.js';
import type { BuildEvent, BuildListener } from './events.js';

export type { BuildEvent, BuildListener } from './events.js';
export { RunFailed, BuildAborted } from './errors.js';
export { DockerfileError } from './dockerfile.js';

export interface BuildOptions {
  /** the build context directory */
  readonly context: string;
  /** the Dockerfile; default <context>/Dockerfile */
  readonly dockerfile?: string;
  /** -t: references for the result */
  readonly tags?: readonly string[];
  /** --build-arg K=V */
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly noCache?: boolean;
  /** --target: the stage to stop at (name or index) */
  readonly target?: string;
  /** network of RUN steps; default bridge */
  readonly network?: 'bridge' | 'host' | 'none';
  /** --label: set on the result */
  readonly labels?: Readonly<Record<string, string>>;
  /** Ctrl-C: stops the running step, removes its container */
  readonly signal?: AbortSignal;
  readonly onEvent?: BuildListener;
}

/**
 * What the builder takes from the engine: its context (stores, storage, lock)
 * and how a FROM or COPY --from image is found or pulled.  Not the Engine
 * itself: the Engine builds through the builder (`engine.build`, and a hub
 * recipe during a pull), so the builder depending on the Engine would be a
 * cycle; the Engine passes its own imageForRun in.
 */
export interface BuildEnvironment {
  readonly ctx: EngineContext;
  imageForRun(name: string, onProgress: (event: Extract<BuildEvent, { type: 'progress' }>['event']) => void): Promise<Image>;
}

export interface BuildResult {
  /** the image id, "sha256:..." */
  readonly id: string;
  readonly tags: readonly string[];
}

/** Build args Docker lets through without an ARG (and leaves out of the cache key and history). */
const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

interface StageState {
  /** the image so far (layers and history) */
  imageId: string;
  /** its run-time config, the truth for the next step */
  config: ContainerConfig;
  /** ARGs declared in this stage: value, or undefined when declared without one */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  /** MAINTAINER of this stage */
  author?: string;
}

export class Builder {
  private readonly ctx: EngineContext;
  private readonly cache: BuildCache;
  private readonly emit: BuildListener;
  private readonly usedArgs = new Set<string>();
  private readonly stageImages: string[] = [];
  private readonly stageNames = new Map<string, number>();
  private globalArgs = new Map<string, string | undefined>();
  private context!: BuildContext;
  private file!: ParsedDockerfile;
  private stepIndex = 0;
  private total = 0;

  constructor(private readonly env: BuildEnvironment, private readonly options: BuildOptions) {
    this.ctx = env.ctx;
    this.cache = new BuildCache(this.ctx.paths.root, this.ctx.lock);
    this.emit = options.onEvent ?? (() => undefined);
  }

  async build(): Promise<BuildResult> {
    try {
      return await this.buildAll();
    } catch (error) {
      if (this.options.signal?.aborted) throw new BuildAborted();
      throw error;
    }
  }

  private async buildAll(): Promise<BuildResult> {
    const dockerfile = this.options.dockerfile ?? path.join(this.options.context, 'Dockerfile');
    let text: string;
    try {
      text = fs.readFileSync(dockerfile, 'utf8');
    } catch {
      throw notFound(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path.resolve(dockerfile)}: no such file or directory`);
    }
    const shown = this.options.dockerfile ?? 'Dockerfile';
    this.file = parseDockerfile(text, shown);
    this.context = await readContext(this.options.context);
    this.emit({ type: 'context', bytes: this.context.size });

    const stages = this.stagesToBuild();
    this.total = this.file.globalArgs.length + stages.reduce((n, s) => n + 1 + s.instructions.length, 0) + (this.options.labels && Object.keys(this.options.labels).length ? 1 : 0);
    for (const arg of this.file.globalArgs) {
      this.step(arg);
      for (const [name, value] of this.declareArgs(arg, this.globalArgs, new Map())) this.globalArgs.set(name, value);
    }
    let state: StageState | undefined;
    for (const [index, stage] of stages.entries()) {
      state = await this.from(stage.from);
      for (const instruction of stage.instructions) {
        this.step(instruction);
        await this.dispatch(state, instruction);
      }
      this.stageImages[index] = state.imageId;
      if (stage.name) this.stageNames.set(stage.name, index);
    }
    if (this.options.labels && Object.keys(this.options.labels).length) {
      const args = Object.entries(this.options.labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
      const label: Instruction = { keyword: 'LABEL', line: 0, flags: {}, args, text: `LABEL ${args}`, heredocs: [] };
      this.step(label);
      await this.dispatch(state!, label);
    }
    const unused = Object.keys(this.options.buildArgs ?? {}).filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.includes(k));
    if (unused.length) this.emit({ type: 'warning', message: `[Warning] One or more build-args [${unused.join(' ')}] were not consumed` });
    return this.finish(state!.imageId);
  }

  private stagesToBuild() {
    const stages = this.file.stages;
    if (this.options.target === undefined) return stages;
    const target = this.options.target.toLowerCase();
    const at = stages.findIndex((s, i) => s.name === target || String(i) === target);
    if (at < 0) throw notFound(`failed to reach build target ${this.options.target} in Dockerfile`);
    return stages.slice(0, at + 1);
  }

  private async finish(imageId: string): Promise<BuildResult> {
    await this.cache.markFinal(imageId);
    const tags: string[] = [];
    for (const tag of this.options.tags ?? []) {
      await this.ctx.lock.with(() => this.ctx.images.tag(imageId, tag));
      tags.push(normalizeReference(tag));
    }
    this.emit({ type: 'built', id: imageId });
    for (const tag of tags) this.emit({ type: 'tagged', reference: tag });
    return { id: imageId, tags };
  }

  private step(instruction: Instruction): void {
    this.options.signal?.throwIfAborted();
    this.stepIndex += 1;
    this.emit({ type: 'step', index: this.stepIndex, total: this.total, text: instruction.text });
  }

  /** Errors of a step name the Dockerfile, the line and the instruction; a failed RUN keeps Docker's own words. */
  private fail(instruction: Instruction, error: unknown): never {
    if (error instanceof DockerfileError || error instanceof RunFailed || error instanceof BuildAborted) throw error;
    if (this.options.signal?.aborted) throw new BuildAborted();
    throw instructionError(this.file.file, instruction, error);
  }

  // ---- FROM and ARG --------------------------------------------------------

  private async from(instruction: Instruction): Promise<StageState> {
    this.step(instruction);
    try {
      const vars = this.definedVars(this.globalArgs);
      const name = expandWord(instruction.args.split(/\s+/)[0]!, vars, this.file.escape);
      if (name === '') throw invalid('base name should not be blank (is an ARG unset?)');
      let imageId: string;
      const stageIndex = this.stageNames.get(name.toLowerCase());
      if (stageIndex !== undefined) {
        imageId = this.stageImages[stageIndex]!;
      } else if (name === 'scratch') {
        imageId = (await scratchImage(this.ctx)).id;
        await this.cache.markIntermediate(imageId);
      } else {
        imageId = (await this.env.imageForRun(name, (event) => this.emit({ type: 'progress', event }))).id;
      }
      const config = structuredClone(this.ctx.images.imageConfig(imageId).config ?? {});
      const triggers = config.OnBuild ?? [];
      delete config.OnBuild;
      if (name !== 'scratch') this.emit({ type: 'image', id: imageId });
      const state: StageState = { imageId, config, args: new Map(), cmdSet: false };
      if (triggers.length) {
        this.emit({ type: 'triggers', count: triggers.length });
        for (const trigger of triggers) await this.dispatch(state, parseTrigger(trigger, this.file.file, instruction.line));
      }
      return state;
    } catch (error) {
      this.fail(instruction, error);
    }
  }

  /** An ARG's names and values: --build-arg wins, then the default, then (in a stage) the global one. */
  private declareArgs(instruction: Instruction, scope: Map<string, string | undefined>, env: Map<string, string>): Array<[string, string | undefined]> {
    const vars = new Map([...this.definedVars(scope), ...env]);
    return splitRaw(instruction.args, this.file.escape).map((word) => {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(this.file.file, instruction.line, `ARG: invalid name ${JSON.stringify(name)}`);
      const given = this.options.buildArgs?.[name];
      if (given !== undefined) this.usedArgs.add(name);
      const fallback = eq < 0 ? (scope === this.globalArgs ? undefined : this.globalArgs.get(name)) : expandWord(word.slice(eq + 1), vars, this.file.escape);
      return [name, given ?? fallback];
    });
  }

  private definedVars(args: Map<string, string | undefined>): Map<string, string> {
    return new Map([...args].filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** What ARG/ENV expansion sees: ARG values, then ENV (which wins). */
  private vars(state: StageState): Map<string, string> {
    const vars = this.definedVars(state.args);
    for (const entry of state.config.Env ?? []) {
      const eq = entry.indexOf('=');
      if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return vars;
  }

  // ---- one step ------------------------------------------------------------

  private async dispatch(state: StageState, instruction: Instruction): Promise<void> {
    try {
      switch (instruction.keyword) {
        case 'ARG': return await this.arg(state, instruction);
        case 'RUN': return await this.run(state, instruction);
        case 'COPY':
        case 'ADD': return await this.copy(state, instruction);
        case 'WORKDIR': return await this.workdir(state, instruction);
        case 'FROM': throw invalid('FROM cannot be used here');
        default: return await this.metadata(state, instruction);
      }
    } catch (error) {
      this.fail(instruction, error);
    }
  }

  /** A cached step's image if there is one (and --no-cache is off). */
  private cached(key: string): string | undefined {
    if (this.options.noCache) return undefined;
    const id = this.cache.lookup(key);
    if (!id || !this.ctx.images.find(id)) return undefined;
    return id;
  }

  /** Moves the stage on to `imageId` (made or cached) and prints " ---> <id>". */
  private async advance(state: StageState, key: string, imageId: string, config: ContainerConfig, made: boolean): Promise<void> {
    if (!made) this.emit({ type: 'cache-hit' });
    else await this.cache.record(key, imageId);
    state.imageId = imageId;
    state.config = config;
    this.emit({ type: 'image', id: imageId });
  }

  private async withCache(state: StageState, description: readonly string[], config: ContainerConfig, make: () => Promise<string>): Promise<void> {
    const key = stepKey(state.imageId, [...description, JSON.stringify(config)]);
    const hit = this.cached(key);
    if (hit) return this.advance(state, key, hit, config, false);
    return this.advance(state, key, await make(), config, true);
  }

  private async arg(state: StageState, instruction: Instruction): Promise<void> {
    const declared = this.declareArgs(instruction, state.args, this.vars(state));
    for (const [name, value] of declared) state.args.set(name, value);
    const description = `ARG ${declared.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(' ')}`;
    await this.metadataImage(state, description, state.config);
  }

  private async metadata(state: StageState, instruction: Instruction): Promise<void> {
    const handler = METADATA[instruction.keyword];
    if (!handler) throw invalid(`unsupported instruction ${instruction.keyword}`);
    const config = structuredClone(state.config);
    const result = handler({ instruction, config, vars: this.vars(state), escape: this.file.escape, cmdSet: state.cmdSet });
    if (result.setsCmd) state.cmdSet = true;
    if (result.author !== undefined) state.author = result.author;
    await this.metadataImage(state, result.description, config, result.author);
  }

  private async metadataImage(state: StageState, description: string, config: ContainerConfig, author?: string): Promise<void> {
    const createdBy = `/bin/sh -c #(nop)  ${description}`;
    await this.withCache(state, ['nop', createdBy, author ?? ''], config, async () => (await configImage(this.ctx, state.imageId, config, { created_by: createdBy }, author)).id);
  }

  private async run(state: StageState, instruction: Instruction): Promise<void> {
    const heredoc = instruction.heredocs[0];
    const script = heredoc && instruction.args.startsWith('<<') ? heredoc.content : instruction.args;
    const exec = heredoc ? undefined : jsonArray(instruction.args);
    const argv = exec ?? [...(state.config.Shell ?? DEFAULT_SHELL), script];
    if (argv.length === 0) throw invalid('RUN requires a command');
    // ARGs reach the command's environment (ENV of the same name wins) but not the image.
    const envKeys = new Set((state.config.Env ?? []).map((e) => e.split('=')[0]));
    const argEnv = [...this.definedVars(state.args)].filter(([k]) => !envKeys.has(k)).map(([k, v]) => `${k}=${v}`).sort();
    const proxyEnv = PROXY_ARGS.flatMap((k) => (this.options.buildArgs?.[k] !== undefined && !state.args.has(k) ? [`${k}=${this.options.buildArgs[k]}`] : []));
    if (proxyEnv.length) for (const k of PROXY_ARGS) if (this.options.buildArgs?.[k] !== undefined) this.usedArgs.add(k);
    const command = argv.join(' ');
    const createdBy = argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ${command}` : command;
    await this.withCache(state, ['RUN', JSON.stringify(argv), JSON.stringify(argEnv)], state.config, async () => {
      const image = await runStep(this.ctx, {
        image: state.imageId,
        argv,
        env: [...argEnv, ...proxyEnv],
        user: state.config.User,
        workingDir: state.config.WorkingDir,
        network: this.options.network ?? 'bridge',
        config: state.config,
        history: { created_by: createdBy },
        display: command,
        signal: this.options.signal,
        onEvent: this.emit,
      });
      return image.id;
    });
  }

  private async workdir(state: StageState, instruction: Instruction): Promise<void> {
    const dir = path.posix.resolve(state.config.WorkingDir || '/', expandWord(instruction.args, this.vars(state), this.file.escape));
    const config = { ...structuredClone(state.config), WorkingDir: dir };
    const createdBy = `/bin/sh -c #(nop) WORKDIR ${dir}`;
    await this.withCache(state, ['WORKDIR', dir], config, async () => {
      // Docker makes the directory when it is missing: then the step has a layer.
      const made = await writeStep(this.ctx, { image: state.imageId, config, history: { created_by: createdBy }, signal: this.options.signal }, async (rootfs) => {
        if (fs.statSync(resolveInRoot(rootfs, dir), { throwIfNoEntry: false })?.isDirectory()) return false;
        makeDir(rootfs, dir);
        return true;
      });
      return made?.id ?? (await configImage(this.ctx, state.imageId, config, { created_by: createdBy })).id;
    });
  }

  // ---- COPY and ADD ---------------------------------------------------------

  private async copy(state: StageState, instruction: Instruction): Promise<void> {
    const { keyword, flags } = instruction;
    if (instruction.heredocs.length) throw invalid(`${keyword} with a heredoc is not supported by berth's builder: put the content in a file of the context`);
    const vars = this.vars(state);
    const words = jsonArray(instruction.args) ?? expandWords(instruction.args, vars, this.file.escape);
    if (words.length < 2) throw invalid(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
    const sourcesText = words.slice(0, -1);
    let dest = words.at(-1)!;
    if (!dest.startsWith('/')) dest = `${path.posix.join(state.config.WorkingDir || '/', dest)}${dest.endsWith('/') || dest === '.' ? '/' : ''}`;
    const chown = flags.chown !== undefined ? expandWord(flags.chown, vars, this.file.escape) : undefined;
    const chmod = flags.chmod !== undefined ? parseChmod(flags.chmod) : undefined;
    if (flags.from !== undefined && keyword === 'ADD') throw invalid('ADD does not take --from: use COPY --from');
    const extras = [chown ? `--chown=${chown}` : '', chmod !== undefined ? `--chmod=${chmod.toString(8)}` : ''].filter(Boolean).join(' ');
    type Sources = <T>(use: (list: CopySource[]) => Promise<T>) => Promise<T>;
    const put = async (description: string, withSources: Sources, openArchive?: (e: SourceEntry) => Readable) => {
      const createdBy = `/bin/sh -c #(nop) ${keyword} ${extras ? `${extras} ` : ''}${description} in ${dest}`;
      await this.withCache(state, [keyword, createdBy], state.config, () => withSources(async (list) => {
        const image = await writeStep(this.ctx, { image: state.imageId, config: state.config, history: { created_by: createdBy }, signal: this.options.signal }, async (rootfs) => {
          await placeSources({ rootfs, dest, sources: list, owner: chown ? resolveChown(rootfs, chown) : undefined, chmod, openArchive });
          return true;
        });
        return image!.id;
      }));
    };

    if (flags.from !== undefined) {
      const from = expandWord(flags.from, vars, this.file.escape);
      const imageId = await this.fromImage(from);
      // The source image's id stands for its content: a cache hit needs no look inside it.
      const description = `from:${imageId.replace('sha256:', '').slice(0, 12)} ${sourcesText.join(' ')}`;
      await put(description, (use) => this.withSourceRootfs(imageId, async (rootfs) => {
        const list: CopySource[] = [];
        for (const source of sourcesText) {
          try {
            list.push(...await rootfsSources(rootfs, source));
          } catch (error) {
            throw notFound(`${source} not found in ${from}: ${(error as Error).message}`, error);
          }
        }
        return use(list);
      }));
      return;
    }

    const downloads: string[] = [];
    try {
      const list: CopySource[] = [];
      for (const source of sourcesText) {
        if (/^https?:\/\//i.test(source)) {
          if (keyword !== 'ADD') throw invalid(`source can't be a URL for COPY: ${source} (use ADD)`);
          const download = await this.download(source);
          downloads.push(download.entries[0]!.abs);
          list.push(download);
          continue;
        }
        for (const found of contextSources(this.context, source)) {
          const kind = keyword === 'ADD' && found.type === 'file' ? archiveKind(found.entries[0]!.abs) : undefined;
          list.push(kind ? { ...found, archive: true } : found);
        }
      }
      await put(sourcesHash(list), (use) => use(list), (entry) => decompress(entry.abs));
    } finally {
      for (const file of downloads) fs.rmSync(file, { force: true });
    }
  }

  /** COPY --from: a stage built earlier (name or index), else an image. */
  private async fromImage(name: string): Promise<string> {
    const byName = this.stageNames.get(name.toLowerCase());
    if (byName !== undefined) return this.stageImages[byName]!;
    if (/^\d+$/.test(name)) {
      const image = this.stageImages[Number(name)];
      if (!image) throw invalid(`invalid from flag value ${name}: no earlier stage has that index`);
      return image;
    }
    return (await this.env.imageForRun(name, (event) => this.emit({ type: 'progress', event }))).id;
  }

  /** A stopped container's mounted rootfs of `imageId`, for reading; removed afterwards. */
  private async withSourceRootfs<T>(imageId: string, use: (rootfs: string) => Promise<T>): Promise<T> {
    const record = await createOwnedContainer(this.ctx, { image: imageId, cmd: ['/nonexistent-build-source'], entrypoint: '', network: 'none' }, 'build source');
    try {
      const rootfs = await this.ctx.storage.mount(record.id);
      return await use(rootfs);
    } finally {
      await removeContainer(this.ctx, record, { force: true });
    }
  }

  /** ADD <url>: fetched to a temporary file (mode 0600, as Docker gives it). */
  private async download(url: string): Promise<CopySource> {
    const response = await fetch(url, { signal: this.options.signal });
    if (!response.ok || !response.body) throw notFound(`failed to GET ${url} with status ${response.status} ${response.statusText}`);
    const file = path.join(this.ctx.paths.tmp, `add-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    const body = Buffer.from(await response.arrayBuffer());
    fs.writeFileSync(file, body, { mode: 0o600 });
    const modified = response.headers.get('last-modified');
    const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '') || 'index.html';
    const entry: SourceEntry = { rel: '', abs: file, type: 'file', mode: 0o600, size: body.length, mtime: modified ? new Date(modified) : new Date(0), linkname: '', hash: sha256(body) };
    return { name, type: 'file', entries: [entry] };
  }
}

function parseChmod(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw invalid(`invalid --chmod=${text}: use octal permission bits such as 755`);
  return parseInt(text, 8);
}

/** The plain tar of a local archive ADD unpacks. */
function decompress(file: string): Readable {
  const kind = archiveKind(file);
  const input = fs.createReadStream(file);
  if (kind === 'gzip') return input.pipe(zlib.createGunzip());
  if (kind === 'bzip2' || kind === 'xz') {
    const child = spawn(kind === 'xz' ? 'xz' : 'bzip2', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
    input.pipe(child.stdin);
    child.on('error', (error) => child.stdout.destroy(invalid(`cannot unpack ${path.basename(file)}: ${kind} is not installed (${error.message})`)));
    return child.stdout;
  }
  return input;
}

/** Builds a Dockerfile: see BuildOptions. */
export async function build(env: BuildEnvironment, options: BuildOptions): Promise<BuildResult> {
  return new Builder(env, options).build();
}

export type { BuildEvent as Event };
