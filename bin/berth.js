#!/usr/bin/env node
// The `berth` command: compiled JavaScript only, no TypeScript loader at run time.
import '../dist/src/cli/main.js';
