// Garbage collection: the place for it (issue 17 adds it; today nothing
// reclaims bytes).  Deleting a manifest, a tag or a blob link only removes
// the reference, as in Docker's distribution; the bytes under /blobs stay
// until a collector runs.
//
// It belongs here, above the driver, written once for every backend: a mark
// phase over layout.ts (every repository's revisions, the config and layers
// their manifests name, the children of indexes) and a sweep of /blobs and of
// uploads older than a cut-off, with the registry read-only meanwhile (or
// with distribution's "delete untagged" rule).  Drivers need nothing more
// than list/stat/get/delete for it.
export {};
