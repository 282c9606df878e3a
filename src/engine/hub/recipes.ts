// Images the lab's hub offers that are built, not assembled: what the lessons
// need beyond the base images (the seed's "search apache" finds one).  Built
// with `berth build` from debian:bookworm on the first pull from the local hub
// (RUN reaches Debian's mirror through NAT), then pushed to the hub, so every
// later pull in the room is a plain pull.
export interface HubRecipe {
  readonly description: string;
  /** the Dockerfile; the build context is empty */
  readonly dockerfile: string;
}

export const HUB_RECIPES: Readonly<Record<string, HubRecipe>> = {
  'apache2:latest': {
    description: 'Apache HTTP Server 2.4 on Debian bookworm, serving /var/www/html on port 80',
    dockerfile: [
      'FROM debian:bookworm',
      'RUN apt-get -o Acquire::Retries=3 update \\',
      ' && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y --no-install-recommends apache2 \\',
      ' && rm -rf /var/lib/apt/lists/* \\',
      ' && echo "<h1>It works! (apache2 in a berth container)</h1>" > /var/www/html/index.html',
      'EXPOSE 80',
      'LABEL org.opencontainers.image.description="Apache HTTP Server 2.4 on Debian bookworm, serving /var/www/html on port 80"',
      'CMD ["apachectl", "-D", "FOREGROUND"]',
      '',
    ].join('\n'),
  },
};
