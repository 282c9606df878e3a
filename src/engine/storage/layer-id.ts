// Layer ids become directory names, so an id must be one plain path component.
import { invalid } from '../errors.js';

const LAYER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkLayerId(id: string): string {
  if (!LAYER_ID.test(id)) throw invalid(`layer id "${id}" is not valid (letters, digits, "_", ".", "-"; at most 128)`);
  return id;
}

/** Names in a driver's directory that are not layers: temporaries and bookkeeping start with a dot. */
export function isLayerName(name: string): boolean {
  return LAYER_ID.test(name);
}
