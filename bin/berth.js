#!/usr/bin/env -S node --
// The `berth` command: compiled JavaScript only, no TypeScript loader at run time.
// The "--" stops Node 20 from taking `berth run --env-file FILE` as its own
// --env-file flag (it scans the whole command line for it).
import '../dist/src/cli/main.js';
