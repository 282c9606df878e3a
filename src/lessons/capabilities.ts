// What a lesson may `require`: engine capabilities that land one by one.  A
// capability is present when the berth command has its command(s); a lesson
// requiring a missing one is shown as "coming", not as broken.  The caller
// (the CLI, a test) hands in its command tree: the lessons do not import the
// CLI (test/architecture/imports.ts).

/** capability → the berth commands it needs ("registry start": a subcommand) */
export const CAPABILITIES: Readonly<Record<string, readonly string[]>> = {
  build: ['build'],
  // a lesson step cannot hold a foreground `registry serve`: it needs one that runs in the background
  registry: ['registry start'],
  // development → registry → production: deploy plus a registry that runs in the background
  deploy: ['deploy', 'registry start'],
  bench: ['bench'],
};

/** The shape of a commander program that is read here: its commands and their subcommands. */
export interface CommandTree {
  name(): string;
  readonly commands: readonly CommandTree[];
}

/** The capabilities this berth has: those whose commands `program` (the running CLI's) has. */
export function presentCapabilities(program: CommandTree): Set<string> {
  const commands = new Set(program.commands.flatMap((c) => [c.name(), ...c.commands.map((s) => `${c.name()} ${s.name()}`)]));
  return new Set(Object.entries(CAPABILITIES).filter(([, needs]) => needs.every((n) => commands.has(n))).map(([name]) => name));
}

export function missingCapabilities(requires: readonly string[], present: ReadonlySet<string>): string[] {
  return requires.filter((r) => !present.has(r));
}

/** Why a lesson cannot run yet: missing capabilities, or its author's draft note. Empty when it can. */
export function notReady(lesson: { readonly requires: readonly string[]; readonly draft?: string }, present: ReadonlySet<string>): string[] {
  return [...missingCapabilities(lesson.requires, present), ...(lesson.draft ? [`draft: ${lesson.draft}`] : [])];
}
