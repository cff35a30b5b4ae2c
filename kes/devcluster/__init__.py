"""kes devcluster: a local Kubernetes API stand-in with a process kubelet, for tests and `kes dev`.

A development and test tool, not a cluster: one process serves the Kubernetes API over HTTPS
from a SQLite file and runs pod containers as local processes. It imports nothing from the rest
of kes; `kes dev` starts it as a subprocess (`python -m kes.devcluster serve`).
"""
