"""What every process of one container starts with, shared by its runs and by exec.

The environment, the mounts (volumes, service account, helpers), the working directory and how
it becomes the container's user (security.Launch), turned into one bwrap command line.
"""

from __future__ import annotations

import dataclasses

from kes.devcluster.kubelet import sandbox, security


@dataclasses.dataclass(frozen=True)
class Runtime:
    """Everything a process of one container needs: exec runs in the same one."""

    env: dict[str, str]
    mounts: list[sandbox.Mount]
    working_dir: str | None
    launch: security.Launch = dataclasses.field(default_factory=security.Launch)

    def command(self, argv: list[str]) -> list[str]:
        """The bwrap argv that runs `argv` as this container's process."""
        return sandbox.command(argv=argv, mounts=self.mounts, working_dir=self.working_dir,
                               bwrap_args=self.launch.bwrap_args,
                               argv_prefix=self.launch.argv_prefix)
