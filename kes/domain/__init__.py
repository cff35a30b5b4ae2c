"""The pure core of kes: Kanister's resource shapes, their rules, and the run aggregates.

Nothing in this package does I/O or talks to Kubernetes; whatever a decision depends on is
passed in.
"""
