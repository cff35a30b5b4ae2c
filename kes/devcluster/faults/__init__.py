"""A fault-injecting proxy in front of the local cluster's API server (`kes dev up --faults`)."""
