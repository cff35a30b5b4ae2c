"""How the kubelet fits the API it serves: the stand-in's store, or a real API server.

On the stand-in the kubelet does a little more than a kubelet: there is no scheduler, so it
binds every pod to itself; no provisioner, so it removes a deleted claim's directory; no
service account admission, so it mounts the stand-in's token into every pod. As a node of a
real API server it does only a kubelet's part (the scheduler binds, the provisioner reclaims,
pods carry their own projected token volume) and serves the kubelet API on `port`.
"""

from __future__ import annotations

import dataclasses

NODE_NAME = "kes-devcluster"


@dataclasses.dataclass(frozen=True)
class NodeConfig:
    name: str = NODE_NAME
    stand_in: bool = True  # on the stand-in: binds pods, reclaims claims, mounts the token
    port: int = 0  # where the kubelet API listens (0: none, the stand-in serves logs and exec)
    api_port: int = 0  # the API server's port for pods (0: the stand-in's `port` file)

    @property
    def pod_selector(self) -> str | None:
        """The pods this kubelet runs: those bound to it (on the stand-in, every pod)."""
        return None if self.stand_in else f"spec.nodeName={self.name}"
