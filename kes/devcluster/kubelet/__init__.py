"""The process kubelet: pod containers as local processes in per-pod mount namespaces."""

from kes.devcluster.kubelet.node import Kubelet

__all__ = ["Kubelet"]
