#!/usr/bin/env bash
# The whole set-up, for `npm start` and `npm test` on a fresh machine:
# system packages berth needs, npm install, the native build, TypeScript.
# Idempotent and quick when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a command (or file) that shows it is installed.
PACKAGES=(
  "busybox-static:/bin/busybox"
  "iptables:iptables"
  "btrfs-progs:mkfs.btrfs"
  "debootstrap:debootstrap"
  "runc:runc"
  "e2fsprogs:mkfs.ext4"
  "iproute2:ip"
  "procps:ps"
  "util-linux:unshare"
  "skopeo:skopeo"
  "docker-registry:docker-registry"
  "apache2-utils:htpasswd"
  "gcc:gcc"
  "make:make"
  "libseccomp-dev:/usr/include/seccomp.h"
  # The cgroup v2 VM test (scripts/vm/): QEMU, the initramfs' cpio, depmod for the kernel's modules.
  "qemu-system-x86:qemu-system-x86_64"
  "cpio:cpio"
  "kmod:depmod"
  # The S3 driver's tests: OpenStack Swift with its s3api middleware on loopback (src/bench/swift-s3.ts).
  "swift:swift-ring-builder"
  "swift-proxy:swift-proxy-server"
  "swift-account:swift-account-server"
  "swift-container:swift-container-server"
  "swift-object:swift-object-server"
)

have() { case "$1" in /*) [ -e "$1" ] ;; *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;; esac; }

missing=()
for entry in "${PACKAGES[@]}"; do
  pkg="${entry%%:*}"; probe="${entry#*:}"
  have "$probe" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "berth set-up: missing packages: ${missing[*]}" >&2
    echo "berth needs root (namespaces, mounts, cgroups): run this as root, or install them with sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "berth set-up: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "berth set-up: this is not a Debian system; install these packages (or your distribution's equivalents) and run again: ${missing[*]}" >&2
    exit 1
  fi
fi

# npm install when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "berth set-up: npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

# The OCI distribution-spec conformance suite (test/engine/registry/oci-conformance.ts
# runs it against berth's registry), built once per version from the Go module proxy
# into a cache; `current` points at the version the test runs.  Without Go (1.24 or
# later) set-up says so and goes on: the test skips, or fails when CI=true.
OCI_CONFORMANCE_VERSION=v0.0.0-20260831232431-97274622c111
OCI_CONFORMANCE_CACHE=${BERTH_OCI_CONFORMANCE_CACHE:-/var/cache/berth-conformance}
if [ ! -x "$OCI_CONFORMANCE_CACHE/$OCI_CONFORMANCE_VERSION/conformance" ]; then
  if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
    echo "berth set-up: building the OCI conformance suite $OCI_CONFORMANCE_VERSION (go install)"
    gobin=$(mktemp -d)
    if PATH="$PATH:/usr/local/go/bin" GOBIN="$gobin" go install "github.com/opencontainers/distribution-spec/conformance@$OCI_CONFORMANCE_VERSION"; then
      mkdir -p "$OCI_CONFORMANCE_CACHE/$OCI_CONFORMANCE_VERSION"
      mv "$gobin/conformance" "$OCI_CONFORMANCE_CACHE/$OCI_CONFORMANCE_VERSION/conformance"
    else
      echo "berth set-up: could not build the OCI conformance suite (go install failed above); its test will skip, or fail when CI=true" >&2
    fi
    rm -rf "$gobin"
  else
    echo "berth set-up: Go is not installed, so the OCI conformance suite is not built; install Go 1.24 or later (https://go.dev/dl) for its test" >&2
  fi
fi
if [ -x "$OCI_CONFORMANCE_CACHE/$OCI_CONFORMANCE_VERSION/conformance" ]; then
  ln -sfn "$OCI_CONFORMANCE_VERSION" "$OCI_CONFORMANCE_CACHE/current"
fi

make -s -C native
npx --no-install tsc -p tsconfig.json
