// A module resolve hook (module.register) for `berth learn`'s start-up: Ink
// imports `throttle` from the es-toolkit/compat barrel, which loads hundreds
// of modules; this points Ink at the one module it uses.
const SHIM = new URL('./ink-compat-shim.js', import.meta.url).href;

type Next = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next) {
  if (specifier === 'es-toolkit/compat' && context.parentURL?.includes('/node_modules/ink/')) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}
