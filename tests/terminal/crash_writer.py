"""Child process of the crash test: writes sales and enrolments until it is killed.

Usage: python -m tests.terminal.crash_writer DATA_DIR PHONE_KEY_HEX ROUND
It prints "ready" once signed in, then writes as fast as it can, printing the number
of events committed after each commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import keyring

from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.services import build_services
from tests.conftest import MemoryKeyring
from tests.terminal.conftest import make_settings


def main() -> None:
    data_dir, key_hex, round_no = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    keyring.set_keyring(MemoryKeyring())
    settings = make_settings(data_dir)
    credentials = CredentialStore(settings.keyring_service)
    credentials.set_phone_hash_key(key_hex)
    replica = Replica(settings.replica_path)
    services = build_services(replica, settings, credentials=credentials)
    cashier = services.staff.sign_in("C01", "1234")
    member_id = services.lookup.by_name("王芳").items[0].member_id
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        if n % 5 == 0:
            services.enrollment.enroll(
                cashier,
                name=f"Crash {round_no}-{n}",
                phone=f"136{round_no:02d}{n:06d}",
                consent_marketing=False,
            )
        else:
            services.sales.earn(
                cashier, member_id, amount_cents=100 + n, sale_ref=f"crash-{round_no}-{n}"
            )
        print(n, flush=True)


if __name__ == "__main__":
    main()
