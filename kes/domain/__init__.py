"""Pure domain logic of kes: no I/O, no Kubernetes client; inputs are passed in."""
