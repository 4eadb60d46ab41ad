"""Data files readable by their owner only: SQLite databases (with their ``-wal``,
``-shm`` and ``-journal``), backups, and the directories made for them.

A directory this creates is 0700 (every level it creates); a database file is created
0600 before SQLite opens it, and SQLite gives its ``-wal``/``-shm`` the database's mode.
Files of an older release that are owned by this user are tightened to 0600 when opened.
Existing directories are left as they are (they may be shared, e.g. a home directory).
On Windows, modes mean little: files there inherit the ACL of the user's profile.
"""

from __future__ import annotations

import os
from pathlib import Path

_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """``path`` and its missing parents, created 0700."""
    missing: list[Path] = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is cut by the umask
    return path


def private_file(path: Path) -> Path:
    """``path`` (and its SQLite companions, where they exist) readable by its owner only;
    an empty file is created 0600 if there is none (SQLite treats it as a new database)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
    os.close(fd)
    for suffix in _COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            info = companion.stat()
        except FileNotFoundError:
            continue
        if info.st_mode & 0o077 and (not hasattr(os, "geteuid") or info.st_uid == os.geteuid()):
            os.chmod(companion, 0o600)
    return path
