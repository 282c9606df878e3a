// Checks every driver makes the same way, so the conformance suite sees the
// same errors from each: conflict on an existing id, not-found on a missing
// parent, conflict when removing a layer that has children.
import { conflict, notFound } from '../errors.js';
import type { StorageDriver } from './driver.js';
import { checkLayerId } from './layer-id.js';

export function checkCanCreate(driver: StorageDriver, id: string, parent: string | undefined): void {
  checkLayerId(id);
  if (driver.exists(id)) throw conflict(`${driver.name} layer "${id}" already exists`);
  if (parent !== undefined && !driver.exists(parent)) throw notFound(`${driver.name} parent layer "${parent}" does not exist`);
}

export function checkNoChildren(driver: StorageDriver, id: string): void {
  const children = driver.list().filter((other) => driver.parent(other) === id);
  if (children.length > 0) throw conflict(`${driver.name} layer "${id}" is the parent of ${children.join(', ')}: remove them first`);
}

export function checkExists(driver: StorageDriver, id: string): void {
  checkLayerId(id);
  if (!driver.exists(id)) throw notFound(`${driver.name} layer "${id}" does not exist`);
}
