"""What the restic-based functions share: their arguments, restic runs in pods, tool pods.

The function modules (backupdata.py, restoredata.py, …) stay independent of each other as the
import contract requires; the code they have in common with Kanister's `pkg/function` helpers
(`GetOrCreateRepository`, `PrepareAndRunPod`, `FetchPodVolumes`, …) lives here.
"""
