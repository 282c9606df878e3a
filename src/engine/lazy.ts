// The engine's module families, each loaded on its first use.
//
// Every berth command imports the door (index.ts), and with it engine.ts, at
// start-up; most commands never open an engine (`--help`, `lesson list`,
// `hub status`, the monitor's exit hook for a container already gone), and
// those that do use one family or two.  Loading the storage drivers, the
// runtimes, the network and the archive code up front cost every command
// about a hundred milliseconds of CPU, so engine.ts imports only its light
// modules statically and takes the rest from here: Engine.open awaits
// `opening`, each method awaits the family it calls into.  A family is loaded
// once (Node caches the modules; the promise is kept too).
//
// The bigger one-feature graphs (distribution.ts: pull, push, save, load;
// build/builder.ts; deploy/deploy.ts) are imported where they are used.

/** A loader that imports on its first call and hands every later call the same promise. */
function family<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= load());
}

/**
 * What Engine.open builds every engine from, and what its synchronous
 * methods use afterwards: the storage driver, the image store and layers,
 * both runtimes, reconcile (run by every open) and container lookup.
 */
export const opening = family(async () => {
  const [storage, images, layers, native, runc, reconcile, lookup, reference, cache] = await Promise.all([
    import('./storage/index.js'),
    import('./store/images.js'),
    import('./layers.js'),
    import('./runtime/native.js'),
    import('./runtime/runc.js'),
    import('./containers/reconcile.js'),
    import('./containers/lookup.js'),
    import('./store/reference.js'),
    import('./build/cache.js'),
  ]);
  return {
    createDriver: storage.createDriver,
    ImageStore: images.ImageStore,
    LayerStore: layers.LayerStore,
    chainIds: layers.chainIds,
    nativeRuntime: native.nativeRuntime,
    makeRuncRuntime: runc.makeRuncRuntime,
    reconcileAll: reconcile.reconcileAll,
    refresh: reconcile.refresh,
    findContainer: lookup.findContainer,
    normalizeReference: reference.normalizeReference,
    isReference: reference.isReference,
    parseNormalizedReference: reference.parseNormalizedReference,
    buildIntermediates: cache.buildIntermediates,
  };
});
export type Opening = Awaited<ReturnType<typeof opening>>;

/** A container's life: create, start, attach, wait, stop, kill, remove (the network and cgroups with them). */
export const lifecycle = family(async () => {
  const [create, start, stop, remove, session] = await Promise.all([
    import('./containers/create.js'),
    import('./containers/start.js'),
    import('./containers/stop.js'),
    import('./containers/remove.js'),
    import('./containers/session.js'),
  ]);
  return {
    createContainer: create.createContainer,
    startContainer: start.startContainer,
    stopContainer: stop.stopContainer,
    killContainer: stop.killContainer,
    removeContainer: remove.removeContainer,
    attachSession: session.attachSession,
    inspectContainer: session.inspectContainer,
    waitFinished: session.waitFinished,
  };
});

/** Inside a container: its processes (exec, top, stats) and its files (cp, export, commit), frozen while read. */
export const inside = family(async () => {
  const [exec, top, stats, cp, commit, freeze, archive] = await Promise.all([
    import('./containers/exec.js'),
    import('./containers/top.js'),
    import('./containers/stats.js'),
    import('./containers/cp.js'),
    import('./containers/commit.js'),
    import('./runtime/freeze.js'),
    import('./archive/index.js'),
  ]);
  return {
    execInContainer: exec.execInContainer,
    topContainer: top.topContainer,
    readContainer: stats.readContainer,
    statsBetween: stats.statsBetween,
    copyIn: cp.copyIn,
    copyOut: cp.copyOut,
    commitContainer: commit.commitContainer,
    freezeContainer: freeze.freezeContainer,
    withFrozen: freeze.withFrozen,
    packDirectory: archive.packDirectory,
  };
});

/** Image tars read without a container: `import`, and whether an image holds a file. */
export const imageTars = family(async () => {
  const [importing, files] = await Promise.all([import('./store/import.js'), import('./store/image-files.js')]);
  return { importTarball: importing.importTarball, imageHasPath: files.imageHasPath };
});

/** The deploy demo's load generator (http, the hosts and the network state it may aim at). */
export const loadGenerator = family(() => import('./deploy/load.js'));
