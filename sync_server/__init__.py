"""Central sync server: pairing, idempotent push, gap-free pull, day close."""

__version__ = "0.1.0"
