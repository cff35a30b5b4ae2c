"""In-cluster controllers of the stand-in: Deployments, ReplicaSets, StatefulSets, PVC binding."""

from kes.devcluster.controllers.manager import run_controllers

__all__ = ["run_controllers"]
