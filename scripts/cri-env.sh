#!/usr/bin/env bash
# The local CRI environment for tinykube's CRI runtime and its tests, on a Debian 12 machine without
# systemd and without internet (Debian mirror only):
#   - containerd (cgroupfs driver, offline pause image, CRI endpoint unix:///run/containerd/containerd.sock)
#   - a local registry (docker-registry, plain http on 127.0.0.1:5000) mirroring docker.io/library/*
#   - small test images built offline from busybox-static and pushed to it
#
# Usage (as root):
#   scripts/cri-env.sh up       install what is missing, configure, start, build and push images (idempotent)
#   scripts/cri-env.sh status   show what runs; exit 1 if something is down
#   scripts/cri-env.sh down     stop containerd and the registry (packages, images and state stay)
#   scripts/cri-env.sh podman   install and configure podman (runc, cgroupfs, no systemd) as a peer
#
# State: /etc/containerd/config.toml, /etc/containerd/certs.d, /etc/cni/net.d/10-containerd-net.conflist,
# /var/lib/containerd, /etc/tinykube-registry/config.yml, /var/lib/tinykube-registry,
# pid files in /run/tinykube-cri, logs in /var/log/containerd.log and /var/log/tinykube-registry.log.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CRI_SOCKET=/run/containerd/containerd.sock
CRI_ENDPOINT=unix://$CRI_SOCKET
CONTAINERD_CONFIG=/etc/containerd/config.toml
CERTS_DIR=/etc/containerd/certs.d
CNI_CONFIG=/etc/cni/net.d/10-containerd-net.conflist
REGISTRY=127.0.0.1:5000
REGISTRY_CONFIG=/etc/tinykube-registry/config.yml
REGISTRY_ROOT=/var/lib/tinykube-registry
RUN_DIR=/run/tinykube-cri
CONTAINERD_PID=$RUN_DIR/containerd.pid
REGISTRY_PID=$RUN_DIR/registry.pid
CONTAINERD_LOG=/var/log/containerd.log
REGISTRY_LOG=/var/log/tinykube-registry.log
PAUSE_IMAGE=localhost/pause:3.9
START_DEADLINE=30

PACKAGES=(containerd runc containernetworking-plugins catatonit busybox-static docker-registry
    skopeo umoci iproute2 iptables curl procps util-linux)

# repository:tag pushed to the local registry (the library/* ones serve docker.io/library/*)
IMAGE_TAGS=(busybox:1.35 busybox:latest library/busybox:1.35 library/busybox:latest
    echo-entrypoint:1 nobody-workdir:1 pause:3.9)

say() { printf 'cri-env: %s\n' "$*"; }
die() { printf 'cri-env: error: %s\n' "$*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts containerd)"
}

# ---- packages

