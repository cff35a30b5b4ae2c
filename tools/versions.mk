# Versions of the tools the tests and the demo build from their Go modules (one place).
# restic: the release Kanister's tools image ships. kopia: a release the Go module proxy serves.
RESTIC_VERSION := v0.16.5
KOPIA_VERSION := v0.23.1
