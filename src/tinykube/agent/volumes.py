"""Pod volumes on the node: directories the containers' mounts point at.

Layout, as the kubelet's: `<pods_dir>/<uid>/volumes/<plugin>/<volume>` with plugins
`kubernetes.io~empty-dir`, `kubernetes.io~configmap`, `kubernetes.io~secret`,
`kubernetes.io~downward-api`, `kubernetes.io~projected`; hostPath volumes point at the host path.
File-backed volumes (configMap, secret, downwardAPI, projected) are written with the kubelet's
atomic writer layout: a timestamped directory, a `..data` symlink to it and one symlink per
file, so a reader never sees a half-written set.

`prepare_volumes` raises `VolumeError` with the kubelet's FailedMount message when a volume
cannot be set up (missing ConfigMap, wrong hostPath type...); the pod then waits.
"""

from __future__ import annotations

import base64
import datetime
import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path

import msgspec

from tinykube.api.objects import ConfigMap
from tinykube.api.pod import KeyToPath, Pod, Volume
from tinykube.core import environment

_PLUGINS = {
    "empty_dir": "kubernetes.io~empty-dir",
    "config_map": "kubernetes.io~configmap",
    "secret": "kubernetes.io~secret",
    "downward_api": "kubernetes.io~downward-api",
    "projected": "kubernetes.io~projected",
}


class VolumeError(Exception):
    """A volume could not be set up; the message is the FailedMount event's."""


class PreparedVolume(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    host_path: Path
    read_only: bool = False


def pod_dir(pods_dir: Path, uid: str) -> Path:
    return pods_dir / uid


def volume_path(pods_dir: Path, uid: str, volume: Volume) -> Path:
    if volume.host_path is not None:
        return Path(volume.host_path.path)
    for attribute, plugin in _PLUGINS.items():
        if getattr(volume, attribute) is not None:
            return pods_dir / uid / "volumes" / plugin / volume.name
    raise VolumeError(f'MountVolume.SetUp failed for volume "{volume.name}" : not supported')


def prepare_volumes(
    pod: Pod,
    *,
    pods_dir: Path,
    sources: environment.EnvSources,
    now: datetime.datetime,
    can_mount: bool,
) -> dict[str, PreparedVolume]:
    """Create or refresh every volume of the pod; returns them by name."""
    prepared: dict[str, PreparedVolume] = {}
    for volume in pod.spec.volumes:
        try:
            prepared[volume.name] = _prepare(
                pod, volume, pods_dir=pods_dir, sources=sources, now=now, can_mount=can_mount
            )
        except VolumeError as exc:
            raise VolumeError(
                f'MountVolume.SetUp failed for volume "{volume.name}" : {exc}'
            ) from exc
        except OSError as exc:
            raise VolumeError(
                f'MountVolume.SetUp failed for volume "{volume.name}" : {exc.strerror or exc}'
            ) from exc
    return prepared


def _prepare(
    pod: Pod,
    volume: Volume,
    *,
    pods_dir: Path,
    sources: environment.EnvSources,
    now: datetime.datetime,
    can_mount: bool,
) -> PreparedVolume:
    path = volume_path(pods_dir, pod.metadata.uid, volume)
    if volume.host_path is not None:
        _check_host_path(path, volume.host_path.type or "")
        return PreparedVolume(name=volume.name, host_path=path)
    if volume.empty_dir is not None:
        if not path.exists():
            path.mkdir(parents=True, mode=0o777)
            path.chmod(0o777)
            if volume.empty_dir.medium == "Memory" and can_mount:
                _mount_tmpfs(path, volume.empty_dir.size_limit)
        return PreparedVolume(name=volume.name, host_path=path)
    files, mode = _volume_files(pod, volume, sources)
    write_atomic_dir(path, files, default_mode=mode, now=now)
    return PreparedVolume(name=volume.name, host_path=path, read_only=True)


def _mount_tmpfs(path: Path, size_limit: object) -> None:
    import subprocess  # noqa: PLC0415 - only for memory-backed emptyDirs

    options = "mode=0777"
    if size_limit is not None:
        options += f",size={size_limit.value()}"  # type: ignore[attr-defined]
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise VolumeError(f"mount tmpfs failed: {result.stderr.strip()}")


def unmount_volumes(pods_dir: Path, uid: str) -> None:
    """Unmount memory-backed volumes and remove the pod's volume directories."""
    base = pods_dir / uid
    empty_dirs = base / "volumes" / _PLUGINS["empty_dir"]
    if empty_dirs.is_dir():
        import subprocess  # noqa: PLC0415

        for child in empty_dirs.iterdir():
            if os.path.ismount(child):
                subprocess.run(["umount", "-l", str(child)], capture_output=True, check=False)
    shutil.rmtree(base, ignore_errors=True)


_HOST_PATH_CHECKS = {
    "Directory": (stat.S_ISDIR, "is not a directory"),
    "File": (stat.S_ISREG, "is not a file"),
    "Socket": (stat.S_ISSOCK, "is not a socket file"),
    "CharDevice": (stat.S_ISCHR, "is not a character device"),
    "BlockDevice": (stat.S_ISBLK, "is not a block device"),
}


def _check_host_path(path: Path, kind: str) -> None:
    if kind == "DirectoryOrCreate":
        if not path.exists():
            path.mkdir(parents=True, mode=0o755)
        kind = "Directory"
    elif kind == "FileOrCreate":
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o644)
        kind = "File"
    check = _HOST_PATH_CHECKS.get(kind)
    if check is None:
        return
    predicate, problem = check
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise VolumeError(f"hostPath type check failed: {path} {problem}") from None
    if not predicate(mode):
        raise VolumeError(f"hostPath type check failed: {path} {problem}")


