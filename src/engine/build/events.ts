// What a build reports as it goes.  The engine emits these; each client
// renders them (the CLI as Docker's classic builder prints, see
// cli/commands/build.ts).

import type { PullEvent } from '../events.js';

export type BuildEvent =
  /** the context was read: "Sending build context to berth  1.2kB" */
  | { readonly type: 'context'; readonly bytes: number }
  /** "Step 2/5 : RUN apt-get update" (1-based) */
  | { readonly type: 'step'; readonly index: number; readonly total: number; readonly text: string }
  /** "# Executing 2 build triggers" after a FROM whose image has ONBUILD triggers */
  | { readonly type: 'triggers'; readonly count: number }
  /** " ---> Using cache" */
  | { readonly type: 'cache-hit' }
  /** " ---> Running in <container>" */
  | { readonly type: 'running'; readonly containerId: string }
  /** a RUN step's own output, as it comes */
  | { readonly type: 'output'; readonly stream: 'stdout' | 'stderr'; readonly data: Buffer }
  /** "Removing intermediate container <container>" */
  | { readonly type: 'removed'; readonly containerId: string }
  /** " ---> <image>": the image a step ended with */
  | { readonly type: 'image'; readonly id: string }
  /** a base image being pulled or made (debootstrap): the pull's own typed events */
  | { readonly type: 'progress'; readonly event: PullEvent }
  | { readonly type: 'warning'; readonly message: string }
  /** "Successfully built <image>" */
  | { readonly type: 'built'; readonly id: string }
  /** "Successfully tagged <name>" */
  | { readonly type: 'tagged'; readonly reference: string };

export type BuildListener = (event: BuildEvent) => void;
