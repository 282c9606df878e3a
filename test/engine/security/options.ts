// The security flags resolved as Docker resolves them (moby TweakCapabilities,
// parseSecurityOpt): capability arithmetic, --privileged, --security-opt.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveCapabilities, resolveSecurity, securityHostConfig } from '../../../src/engine/security/options.js';
import { DEFAULT_CAPABILITIES } from '../../../src/engine/runtime/oci-defaults.js';
import { buildOciSpec } from '../../../src/engine/runtime/oci-spec.js';

const options = suite('security options');

options('no flags: Docker\'s 14 capabilities, default seccomp, masked paths', () => {
  const security = resolveSecurity(securityHostConfig({}));
  assert.equal([...security.capabilities].sort(), [...DEFAULT_CAPABILITIES].sort());
  assert.is(security.seccomp.kind, 'default');
  assert.ok(security.maskPaths);
  assert.not.ok(security.privileged);
});

options('cap-add and cap-drop: names in any spelling, ALL, add wins over drop', () => {
  const caps = resolveCapabilities(['net_admin', 'CAP_SYS_TIME'], ['NET_RAW', 'mknod'], false);
  assert.ok(caps.includes('CAP_NET_ADMIN') && caps.includes('CAP_SYS_TIME'));
  assert.not.ok(caps.includes('CAP_NET_RAW') || caps.includes('CAP_MKNOD'));
  assert.equal(resolveCapabilities(['NET_RAW'], ['ALL'], false), ['CAP_NET_RAW']);
  assert.equal(resolveCapabilities([], ['ALL'], false), []);
  const all = resolveCapabilities(['ALL'], ['SYS_ADMIN'], false);
  assert.ok(all.includes('CAP_SYS_MODULE'));
  assert.not.ok(all.includes('CAP_SYS_ADMIN'));
  assert.equal(resolveCapabilities(['CHOWN'], ['CHOWN'], false).includes('CAP_CHOWN'), true);
  assert.throws(() => securityHostConfig({ capAdd: ['FLY'] }), /invalid CapAdd: unknown capability: "FLY"/);
  assert.throws(() => securityHostConfig({ capDrop: ['CAP_NOPE'] }), /invalid CapDrop/);
});

options('--privileged: every capability the engine holds, no seccomp, no masked paths, all devices, /sys writable', () => {
  const security = resolveSecurity(securityHostConfig({ privileged: true }));
  assert.ok(security.capabilities.includes('CAP_SYS_ADMIN'));
  assert.is(security.seccomp.kind, 'unconfined');
  assert.not.ok(security.maskPaths);
  const spec = buildOciSpec({ id: 'x'.repeat(64), rootfs: '/tmp/r', args: ['true'], env: [], user: { uid: 0, gid: 0 }, security });
  assert.equal(spec.linux.maskedPaths, []);
  assert.equal(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.is(spec.linux.seccomp, undefined);
  assert.not.ok(spec.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
});

options('--security-opt: seccomp, no-new-privileges, systempaths; refusals name the option', () => {
  const unconfined = resolveSecurity(securityHostConfig({ securityOpt: ['seccomp=unconfined', 'no-new-privileges=false'] }));
  assert.is(unconfined.seccomp.kind, 'unconfined');
  assert.is(unconfined.noNewPrivileges, false);
  const inline = securityHostConfig({ securityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', 'no-new-privileges'] });
  assert.equal(inline.securityOpt, ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', 'no-new-privileges=true']);
  const profile = resolveSecurity(inline).seccomp;
  assert.is(profile.kind, 'profile');
  assert.not.ok(resolveSecurity(securityHostConfig({ securityOpt: ['systempaths=unconfined'] })).maskPaths);
  assert.throws(() => securityHostConfig({ securityOpt: ['seccomp'] }), /seccomp=unconfined/);
  assert.throws(() => securityHostConfig({ securityOpt: ['apparmor=docker-default'] }), /AppArmor/);
  assert.throws(() => securityHostConfig({ securityOpt: ['sandbox=yes'] }), /invalid --security-opt sandbox=yes/);
  assert.throws(() => securityHostConfig({ securityOpt: ['seccomp=/no/such/profile.json'] }), /opening seccomp profile/);
});

options('--read-only sets root.readonly', () => {
  const security = resolveSecurity(securityHostConfig({ readOnly: true }));
  const spec = buildOciSpec({ id: 'y'.repeat(64), rootfs: '/tmp/r', args: ['true'], env: [], user: { uid: 0, gid: 0 }, security });
  assert.ok(spec.root.readonly);
});

options.run();
