// What a container may do, as the user chose it (--privileged, --cap-add,
// --cap-drop, --security-opt, --device, --read-only) and as the engine
// resolves it for config.json.  Docker's defaults when nothing is chosen.

/** --device HOST[:CONTAINER[:PERMISSIONS]], as Docker's HostConfig.Devices entries. */
export interface DeviceMapping {
  readonly PathOnHost: string;
  readonly PathInContainer: string;
  /** some of "rwm" */
  readonly CgroupPermissions: string;
}

/** A seccomp profile in Docker's JSON format (moby profiles/seccomp/default.json). */
export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls?: Array<{
    names?: string[];
    name?: string;
    action: string;
    errnoRet?: number;
    args?: Array<{ index: number; value: number; valueTwo?: number; op: string }> | null;
    includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
    excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
    comment?: string;
  }>;
}

/** The seccomp choice: Docker's default profile, none, or a profile the user gave (already read and checked). */
export type SeccompChoice = { readonly kind: 'default' } | { readonly kind: 'unconfined' } | { readonly kind: 'profile'; readonly profile: DockerSeccompProfile };

/** The security settings of one container, resolved from its flags (see ./options.ts). */
export interface SecurityConfig {
  readonly privileged: boolean;
  /** the bounding/effective/permitted set, "CAP_X" names in kernel order */
  readonly capabilities: readonly string[];
  readonly seccomp: SeccompChoice;
  readonly noNewPrivileges: boolean;
  readonly readonlyRootfs: boolean;
  /** --device entries */
  readonly devices: readonly DeviceMapping[];
  /** the masked and read-only /proc and /sys paths apply (not with --privileged or systempaths=unconfined) */
  readonly maskPaths: boolean;
}
