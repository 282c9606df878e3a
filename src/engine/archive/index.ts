// Layer tars: applying them onto a directory, and making them from one.
export { applyLayer, type ApplyOptions, type WhiteoutMode } from './apply-layer.js';
export { packChanges } from './pack-changes.js';
export { packOverlayUpper, isOpaqueDir } from './pack-overlay.js';
export { packDirectory } from './pack-directory.js';
export { walk, type WalkEntry } from './walk.js';
export { readXattrs, sameXattrs } from './xattrs.js';
