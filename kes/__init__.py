"""kes: an event-sourced re-implementation of the Kanister data-protection controller."""
