// What long work reports as it goes, as typed events: the engine emits them,
// each client draws them its own way (the CLI as Docker prints them, redrawn
// in place on a terminal; the lab as progress bars; the bench as rows).
// Nothing here renders: formatProgress (registry/client/progress.ts) gives
// Docker's plain line for the transfer events.
//
//   pull    TransferEvent | PhaseEvent | StepEvent   (a hub seed may run debootstrap or a build)
//   push    TransferEvent
//   build   BuildEvent (build/events.ts); a base image pulled by FROM arrives as { type: 'progress', event }
//   deploy  DeployEvent (deploy/deploy.ts): one per phase
//   bench   BenchEvent: one per suite and round

/** A blob's states, in Docker's words (pull: Pulling fs layer ... Pull complete; push: Preparing ... Pushed). */
export type LayerStatus =
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Already exists'
  | 'Extracting'
  | 'Pull complete'
  | 'Preparing'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | 'Mounted from';

/** Pull and push, the messages Docker's API streams (its JSONMessage), one kind each. */
export type TransferEvent =
  /** pull: "latest: Pulling from library/busybox"; push: "The push refers to repository [localhost:5000/app]" */
  | { readonly type: 'start'; readonly action: 'pull' | 'push'; readonly repository: string; readonly reference: string }
  /** one blob; id is the short digest (12 hex digits); current/total are bytes while Downloading or Pushing */
  | { readonly type: 'layer'; readonly id: string; readonly digest: string; readonly status: LayerStatus; readonly current?: number; readonly total?: number; readonly from?: string }
  /** pull: the manifest digest the user asked for (the index's, for a multi-platform image) */
  | { readonly type: 'digest'; readonly digest: string }
  /** push: the manifest is in place */
  | { readonly type: 'pushed'; readonly tag: string; readonly digest: string; readonly size: number }
  | StatusEvent;

/** A line for people that belongs to no layer: "Status: Downloaded newer image for busybox:latest", "Unable to find image ...". */
export interface StatusEvent {
  readonly type: 'status';
  readonly text: string;
}

/**
 * A phase of making something on this machine: the hub seeding a base image
 * (work "debootstrap": name "Retrieving", "Extracting", "Configuring"...;
 * work "hub": "importing", "writing").  `text` is the whole line.
 */
export interface PhaseEvent {
  readonly type: 'phase';
  readonly work: string;
  readonly name: string;
  readonly text: string;
}

/** A build step of a hub recipe made during a pull: "Step 2/5 : RUN apt-get update" (1-based). */
export interface StepEvent {
  readonly type: 'step';
  readonly index: number;
  readonly total: number;
  readonly text: string;
}

export type PullEvent = TransferEvent | PhaseEvent | StepEvent;
export type PushEvent = TransferEvent;

/**
 * `berth bench`: what it is measuring now, e.g. suite "startup", text
 * "round 2/5: cli" with round 2 of rounds 5 (round 0: the warm-up); no suite
 * for the bench as a whole ("cleaning up").
 */
export interface BenchEvent {
  readonly type: 'bench';
  readonly suite?: string;
  readonly text: string;
  readonly round?: number;
  readonly rounds?: number;
}

export type Listener<E> = (event: E) => void;

export type { BuildEvent } from './build/events.js';
export type { DeployEvent } from './deploy/deploy.js';
