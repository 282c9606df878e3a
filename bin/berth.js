#!/usr/bin/env -S node --
// The `berth` command: compiled JavaScript only, no TypeScript loader at run time.
// The "--" stops Node 20 from taking `berth run --env-file FILE` as its own
// --env-file flag (it scans the whole command line for it).
//
// The AWS SDK (the registry's S3 driver) warns on every start under Node 20
// that its releases after January 2027 need Node 22; berth pins its version
// (package-lock.json), so the warning would only be noise on a learner's
// `berth hub serve --storage s3://…`.  A user who sets the variable wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import('../dist/src/cli/main.js');
