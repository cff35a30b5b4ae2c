# Versions of the tools the tests and the demo build from their Go modules (one place).
# restic: the release Kanister's tools image ships. kopia: a release the Go module proxy serves.
RESTIC_VERSION := v0.16.5
KOPIA_VERSION := v0.23.1
# Kubernetes' control plane (`kes dev up --engine kubernetes`, the suites' second engine) and the
# etcd release that Kubernetes' own go.mod pins; tools/k8s/go.mod is generated from these two
# (`make k8s-module`), and `make tools` refuses to build when they disagree.
KUBERNETES_VERSION := v1.37.2
ETCD_VERSION := v3.7.0
