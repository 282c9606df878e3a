// The engine's API: what the CLI, the lab and the benchmarks call.  One
// Engine per state root; every method is a short transaction on the state on
// disk (daemonless: see DESIGN.md), taking the global lock where it changes
// shared state.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
// Only light modules statically (every command loads this file): the heavy
// families come from lazy.ts on first use; the imports below it are types.
// registries.ts and hosts.ts stay static: their sub-APIs answer synchronously
// (serviceAt, list) and load their servers and namespaces on first use.
import { BerthError, conflict } from './errors.js';
import { readJson, writeJsonAtomic } from './fs-atomic.js';
import { Lock } from './lock.js';
import { statePaths, type Paths } from './paths.js';
import { PACKAGE_ROOT } from './sys.js';
import { resolveSettings, settingsEnv, type Settings } from './settings.js';
import { systemInfo, type SystemInfo } from './info.js';
import { cgroupHost } from './runtime/cgroups.js';
import { RUNTIME_NAMES, type Runtime, type RuntimeName } from './runtime/driver.js';
import { bundleFiles, listRecords, type ContainerRecord } from './containers/record.js';
import { readLogs, type LogOptions } from './containers/logs.js';
import { registries, type Registries } from './registries.js';
import { hosts, type Hosts } from './hosts.js';
import { stopHub } from './hub/service.js';
import { imageTars, inside, lifecycle, loadGenerator, opening, type Opening } from './lazy.js';
import type { EngineContext } from './context.js';
import type { DriverName, StorageDriver, Change } from './storage/driver.js';
import type { Image, ImageLayer } from './store/images.js';
import type { BuildEnvironment, BuildOptions, BuildResult } from './build/builder.js';
import type { DeployOptions, DeployResult } from './deploy/deploy.js';
import type { LoadOptions, LoadReport } from './deploy/load.js';
import type { Listener, PullEvent, PushEvent } from './events.js';
import type { HubRecipe } from './hub/recipes.js';
import type { CreateOptions } from './containers/create.js';
import type { StartContainerOptions } from './containers/start.js';
import type { RemoveOptions } from './containers/remove.js';
import type { AttachSession } from './containers/session.js';
import type { ExecContainerOptions } from './containers/exec.js';
import type { CommitOptions } from './containers/commit.js';
import type { ContainerStats } from './containers/stats.js';
import type { ImportOptions } from './store/import.js';

/**
 * Pull, push, save and load (the registry client, tar and gzip) are loaded on
 * their first use: every berth command loads the engine, few of them move images.
 */
const distribution = () => import('./distribution.js');

export interface RunResult {
  readonly id: string;
  readonly exitCode: number;
  readonly error: string;
  readonly oomKilled: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RemovedImageReport {
  readonly untagged: string[];
  readonly deleted: string[];
}

export interface DiskUsage {
  readonly images: { total: number; active: number; size: number; reclaimable: number };
  readonly containers: { total: number; active: number; size: number; reclaimable: number };
}

/**
 * The engine's settings (settings.ts; the README's settings table), any of
 * them: what is not given comes from the environment, the config file or the
 * defaults, so `Engine.open({})` and `Engine.open({ root })` run with the
 * BERTH_* variables in force.  A resolved Settings passes through as it is.
 */
export type EngineOptions = Partial<Settings>;

interface EngineSettings {
  storageDriver: DriverName;
}

/** berth needs root for namespaces, mounts and cgroups: say so before anything fails half-way. */
export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new BerthError('permission', 'berth needs root: namespaces, mounts and cgroups are root-only. Run it with sudo.');
  }
}

export class Engine {
  /** `core`: the family every open engine loaded (lazy.ts), for the methods that use it synchronously. */
  private constructor(private readonly ctx: EngineContext, private readonly core: Opening) {}