install_missing() { # install_missing PACKAGE...
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# ---- files

CHANGED=0
write_file() { # write_file PATH < content; sets CHANGED=1 when the file was created or changed
    local path=$1 tmp
    tmp=$(mktemp)
    cat > "$tmp"
    if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
        rm -f "$tmp"
        return
    fi
    mkdir -p "$(dirname "$path")"
    install -m 0644 "$tmp" "$path"
    rm -f "$tmp"
    CHANGED=1
    say "wrote $path"
}

write_containerd_config() {
    write_file "$CONTAINERD_CONFIG" <<EOF
# Written by tinykube scripts/cri-env.sh
version = 2

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    # root lacks CAP_SYS_RESOURCE here: runc cannot set the sandbox's oom_score_adj=-998
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$CERTS_DIR"
EOF
    write_file "$CERTS_DIR/$REGISTRY/hosts.toml" <<EOF
server = "http://$REGISTRY"

[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve", "push"]
EOF
    # busybox:1.35 and docker.io/library/busybox:1.35 come from the local registry
    write_file "$CERTS_DIR/docker.io/hosts.toml" <<EOF
server = "https://registry-1.docker.io"

[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
    # sorts before podman's 87-podman-bridge.conflist: containerd uses only the first file
    write_file "$CNI_CONFIG" <<'EOF'
{
  "cniVersion": "0.4.0",
  "name": "containerd-net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "promiscMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "10.22.0.0/16"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall"}
  ]
}
EOF
}

write_registry_config() {
    write_file "$REGISTRY_CONFIG" <<EOF
# Written by tinykube scripts/cri-env.sh: no auth, loopback only, plain http
version: 0.1
log:
  level: warn
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $REGISTRY_ROOT/storage
  delete:
    enabled: true
http:
  addr: $REGISTRY
  headers:
    X-Content-Type-Options: [nosniff]
EOF
}

# ---- processes (found by their pid files; the comm name guards against reused pids)

pid_of() { # pid_of PIDFILE COMM -> prints the pid if that process runs
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

containerd_pid() {
    pid_of "$CONTAINERD_PID" containerd || pgrep -x containerd | head -n 1
}

registry_pid() {
    pid_of "$REGISTRY_PID" docker-registry
}

containerd_answers() {
    timeout 5 ctr --address "$CRI_SOCKET" version > /dev/null 2>&1
}

cri_plugin_ok() {
    timeout 5 ctr --address "$CRI_SOCKET" plugins ls 2>/dev/null \
        | grep -Eq '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$'
}

registry_answers() {
    curl -sf -m 2 -o /dev/null "http://$REGISTRY/v2/"
}

stop_pid() { # stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s
    local pid=$1 name=$2 waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if [ $waited -ge 100 ]; then
            say "$name (pid $pid) ignored SIGTERM for 10 s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    say "stopped $name (pid $pid)"
}

wait_until() { # wait_until NAME PID LOG CHECK...: poll CHECK until it succeeds, START_DEADLINE s at most
    local name=$1 pid=$2 log=$3 deadline=$((SECONDS + START_DEADLINE))
    shift 3
    until "$@"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$log" >&2 || true
            die "$name exited during start-up (log: $log)"
        fi
        if [ $SECONDS -ge $deadline ]; then
            tail -n 20 "$log" >&2 || true
            die "$name did not answer within ${START_DEADLINE}s (log: $log)"
        fi
        sleep 0.05
    done
}

ensure_registry() {
    local restart=$1 pid
    pid=$(registry_pid) || pid=""
    if [ -n "$pid" ] && [ "$restart" = 0 ] && registry_answers; then
        return
    fi
    [ -z "$pid" ] || stop_pid "$pid" registry
    registry_answers && die "something else answers on $REGISTRY; stop it first"
    mkdir -p "$REGISTRY_ROOT/storage" "$RUN_DIR"
    chown -R docker-registry:docker-registry "$REGISTRY_ROOT"
    # setpriv execs the registry itself, so $! is the registry's own pid
    setsid setpriv --reuid docker-registry --regid docker-registry --init-groups \
        /usr/bin/docker-registry serve "$REGISTRY_CONFIG" >> "$REGISTRY_LOG" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$REGISTRY_PID"
    wait_until registry "$pid" "$REGISTRY_LOG" registry_answers
    say "registry started on http://$REGISTRY (pid $pid, log $REGISTRY_LOG)"
}

ensure_containerd() {
    local restart=$1 pid
    pid=$(containerd_pid) || pid=""
    if [ -n "$pid" ] && [ "$restart" = 0 ] && containerd_answers && cri_plugin_ok; then
        echo "$pid" > "$RUN_DIR/containerd.pid"
        return
    fi
    [ -z "$pid" ] || stop_pid "$pid" containerd
    mkdir -p "$RUN_DIR"
    setsid containerd --config "$CONTAINERD_CONFIG" >> "$CONTAINERD_LOG" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$CONTAINERD_PID"
    wait_until containerd "$pid" "$CONTAINERD_LOG" containerd_answers
    wait_until "containerd's CRI plugin" "$pid" "$CONTAINERD_LOG" cri_plugin_ok
    say "containerd started (pid $pid, endpoint $CRI_ENDPOINT, log $CONTAINERD_LOG)"
}

# ---- images

registry_has() { # registry_has REPO:TAG
    local repo=${1%:*} tag=${1##*:}
    curl -sf -m 2 -o /dev/null -I \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REGISTRY/v2/$repo/manifests/$tag"
}

pause_imported() {
    ctr --address "$CRI_SOCKET" -n k8s.io images ls -q "name==$PAUSE_IMAGE" | grep -qx "$PAUSE_IMAGE"
}

build_images() { # build_images DIR: OCI layout DIR/oci with tags busybox, echo-entrypoint, nobody-workdir, pause
    local work=$1 rootfs=$1/busybox applet
    umoci init --layout "$work/oci"

    # sandbox ("pause") image: static catatonit in pause mode
    umoci new --image "$work/oci:pause"
    umoci insert --image "$work/oci:pause" /usr/bin/catatonit /catatonit > /dev/null
    umoci config --image "$work/oci:pause" --config.entrypoint /catatonit --config.entrypoint -P \
        --config.stopsignal SIGINT

    # busybox from busybox-static: PATH=/bin, root and nobody (65534), /tmp 1777
    mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
    chmod 1777 "$rootfs/tmp"
    chmod 0700 "$rootfs/root"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
    done
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
        > "$rootfs/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$rootfs/etc/group"
    umoci new --image "$work/oci:busybox"
    umoci insert --image "$work/oci:busybox" "$rootfs" / > /dev/null
    umoci config --image "$work/oci:busybox" --config.env PATH=/bin --config.cmd sh

    # same layer, ENTRYPOINT and CMD set: for Kubernetes' command/args combination rules
    umoci config --image "$work/oci:busybox" --tag echo-entrypoint \
        --config.entrypoint /bin/echo --config.entrypoint from-entrypoint --config.cmd default-arg
    # same layer, USER 65534 and WORKDIR /tmp: for runAsUser and workingDir defaults
    # shellcheck disable=SC2016  # the container's shell expands $(id -u) and $(pwd)
    umoci config --image "$work/oci:busybox" --tag nobody-workdir \
        --config.user 65534 --config.workingdir /tmp \
        --config.cmd sh --config.cmd -c --config.cmd 'echo "uid=$(id -u) cwd=$(pwd)"'
}

push() { # push DIR LAYOUT_TAG REPO:TAG
    skopeo copy -q --dest-tls-verify=false "oci:$1/oci:$2" "docker://$REGISTRY/$3"
}

ensure_images() {
    local missing=() ref work
    for ref in "${IMAGE_TAGS[@]}"; do
        registry_has "$ref" || missing+=("$ref")
    done
    if [ ${#missing[@]} -gt 0 ] || ! pause_imported; then
        work=$(mktemp -d /tmp/tinykube-cri-images.XXXXXX)
        say "building images offline"
        build_images "$work"
        for ref in "${missing[@]}"; do
            case $ref in
                busybox:* | library/busybox:*) push "$work" busybox "$ref" ;;
                echo-entrypoint:*) push "$work" echo-entrypoint "$ref" ;;
                nobody-workdir:*) push "$work" nobody-workdir "$ref" ;;
                pause:*) push "$work" pause "$ref" ;;
                *) die "no recipe for image $ref" ;;
            esac
            say "pushed $REGISTRY/$ref"
        done
        if ! pause_imported; then
            # imported under a name no registry serves: pods start even with the registry down
            skopeo copy -q "oci:$work/oci:pause" "oci-archive:$work/pause.tar:$PAUSE_IMAGE"
            ctr --address "$CRI_SOCKET" -n k8s.io images import "$work/pause.tar" > /dev/null
            say "imported sandbox image $PAUSE_IMAGE into containerd (namespace k8s.io)"
        fi
        rm -rf "$work"
    fi
}

print_images() {
    say "images:"
    printf '  %s\n' \
        "$REGISTRY/busybox:1.35 (also busybox:1.35, docker.io/library/busybox:1.35 via the mirror)" \
        "$REGISTRY/busybox:latest (also busybox:latest, docker.io/library/busybox:latest)" \
        "$REGISTRY/echo-entrypoint:1 (ENTRYPOINT [\"/bin/echo\",\"from-entrypoint\"] CMD [\"default-arg\"])" \
        "$REGISTRY/nobody-workdir:1 (USER 65534, WORKDIR /tmp, CMD prints uid and cwd)" \
        "$REGISTRY/pause:3.9 and $PAUSE_IMAGE (sandbox image: catatonit -P)"
}

# ---- status

cri_check() { # Version and Status through the CRI itself, when the project's venv has the client
    local py=$ROOT/.venv/bin/python
    if [ -x "$py" ] && "$py" -c 'import cri_api, grpc' 2> /dev/null; then
        "$py" - "$CRI_ENDPOINT" <<'EOF'
import sys

import grpc
from cri_api.v1 import api_pb2 as pb
from cri_api.v1 import api_pb2_grpc as pbg

with grpc.insecure_channel(sys.argv[1]) as channel:
    runtime = pbg.RuntimeServiceStub(channel)
    version = runtime.Version(pb.VersionRequest(), timeout=5)
    conditions = runtime.Status(pb.StatusRequest(), timeout=5).status.conditions
    states = ", ".join(f"{c.type}={c.status}" for c in conditions)
    print(f"  CRI: {version.runtime_name} {version.runtime_version} ({version.runtime_api_version}): {states}")
    sys.exit(0 if all(c.status for c in conditions if c.type == "RuntimeReady") else 1)
EOF
    else
        cri_plugin_ok && echo "  CRI: plugin io.containerd.grpc.v1.cri ok (no Python CRI client in $ROOT/.venv)"
    fi
}

status() {
    local down=0 pid ref
    if pid=$(containerd_pid) && containerd_answers; then
        echo "  containerd: running (pid $pid), $CRI_ENDPOINT answers"
        if ! cri_check; then
            echo "  CRI: NOT ready"
            down=1
        fi
        if pause_imported; then
            echo "  sandbox image $PAUSE_IMAGE: present"
        else
            echo "  sandbox image $PAUSE_IMAGE: MISSING"
            down=1
        fi
    else
        echo "  containerd: DOWN ($CRI_ENDPOINT does not answer)"
        down=1
    fi
    if pid=$(registry_pid) && registry_answers; then
        echo "  registry: running (pid $pid) on http://$REGISTRY"
        for ref in "${IMAGE_TAGS[@]}"; do
            if ! registry_has "$ref"; then
                echo "  image $REGISTRY/$ref: MISSING"
                down=1
            fi
        done
    else
        echo "  registry: DOWN (http://$REGISTRY/v2/ does not answer)"
        down=1
    fi
    return $down
}

# ---- sub-commands

up() {
    need_root
    install_missing "${PACKAGES[@]}"
    mkdir -p "$RUN_DIR"
    CHANGED=0
    write_registry_config
    ensure_registry "$CHANGED"
    CHANGED=0
    write_containerd_config
    ensure_containerd "$CHANGED"
    ensure_images
    print_images
    say "status:"
    status
}

down() {
    need_root
    local pid
    if pid=$(containerd_pid); then stop_pid "$pid" containerd; else say "containerd: not running"; fi
    if pid=$(registry_pid); then stop_pid "$pid" registry; else say "registry: not running"; fi
    rm -f "$CONTAINERD_PID" "$REGISTRY_PID"
}

podman_setup() {
    need_root
    install_missing podman runc conmon catatonit
    CHANGED=0
    # crun fails on this cgroup v1 hybrid host; no systemd: cgroupfs, file events, no journald
    write_file /etc/containers/containers.conf.d/50-tinykube.conf <<'EOF'
# Written by tinykube scripts/cri-env.sh
[containers]
# root lacks CAP_SYS_RESOURCE here: podman's default RLIMIT_NOFILE/NPROC raise fails
default_ulimits = []
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    write_file /etc/containers/registries.conf.d/50-tinykube-local.conf <<EOF
# Written by tinykube scripts/cri-env.sh: the local registry speaks plain http
[[registry]]
location = "$REGISTRY"
insecure = true
EOF
    local info
    info=$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}') \
        || die "podman info failed"
    [ "$info" = "runc cgroupfs" ] || die "podman uses '$info', expected 'runc cgroupfs'"
    say "podman $(podman version --format '{{.Client.Version}}'): runtime runc, cgroup manager cgroupfs"
}

case ${1:-} in
    up) up ;;
    down) down ;;
    status)
        say "status:"
        status
        ;;
    podman) podman_setup ;;
    *)
        echo "usage: $0 up|down|status|podman" >&2
        exit 2
        ;;
esac
