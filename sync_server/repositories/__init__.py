"""Data access. Repositories take a Session, never commit, and hold no state."""
