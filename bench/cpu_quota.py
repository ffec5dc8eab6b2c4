"""A fixed CPU quota for a process, with the Linux cpu cgroup (v1, or v2's `cpu.max`).

    with cpu_quota.group("ws-scale-0", 0.25) as group:   # a quarter of one core
        group.add(pid)
        ... group.throttling() ...

The group is created under this process's own cgroup (v1) or the unified hierarchy's root (v2) and
removed on leaving the block, once its processes have exited. Needs root (or a delegated,
writable hierarchy); `UnavailableError` says plainly why not, and nothing falls back to running
unconstrained.
"""

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000
RMDIR_WAIT_SECONDS = 10


class UnavailableError(RuntimeError):
    """No writable cpu controller here."""


@dataclass
class Throttling:
    periods: int
    throttled: int
    seconds: float  # time the group was held back by its quota

    def __sub__(self, other):
        return Throttling(self.periods - other.periods, self.throttled - other.throttled, self.seconds - other.seconds)


class Group:
    def __init__(self, path: Path, version: int):
        self.path, self.version = path, version

    def add(self, pid: int) -> None:
        # cgroup.procs moves every thread of the process, not only the one pid names.
        (self.path / "cgroup.procs").write_text(str(pid))

    def throttling(self) -> Throttling:
        stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        if self.version == 1:
            seconds = int(stat["throttled_time"]) / 1e9  # nanoseconds
        else:
            seconds = int(stat["throttled_usec"]) / 1e6
        return Throttling(int(stat["nr_periods"]), int(stat["nr_throttled"]), seconds)


def v1_parent() -> Path | None:
    """This process's own cgroup in the v1 cpu hierarchy, if one is mounted."""
    for mount in ("cpu", "cpu,cpuacct"):
        base = CGROUP_ROOT / mount
        if (base / "cpu.cfs_quota_us").exists():
            for line in Path("/proc/self/cgroup").read_text().splitlines():
                _id, controllers, path = line.split(":", 2)
                if "cpu" in controllers.split(","):
                    return base / path.lstrip("/")
            return base
    return None


def create(name: str, quota: float) -> Group:
    """A new cgroup allowed `quota` cores' worth of CPU time per period (0.25: a quarter of one)."""
    quota_us = round(quota * PERIOD_US)
    if quota_us < 1000:  # the kernel's least; and -1 would mean no limit at all
        raise ValueError(f"a CPU quota of {quota} of a core is below the kernel's least (0.01)")
    try:
        if (CGROUP_ROOT / "cgroup.controllers").exists():  # unified hierarchy only: v2
            if "cpu" not in (CGROUP_ROOT / "cgroup.controllers").read_text().split():
                raise UnavailableError(f"cgroup v2 at {CGROUP_ROOT} has no cpu controller")
            # Children only get the cpu files if the parent hands the controller down.
            if "cpu" not in (CGROUP_ROOT / "cgroup.subtree_control").read_text().split():
                (CGROUP_ROOT / "cgroup.subtree_control").write_text("+cpu")
            created = Group(CGROUP_ROOT / name, 2)
            limits = {"cpu.max": f"{quota_us} {PERIOD_US}"}
        else:
            parent = v1_parent()
            if parent is None:
                raise UnavailableError(f"no cgroup cpu controller under {CGROUP_ROOT} (neither v1 cpu nor v2 cpu.max)")
            created = Group(parent / name, 1)
            limits = {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": str(quota_us)}
        created.path.mkdir()
    except OSError as error:
        raise UnavailableError(f"cannot make a cgroup for a CPU quota here ({error}); run as root") from error
    try:
        for file, value in limits.items():
            (created.path / file).write_text(value)
    except OSError as error:
        created.path.rmdir()
        raise UnavailableError(f"cannot set a CPU quota on {created.path} ({error})") from error
    return created


def remove(group: Group) -> None:
    """rmdir, waiting a little for exiting processes to leave (the kernel refuses while any remain)."""
    deadline = time.monotonic() + RMDIR_WAIT_SECONDS
    while True:
        try:
            group.path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def group(name: str, quota: float):
    created = create(name, quota)
    try:
        yield created
    finally:
        remove(created)
