"""The real control plane of `kes dev --engine kubernetes`: etcd, kube-apiserver,
kube-controller-manager and kube-scheduler built from their Go modules, with the process
kubelet as its node (`python -m kes.devcluster kubernetes`)."""
