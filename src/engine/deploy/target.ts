// The engine operations a deploy is made of.  deploy/ is orchestration over
// containers (pull, create, start, exec, cp, stop, rm), the same operations a
// client has; it names the few it uses here instead of importing the Engine,
// which reaches deploy through `engine.deploy()` (importing it back would be
// a cycle).  The Engine satisfies this interface as it is.
import type { ChildProcess } from 'node:child_process';
import type { ContainerRecord } from '../containers/record.js';
import type { CreateOptions } from '../containers/create.js';
import type { RemoveOptions } from '../containers/remove.js';
import type { ExecContainerOptions } from '../containers/exec.js';

export interface DeployTarget {
  /** state root (deploy/<service>.json) and its tmp (the proxy's site files) */
  readonly paths: { readonly root: string; readonly tmp: string };
  inspect(ref: string): Promise<ContainerRecord>;
  pull(name: string): Promise<unknown>;
  create(options: CreateOptions): Promise<ContainerRecord>;
  start(ref: string): Promise<ContainerRecord>;
  stop(ref: string, timeoutSeconds?: number): Promise<ContainerRecord>;
  remove(ref: string, options?: RemoveOptions): Promise<void>;
  exec(ref: string, options: ExecContainerOptions): Promise<{ process: ChildProcess }>;
  /** `cp`: one side is "container:path" */
  copy(source: string, destination: string): Promise<void>;
}