def _select(
    data: Mapping[str, bytes],
    items: tuple[KeyToPath, ...],
    *,
    kind: str,
    name: str,
    optional: bool,
) -> dict[str, tuple[bytes, int | None]]:
    if not items:
        return {key: (value, None) for key, value in data.items()}
    selected: dict[str, tuple[bytes, int | None]] = {}
    for item in items:
        if item.key not in data:
            if optional:
                continue
            raise VolumeError(
                f"configmap references non-existent config key: {item.key}"
                if kind == "configmap"
                else f"references non-existent secret key: {item.key}"
            )
        selected[item.path] = (data[item.key], item.mode)
    return selected


def _volume_files(
    pod: Pod, volume: Volume, sources: environment.EnvSources
) -> tuple[dict[str, tuple[bytes, int | None]], int]:
    if volume.config_map is not None:
        source = volume.config_map
        config_map = sources.config_maps.get(source.name)
        if config_map is None:
            if source.optional:
                return {}, _mode(source.default_mode)
            raise VolumeError(f'configmap "{source.name}" not found')
        return (
            _select(
                config_map_bytes(config_map),
                source.items,
                kind="configmap",
                name=source.name,
                optional=bool(source.optional),
            ),
            _mode(source.default_mode),
        )
    if volume.secret is not None:
        secret_source = volume.secret
        secret = sources.secrets.get(secret_source.secret_name)
        if secret is None:
            if secret_source.optional:
                return {}, _mode(secret_source.default_mode)
            raise VolumeError(f'secret "{secret_source.secret_name}" not found')
        return (
            _select(
                environment.secret_data(secret),
                secret_source.items,
                kind="secret",
                name=secret_source.secret_name,
                optional=bool(secret_source.optional),
            ),
            _mode(secret_source.default_mode),
        )
    if volume.downward_api is not None:
        files: dict[str, tuple[bytes, int | None]] = {}
        for item in volume.downward_api.items:
            files[item.path] = (_downward_value(pod, item, sources), item.mode)
        return files, _mode(volume.downward_api.default_mode)
    if volume.projected is not None:
        return _projected_files(pod, volume, sources)
    raise VolumeError("not supported")


def _projected_files(
    pod: Pod, volume: Volume, sources: environment.EnvSources
) -> tuple[dict[str, tuple[bytes, int | None]], int]:
    assert volume.projected is not None
    files: dict[str, tuple[bytes, int | None]] = {}
    for projection in volume.projected.sources:
        if projection.config_map is not None:
            ref = projection.config_map
            config_map = sources.config_maps.get(ref.name)
            if config_map is None:
                if ref.optional:
                    continue
                raise VolumeError(f'configmap "{ref.name}" not found')
            files.update(
                _select(
                    config_map_bytes(config_map),
                    ref.items,
                    kind="configmap",
                    name=ref.name,
                    optional=bool(ref.optional),
                )
            )
        if projection.secret is not None:
            secret_ref = projection.secret
            secret = sources.secrets.get(secret_ref.name)
            if secret is None:
                if secret_ref.optional:
                    continue
                raise VolumeError(f'secret "{secret_ref.name}" not found')
            files.update(
                _select(
                    environment.secret_data(secret),
                    secret_ref.items,
                    kind="secret",
                    name=secret_ref.name,
                    optional=bool(secret_ref.optional),
                )
            )
        if projection.downward_api is not None:
            for item in projection.downward_api.items:
                files[item.path] = (_downward_value(pod, item, sources), item.mode)
    return files, _mode(volume.projected.default_mode)


def _downward_value(pod: Pod, item: object, sources: environment.EnvSources) -> bytes:
    field_ref = getattr(item, "field_ref", None)
    resource_ref = getattr(item, "resource_field_ref", None)
    if field_ref is not None:
        return environment.field_value(pod, field_ref.field_path, sources).encode()
    if resource_ref is not None:
        container = next(
            (
                c
                for c in (*pod.spec.init_containers, *pod.spec.containers)
                if c.name == resource_ref.container_name
            ),
            None,
        )
        if container is None:
            raise VolumeError(f"container {resource_ref.container_name} not found")
        return environment.resource_value(
            container, resource_ref.resource, resource_ref.divisor, sources
        ).encode()
    return b""


def _mode(mode: int | None) -> int:
    return 0o644 if mode is None else mode


def config_map_bytes(config_map: ConfigMap) -> dict[str, bytes]:
    data = {key: value.encode() for key, value in config_map.data.items()}
    for key, value in config_map.binary_data.items():
        data[key] = base64.b64decode(value)
    return data


def write_atomic_dir(
    path: Path,
    files: Mapping[str, tuple[bytes, int | None]],
    *,
    default_mode: int,
    now: datetime.datetime,
) -> None:
    """Write `files` under `path` with the kubelet's `..data` symlink layout."""
    path.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("..%Y_%m_%d_%H_%M_%S.%f")
    staging = path / stamp
    staging.mkdir(mode=0o755)
    for relative, (content, mode) in files.items():
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(default_mode if mode is None else mode)
    data_link = path / "..data"
    temporary = path / "..data_tmp"
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(stamp)
    previous = os.readlink(data_link) if data_link.is_symlink() else None
    temporary.replace(data_link)
    for relative in {name.split("/", 1)[0] for name in files}:
        link = path / relative
        if not link.is_symlink() and not link.exists():
            link.symlink_to(Path("..data") / relative)
    if previous is not None and previous != stamp:
        shutil.rmtree(path / previous, ignore_errors=True)
