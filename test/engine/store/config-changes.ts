import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyConfigChanges, validateChange } from '../../../src/engine/store/config-changes.js';
import { BerthError } from '../../../src/engine/errors.js';

const test = suite('store/config-changes');

test('CMD and ENTRYPOINT: JSON array (exec form) or shell form', () => {
  assert.equal(applyConfigChanges({}, ['CMD ["nginx", "-g", "daemon off;"]']).Cmd, ['nginx', '-g', 'daemon off;']);
  assert.equal(applyConfigChanges({}, ['CMD echo hello $HOME']).Cmd, ['/bin/sh', '-c', 'echo hello $HOME']);
  assert.equal(applyConfigChanges({}, ['ENTRYPOINT ["/bin/app"]']).Entrypoint, ['/bin/app']);
  assert.equal(applyConfigChanges({}, ['entrypoint top -b']).Entrypoint, ['/bin/sh', '-c', 'top -b']);
  // Not valid JSON: Docker falls back to the shell form.
  assert.equal(applyConfigChanges({}, ['CMD [not json']).Cmd, ['/bin/sh', '-c', '[not json']);
});

test('ENV: K=V pairs with quotes, the legacy K V form, replacement and expansion', () => {
  const base = { Env: ['PATH=/usr/bin:/bin', 'A=old'] };
  const config = applyConfigChanges(base, ['ENV A=new B="two words" C=x\\ y', 'ENV GREETING hello   world', 'ENV PATH=/opt/bin:$PATH D=${B}!']);
  assert.equal(config.Env, ['A=new', 'B=two words', 'C=x y', 'GREETING=hello world', 'PATH=/opt/bin:/usr/bin:/bin', 'D=two words!']);
  assert.equal(base.Env, ['PATH=/usr/bin:/bin', 'A=old'], 'the input is not changed');
  assert.equal(applyConfigChanges({}, ["ENV S='$NOT_EXPANDED'"]).Env, ['S=$NOT_EXPANDED']);
});

test('EXPOSE: default tcp, protocols, ranges', () => {
  assert.equal(applyConfigChanges({ ExposedPorts: { '22/tcp': {} } }, ['EXPOSE 80 53/udp 8000-8002/tcp']).ExposedPorts, {
    '22/tcp': {}, '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {},
  });
  assert.throws(() => applyConfigChanges({}, ['EXPOSE http']), /invalid port "http"/);
  assert.throws(() => applyConfigChanges({}, ['EXPOSE 70000']), /1-65535/);
});

test('LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL, ONBUILD', () => {
  const config = applyConfigChanges({ WorkingDir: '/srv' }, [
    'LABEL maintainer="Ada L" version=1',
    'USER nobody',
    'VOLUME /data',
    'VOLUME ["/a", "/b"]',
    'WORKDIR app',
    'STOPSIGNAL SIGQUIT',
    'ONBUILD RUN echo hi',
  ]);
  assert.equal(config.Labels, { maintainer: 'Ada L', version: '1' });
  assert.is(config.User, 'nobody');
  assert.equal(config.Volumes, { '/data': {}, '/a': {}, '/b': {} });
  assert.is(config.WorkingDir, '/srv/app');
  assert.is(config.StopSignal, 'SIGQUIT');
  assert.equal(config.OnBuild, ['RUN echo hi']);
  assert.is(applyConfigChanges({ WorkingDir: '/srv' }, ['WORKDIR /abs']).WorkingDir, '/abs');
});

test('unknown and build-only instructions are refused, quoting them', () => {
  const kindOf = (change: string) => {
    try { validateChange(change); } catch (e) { return [(e as BerthError).kind, (e as Error).message]; }
    return ['accepted'];
  };
  assert.equal(kindOf('FOO bar'), ['invalid', 'dockerfile parse error: unknown instruction: FOO']);
  assert.equal(kindOf('RUN apt-get update')[0], 'invalid');
  assert.match(kindOf('RUN apt-get update')[1]!, /^RUN is not a valid change command/);
  assert.match(kindOf('CMD')[1]!, /CMD requires at least one argument/);
  assert.match(kindOf('LABEL novalue')[1]!, /expected key=value, got "novalue"/);
  assert.match(kindOf('USER a b')[1]!, /USER takes one argument/);
  assert.match(kindOf('ENV A="unterminated')[1]!, /unterminated quote/);
  assert.match(kindOf('')[1]!, /empty change/);
});

test.run();