  static async open(options: EngineOptions = {}): Promise<Engine> {
    requireRoot();
    const resolved = resolveSettings({ flags: options });
    const paths = statePaths(resolved.root, resolved.cache);
    for (const dir of [paths.root, paths.blobs, paths.containers, paths.storage, paths.tmp, paths.sockets]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const settings = readJson<EngineSettings | undefined>(paths.config, undefined);
    const storageDriver = resolved.storageDriver ?? settings?.storageDriver ?? 'overlay';
    if (!settings) writeJsonAtomic(paths.config, { storageDriver } satisfies EngineSettings);
    const core = await opening();
    const storage: StorageDriver = core.createDriver(storageDriver, paths);
    await storage.init();
    const images = new core.ImageStore(paths);
    const runc = core.makeRuncRuntime(paths.root);
    const runtimes: Record<RuntimeName, Runtime> = { native: core.nativeRuntime, runc };
    const lock = new Lock(paths.lock);
    const ctx: EngineContext = {
      paths,
      settings: resolved,
      cgroups: cgroupHost(resolved),
      lock,
      images,
      storage,
      layers: new core.LayerStore(paths.storage, storage, (digest) => fs.createReadStream(images.blobs.path(digest))),
      defaultRuntime: resolved.runtime,
      portDriver: resolved.portDriver,
      runtime: (name) => {
        if (!RUNTIME_NAMES.includes(name)) throw new BerthError('invalid', `unknown runtime "${name}": use ${RUNTIME_NAMES.join(' or ')}`);
        return runtimes[name];
      },
      // The monitor runs it long after this process is gone: every setting goes with it explicitly
      // (`env` sets them), so its reconcile tears down this engine's bridge and cgroups, not the defaults'.
      exitCommand: (id) => [
        'env', ...Object.entries(settingsEnv({ ...resolved, storageDriver: storage.name })).map(([k, v]) => `${k}=${v}`),
        process.execPath, '--', path.join(PACKAGE_ROOT, 'bin', 'berth.js'), '--root', paths.root, '--storage-driver', storage.name, 'system', 'reconcile', id,
      ],
    };
    const engine = new Engine(ctx, core);
    await lock.with(() => core.reconcileAll(ctx));
    return engine;
  }

  /**
   * The registries and the hub of a state root (registries.ts): served here,
   * in the background, or the hub's state.  Static: they need no open engine.
   */
  static registries(options: EngineOptions = {}): Registries {
    const settings = resolveSettings({ flags: options });
    return registries(statePaths(settings.root, settings.cache), settings);
  }

  /** The simulated production hosts of a state root (hosts.ts). Static: they need no open engine. */
  static hosts(options: EngineOptions = {}): Hosts {
    return hosts(resolveSettings({ flags: options }));
  }

  /**
   * `load-test`: requests to a URL berth made (loopback, a host, a
   * container), counted; bounded in count and time (deploy/load.ts).
   */
  static async loadTest(options: Omit<LoadOptions, 'settings'>, settings: EngineOptions = {}): Promise<LoadReport> {
    const resolved = resolveSettings({ flags: settings });
    return (await loadGenerator()).runLoad({ ...options, settings: resolved });
  }

  /**
   * Whether the state root is still there (and the container, if named):
   * a container's exit hook checks this first, so that it does not recreate
   * a root or a container that was just removed by opening the engine.
   */
  static stateExists(options: EngineOptions = {}, container?: string): boolean {
    const settings = resolveSettings({ flags: options });
    const paths = statePaths(settings.root, settings.cache);
    if (container && !fs.existsSync(path.join(paths.containers, container))) return false;
    return fs.existsSync(paths.config);
  }

  /** This engine's registries (Engine.registries with its settings). */
  registries(): Registries {
    return registries(this.ctx.paths, this.ctx.settings);
  }

  get paths(): Paths {
    return this.ctx.paths;
  }
  get storageDriver(): DriverName {
    return this.ctx.storage.name;
  }

  // ---- images -------------------------------------------------------------

  listImages(): Image[] {
    return this.ctx.images.list();
  }

  /** pull: from the registry the name names, or the index (the lab's hub by default). */
  async pull(name: string, onEvent?: Listener<PullEvent>): Promise<Image> {
    return (await distribution()).pull(this.ctx, name, onEvent, (reference, recipe, progress) => this.buildRecipe(reference, recipe, progress));
  }

  /** Builds one of the hub's recipes (apache2...) with the builder, from an empty context. */
  private async buildRecipe(reference: string, recipe: HubRecipe, onEvent?: Listener<PullEvent>): Promise<Image> {
    const { build } = await import('./build/builder.js');
    const context = fs.mkdtempSync(path.join(this.ctx.paths.tmp, `recipe-${process.pid}-`));
    try {
      fs.writeFileSync(path.join(context, 'Dockerfile'), recipe.dockerfile);
      await build(this.buildEnvironment(), {
        context,
        tags: [reference],
        onEvent: (event) => {
          if (event.type === 'step') onEvent?.(event);
          else if (event.type === 'progress') onEvent?.(event.event);
        },
      });
      return this.ctx.images.resolve(reference);
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  }

  /** `build`: the image a Dockerfile makes (build/builder.ts), tagged; progress as BuildEvents. */
  async build(options: BuildOptions): Promise<BuildResult> {
    const { build } = await import('./build/builder.js');
    return build(this.buildEnvironment(), options);
  }

  /** What the builder takes from the engine: it does not import the Engine (see BuildEnvironment). */
  private buildEnvironment(): BuildEnvironment {
    return { ctx: this.ctx, imageForRun: (name, onEvent) => this.imageForRun(name, onEvent) };
  }

  /** push: to the registry the name names (`localhost:5000/app`), or the index (`alice/app`). */
  async push(name: string, onEvent?: Listener<PushEvent>) {
    return (await distribution()).push(this.ctx, name, onEvent);
  }

  async search(term: string, limit?: number) {
    return (await distribution()).search(this.ctx, term, limit);
  }

  async login(registry: string | undefined, username: string, password: string) {
    return (await distribution()).login(this.ctx, registry, username, password);
  }

  async logout(registry: string | undefined) {
    return (await distribution()).logout(this.ctx, registry);
  }

  /** save: a tar with the images, in the format docker load and skopeo read. */
  async save(names: readonly string[], out: NodeJS.WritableStream): Promise<void> {
    return (await distribution()).save(this.ctx, names, out as import('node:stream').Writable);
  }

  /** load: images from a tar (berth save, docker save, an OCI layout); returns "Loaded image: ..." lines. */
  async load(tar: NodeJS.ReadableStream): Promise<string[]> {
    return (await distribution()).load(this.ctx, tar as Readable);
  }

  /** The index in use, starting the local hub if that is it. */
  async index() {
    return (await distribution()).indexUrl(this.ctx);
  }

  /** Stops the local hub (tests; `berth hub stop`). */
  async stopHub(): Promise<boolean> {
    return stopHub(this.ctx.paths);
  }

  /** The image if present, else pulled, as `run` does ("Unable to find image ... locally"). */
  async imageForRun(name: string, onEvent?: Listener<PullEvent>): Promise<Image> {
    // A malformed name is an error before any lookup ("Busybox": must be lowercase), as in Docker.
    if (!/^(sha256:)?[0-9a-f]{1,64}$/.test(name)) this.core.parseNormalizedReference(name);
    const found = this.ctx.images.find(name);
    if (found) return found;
    onEvent?.({ type: 'status', text: `Unable to find image '${name.includes(':') || name.includes('@') ? name : `${name}:latest`}' locally` });
    return this.pull(name, onEvent);
  }

  // ---- containers ---------------------------------------------------------

  async create(options: CreateOptions, onEvent?: Listener<PullEvent>): Promise<ContainerRecord> {
    await this.imageForRun(options.image, onEvent);
    return (await lifecycle()).createContainer(this.ctx, options, onEvent);
  }

  async start(ref: string, options?: StartContainerOptions): Promise<ContainerRecord> {
    return (await lifecycle()).startContainer(this.ctx, ref, options);
  }

  /**
   * create + start + wait, collecting the output: what `run` does without a
   * terminal, for the lab's checks and the benchmarks.
   */
  async run(options: CreateOptions, io: { stdin?: string | Buffer; onEvent?: Listener<PullEvent> } = {}): Promise<RunResult> {
    const created = await this.create({ ...options, interactive: options.interactive ?? io.stdin !== undefined }, io.onEvent);
    const session = await this.attachTo(created, { stdinOnce: io.stdin !== undefined });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const collector = (into: Buffer[]) => new Writable({ write(chunk, _e, done) { into.push(chunk); done(); } });
    const streams = { stdout: collector(stdout), stderr: collector(stderr), tty: options.tty ?? false };
    await session.pump(streams, io.stdin);
    const finished = await this.waitFor(await this.inspect(created.id).catch(() => created));
    return { id: created.id, exitCode: finished.state.exitCode, error: finished.state.error, oomKilled: finished.state.oomKilled, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  }

  /**
   * Attached to a container, started first (held until we are connected)
   * when `start` is given: `run` without -d, `start -a`, `attach`.  Pump the
   * session's streams, then ask it for the end (the exit, or a detach).
   */
  async attachTo(record: ContainerRecord, start?: StartContainerOptions): Promise<AttachSession> {
    return (await lifecycle()).attachSession(this.ctx, record, start);
  }

  /** Waits for the container to exit and returns its finished record (removed already if --rm). */
  async wait(ref: string): Promise<ContainerRecord> {
    return this.waitFor(await this.inspect(ref));
  }

  /** Waits on a container the caller already knows (its exit is read from exits/ when --rm removed it). */
  async waitFor(record: ContainerRecord): Promise<ContainerRecord> {
    return (await lifecycle()).waitFinished(this.ctx, record);
  }

  async stop(ref: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    return (await lifecycle()).stopContainer(this.ctx, ref, timeoutSeconds);
  }

  async kill(ref: string, signal?: NodeJS.Signals | number): Promise<ContainerRecord> {
    return (await lifecycle()).killContainer(this.ctx, ref, signal);
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    const stopped = await this.stop(ref, timeoutSeconds);
    return this.start(stopped.id);
  }

  async remove(ref: string, options?: RemoveOptions): Promise<void> {
    const { removeContainer } = await lifecycle();
    const record = await this.ctx.lock.with(async () => this.core.findContainer(this.ctx.paths.containers, ref));
    await removeContainer(this.ctx, record, options);
  }

  /** Containers, newest first, refreshed against the kernel. */
  async list(): Promise<ContainerRecord[]> {
    return this.ctx.lock.with(async () => {
      const records = [];
      for (const record of listRecords(this.ctx.paths.containers)) records.push(await this.core.refresh(this.ctx, record));
      return records.filter((r) => fs.existsSync(bundleFiles(this.ctx.paths.containers, r.id).dir)).sort((a, b) => b.created.localeCompare(a.created));
    });
  }

  async inspect(ref: string): Promise<ContainerRecord> {
    return (await lifecycle()).inspectContainer(this.ctx, ref);
  }

  /** Where `logs` reads the container's output from (inspect's LogPath). */
  logPath(record: ContainerRecord): string {
    return bundleFiles(this.ctx.paths.containers, record.id).log;
  }

  logs(record: ContainerRecord, options: Omit<LogOptions, 'running'> = {}) {
    const bundle = bundleFiles(this.ctx.paths.containers, record.id);
    return readLogs(bundle.log, { ...options, running: () => !fs.existsSync(bundle.exit) && record.state.status === 'running' });
  }

  async exec(ref: string, options: ExecContainerOptions) {
    return (await inside()).execInContainer(this.ctx, ref, options);
  }

  async top(ref: string, psArgs?: string) {
    return (await inside()).topContainer(this.ctx, ref, psArgs);
  }

  /**
   * One reading per running container (or those named), CPU measured over
   * `intervalMs`.  The lab and the bench read the same numbers.
   */
  async stats(refs: readonly string[] = [], intervalMs = 500): Promise<ContainerStats[]> {
    const { readContainer, statsBetween } = await inside();
    const all = (await this.list()).filter((r) => r.state.status === 'running');
    const records = refs.length ? await Promise.all(refs.map((ref) => this.inspect(ref))) : all;
    const running = records.filter((r) => r.state.status === 'running');
    const before = running.map((r) => readContainer(r, this.ctx.cgroups));
    await new Promise((r) => setTimeout(r, intervalMs));
    const result: ContainerStats[] = [];
    running.forEach((r, i) => {
      try {
        result.push(statsBetween(r, before[i]!, readContainer(r, this.ctx.cgroups)));
      } catch {
        // exited between the two readings
      }
    });
    return result;
  }

  async diff(ref: string): Promise<Change[]> {
    const record = await this.inspect(ref);
    return this.ctx.storage.changes(record.id);
  }

  async commit(ref: string, options?: CommitOptions): Promise<Image> {
    return (await inside()).commitContainer(this.ctx, ref, options);
  }

  // ---- images (more) ------------------------------------------------------

  async tag(source: string, target: string): Promise<Image> {
    return this.ctx.lock.with(() => this.ctx.images.tag(source, target));
  }

  history(name: string) {
    return this.ctx.images.history(name);
  }

  inspectImage(name: string) {
    return this.ctx.images.inspect(name);
  }

  /** The image's layers, bottom first (digest, diffId, sizes). */
  imageLayers(name: string): ImageLayer[] {
    return this.ctx.images.layers(name);
  }

  /** Whether `file` (absolute) is in the image, read from its layer tars: no container made. */
  async imageHasPath(name: string, file: string): Promise<boolean> {
    return (await imageTars()).imageHasPath(this.ctx.images, name, file);
  }

  /** Ids of the images a build made for its steps, which `images` hides without -a. */
  buildIntermediates(): Set<string> {
    return this.core.buildIntermediates(this.ctx.paths.root);
  }

  /**
   * Docker's rmi: a tag of an image with other tags is only untagged; an
   * image a container uses needs -f (and a running one's cannot be forced).
   */
  async removeImage(name: string, force = false): Promise<RemovedImageReport> {
    const { isReference, normalizeReference, refresh } = this.core;
    return this.ctx.lock.with(async () => {
      const image = this.ctx.images.resolve(name);
      const byTag = isReference(name) && image.tags.includes(normalizeReference(name));
      if (byTag && image.tags.length > 1) {
        this.ctx.images.untag(name);
        return { untagged: [normalizeReference(name)], deleted: [] };
      }
      const users = [];
      for (const record of listRecords(this.ctx.paths.containers)) if (record.image === image.id) users.push(await refresh(this.ctx, record));
      const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
      const running = users.find((u) => u.state.status === 'running');
      if (running && force) throw conflict(`conflict: unable to delete ${short(image.id)} (cannot be forced) - image is being used by running container ${short(running.id)}`);
      if (users.length && !force) {
        throw conflict(byTag
          ? `conflict: unable to remove repository reference "${name}" (must force) - container ${short(users[0]!.id)} is using its referenced image ${short(image.id)}`
          : `conflict: unable to delete ${short(image.id)} (must be forced) - image is being used by stopped container ${short(users[0]!.id)}`);
      }
      if (!byTag && image.tags.length > 1 && !force) {
        throw conflict(`conflict: unable to delete ${short(image.id)} (must be forced) - image is referenced in multiple repositories`);
      }
      const removed = this.ctx.images.remove(image);
      await this.pruneLayers();
      return { untagged: removed.untagged, deleted: removed.deleted };
    });
  }

  /** Unpacked layers no image needs any more. Holding the lock. */
  private async pruneLayers(): Promise<number> {
    const keep = new Set<string>();
    for (const image of this.ctx.images.list()) for (const c of this.core.chainIds(this.ctx.images.layers(image).map((l) => l.diffId))) keep.add(c);
    const containers = new Set(listRecords(this.ctx.paths.containers).map((r) => r.id));
    return this.ctx.layers.prune(keep, containers);
  }

  async importImage(tarball: Readable, options: ImportOptions = {}): Promise<Image> {
    const { importTarball } = await imageTars();
    return this.ctx.lock.with(() => importTarball(this.ctx.images, tarball, options));
  }

  /** A tar of the container's filesystem (without volumes), for `export`. */
  async exportContainer(ref: string): Promise<Readable> {
    const { freezeContainer, packDirectory } = await inside();
    const record = await this.inspect(ref);
    const rootfs = await this.ctx.storage.mount(record.id);
    // A running container stays frozen while its rootfs is walked, as docker
    // export pauses it: nothing in it can swap a directory for a symlink mid-walk.
    let thaw: () => void = () => undefined;
    try {
      if (record.state.status === 'running') thaw = await freezeContainer(record.id, this.ctx.cgroups, path.join(this.ctx.paths.containers, record.id));
    } catch (error) {
      await this.releaseRootfs(record.id);
      throw error;
    }
    const out = new PassThrough();
    const tar = packDirectory(rootfs);
    tar.pipe(out);
    tar.on('error', (error) => out.destroy(error));
    void finished(out).catch(() => undefined).finally(() => {
      thaw();
      return this.releaseRootfs(record.id);
    });
    return out;
  }

  /** `cp`: one side is "container:path". */
  async copy(source: string, destination: string): Promise<void> {
    const split = (arg: string) => {
      const match = /^([^/:][^:]*):(.*)$/.exec(arg);
      return match ? { container: match[1]!, path: match[2] || '/' } : undefined;
    };
    const from = split(source);
    const to = split(destination);
    if (!!from === !!to) throw new BerthError('invalid', 'copying between containers or between host paths is not supported: name a container on one side, as container:path');
    const ref = (from ?? to)!.container;
    const { withFrozen, copyIn, copyOut } = await inside();
    const record = await this.inspect(ref);
    const rootfs = await this.ctx.storage.mount(record.id);
    try {
      // Frozen while running (CVE-2018-15664), as docker cp pauses; cp.ts also holds what it resolved as fds.
      await withFrozen(record.id, record.state.status === 'running', async () => {
        if (from) await copyOut(rootfs, from.path, destination, ref);
        else await copyIn(rootfs, source, to!.path, ref, this.ctx.paths.tmp);
      }, path.join(this.ctx.paths.containers, record.id), this.ctx.cgroups);
    } finally {
      await this.releaseRootfs(record.id);
    }
  }

  /**
   * A created container's rootfs mounted for `use`, unmounted after (unless
   * the container runs by then): the bench times a mount this way.
   */
  async withRootfs<T>(record: ContainerRecord, use: (rootfs: string) => Promise<T> | T): Promise<T> {
    const rootfs = await this.ctx.storage.mount(record.id);
    try {
      return await use(rootfs);
    } finally {
      await this.releaseRootfs(record.id);
    }
  }

  /** Unmounts a container's rootfs that was mounted only for a read (not while it runs). */
  private async releaseRootfs(id: string): Promise<void> {
    await this.ctx.lock.with(async () => {
      const now = listRecords(this.ctx.paths.containers).find((r) => r.id === id);
      if (now && now.state.status !== 'running') await this.ctx.storage.unmount(id);
    });
  }

  // ---- deploy -------------------------------------------------------------

  /**
   * `deploy`: the service's new version behind its front door, with zero
   * downtime or naively (deploy/deploy.ts); one DeployEvent per phase.
   */
  async deploy(options: DeployOptions): Promise<DeployResult> {
    const { deploy } = await import('./deploy/deploy.js');
    return deploy(this, options);
  }

  // ---- system -------------------------------------------------------------

  /** `info`: Docker's `docker info` fields that apply (info.ts). */
  async info(): Promise<SystemInfo> {
    return systemInfo({
      containers: await this.list(),
      images: this.ctx.images.list().length,
      storageDriver: this.ctx.storage.name,
      defaultRuntime: this.ctx.defaultRuntime,
      cgroupVersion: this.ctx.cgroups.version,
      rootDir: this.ctx.paths.root,
    });
  }

  async diskUsage(): Promise<DiskUsage> {
    const containers = await this.list();
    const images = this.ctx.images.list();
    const used = new Set(containers.map((c) => c.image));
    let containerSize = 0;
    let reclaimableContainers = 0;
    for (const c of containers) {
      const size = await this.ctx.storage.size(c.id).catch(() => 0);
      containerSize += size;
      if (c.state.status !== 'running') reclaimableContainers += size;
    }
    const imageSize = images.reduce((sum, i) => sum + i.size, 0);
    const reclaimableImages = images.filter((i) => !used.has(i.id)).reduce((sum, i) => sum + i.size, 0);
    return {
      images: { total: images.length, active: images.filter((i) => used.has(i.id)).length, size: imageSize, reclaimable: reclaimableImages },
      containers: { total: containers.length, active: containers.filter((c) => c.state.status === 'running').length, size: containerSize, reclaimable: reclaimableContainers },
    };
  }

  /** Removes stopped containers, then dangling images (all unused ones with `all`). */
  async prune(all = false): Promise<{ containers: string[]; images: RemovedImageReport; reclaimed: number }> {
    const before = await this.diskUsage();
    const containers: string[] = [];
    for (const record of await this.list()) {
      if (record.state.status === 'running') continue;
      await this.remove(record.id, { force: true });
      containers.push(record.id);
    }
    const untagged: string[] = [];
    const deleted: string[] = [];
    await this.ctx.lock.with(async () => {
      const used = new Set(listRecords(this.ctx.paths.containers).map((r) => r.image));
      for (const image of this.ctx.images.list()) {
        if (used.has(image.id) || (!all && image.tags.length > 0)) continue;
        const removed = this.ctx.images.remove(image);
        untagged.push(...removed.untagged);
        deleted.push(...removed.deleted);
      }
      await this.pruneLayers();
    });
    const after = await this.diskUsage();
    const reclaimed = Math.max(0, before.images.size + before.containers.size - after.images.size - after.containers.size);
    return { containers, images: { untagged, deleted }, reclaimed };
  }

  /** Finishes a container whose monitor exited (the monitor's exit command calls this). */
  async reconcile(ref?: string): Promise<void> {
    await this.ctx.lock.with(async () => {
      if (!ref) return this.core.reconcileAll(this.ctx);
      try {
        await this.core.refresh(this.ctx, this.core.findContainer(this.ctx.paths.containers, ref));
      } catch (error) {
        if (!(error instanceof BerthError && error.kind === 'not-found')) throw error;
      }
    });
  }

  /** For tests and `system prune`: release what the storage driver holds for itself. */
  async shutdown(): Promise<void> {
    await this.ctx.storage.shutdown();
  }

  /**
   * For a throwaway state root (the bench's): every container removed, the
   * storage driver released and the attach-socket directory deleted (it
   * lives under /run, outside the root); the caller then deletes the root.
   */
  async discard(): Promise<void> {
    for (const record of await this.list()) await this.remove(record.id, { force: true });
    await this.shutdown();
    fs.rmSync(this.ctx.paths.sockets, { recursive: true, force: true });
  }
}

export type { Readable };
