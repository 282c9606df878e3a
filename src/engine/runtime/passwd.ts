// /etc/passwd and /etc/group as records.  Lines that do not parse are skipped,
// as libc does, rather than guessed at: a uid read as 0 by mistake is root.

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

const ID = /^\d{1,10}$/;

function lines(text: string): string[][] {
  return text.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !/^[+-]/.test(line)) // NIS "+" lines name no user
    .map((line) => line.split(':'));
}

/** name:password:uid:gid:gecos:home:shell */
export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 4 && f[0] !== '' && ID.test(f[2]!) && ID.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
}

/** name:password:gid:member,member */
export function parseGroup(text: string): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3 && f[0] !== '' && ID.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) }));
}
