// The TypeScript sources under a directory, for the architecture rules that
// read the tree (imports.ts, settings-env.ts).
import fs from 'node:fs';
import path from 'node:path';

/** Every .ts and .tsx file below `dir` (declaration files left out); none when it does not exist. */
export function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
