// `WWW-Authenticate` headers, as registries send them:
//   Basic realm="basic-realm"
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
// A header may hold several challenges; parameters are comma separated and
// their values quoted or not (a quoted value may hold commas and \-escapes).

export interface Challenge {
  /** lowercase: "basic", "bearer" */
  readonly scheme: string;
  /** lowercase parameter names */
  readonly params: Readonly<Record<string, string>>;
}

export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  let i = 0;
  const skip = () => { while (i < header.length && /[\s,]/.test(header[i]!)) i++; };
  const token = () => { const start = i; while (i < header.length && /[^\s,=]/.test(header[i]!)) i++; return header.slice(start, i); };
  while (i < header.length) {
    skip();
    const word = token();
    if (!word) { i++; continue; }
    while (i < header.length && header[i] === ' ') i++;
    if (header[i] === '=' && challenges.length) {
      // a parameter of the current challenge
      i++;
      while (header[i] === ' ') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i++];
        }
        i++;
      } else {
        value = token();
      }
      challenges[challenges.length - 1]!.params[word.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: word.toLowerCase(), params: {} });
    }
  }
  return challenges;
}
