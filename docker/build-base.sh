#!/usr/bin/env bash
# Build a local Debian bookworm base image with debootstrap and import it into podman as
# localhost/debian:bookworm-slim. Only for machines that cannot pull public images: everywhere
# else the Dockerfile's default BASE_IMAGE=debian:bookworm-slim is pulled from Docker Hub.
#
#   docker/build-base.sh [IMAGE]      (default localhost/debian:bookworm-slim; needs root)
#
# The root filesystem tarball is cached in docker/.base/ (gitignored), so a rerun only re-imports it.
# The mirror is the one this machine's apt uses (override with DEBIAN_MIRROR).
set -euo pipefail
cd "$(dirname "$0")"

IMAGE="${1:-localhost/debian:bookworm-slim}"
SUITE=bookworm
CACHE_DIR=.base
TARBALL="$CACHE_DIR/debian-$SUITE-slim.tar"

say() { printf '\033[1m[base] %s\033[0m\n' "$*" >&2; }

detect_mirror() {
  # First Debian URI from deb822 sources or a one-line sources.list; falls back to deb.debian.org.
  local uri
  uri="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' \
    | grep -v security | head -n1 || true)"
  [ -n "$uri" ] || uri="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' \
    | grep -v security | head -n1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

slim_rootfs() {
  # What debian:bookworm-slim leaves out: docs, man pages, locales, apt lists, caches.
  local root="$1"
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log "$root"/tmp/* 2>/dev/null || true
  find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + \
    2>/dev/null || true
  cat > "$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Install-Recommends "false";
EOF
}

write_sources() {
  local root="$1" mirror="$2"
  rm -f "$root/etc/apt/sources.list"
  cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

build_tarball() {
  local mirror rootfs
  mirror="$(detect_mirror)"
  mirror="${DEBIAN_MIRROR:-$mirror}"
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/tolk-rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' RETURN
  say "debootstrap $SUITE (minbase) from $mirror"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/debootstrap.log" >&2; return 1; }
  write_sources "$rootfs" "$mirror"
  slim_rootfs "$rootfs"
  tar -C "$rootfs" --numeric-owner -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
}

mkdir -p "$CACHE_DIR"
if podman image exists "$IMAGE"; then
  say "$IMAGE already present"
  exit 0
fi
[ -s "$TARBALL" ] || build_tarball
say "importing $TARBALL as $IMAGE"
podman import --quiet --change 'CMD ["bash"]' "$TARBALL" "$IMAGE" >/dev/null
say "done: $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec) $IMAGE"
