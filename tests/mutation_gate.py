"""`make mutation`'s verdict: the share of mutmut's mutants of shared/domain that no test
killed (survived, or run by no test at all), each listed, against a ceiling.

    python tests/mutation_gate.py --max-surviving 5
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from pathlib import Path

KILLED = {"killed", "timeout"}  # a mutant that hangs the tests is caught too


def statuses(mutmut: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-surviving", type=float, default=5.0, help="percent")
    parser.add_argument("--mutmut", type=Path, default=Path(sys.executable).with_name("mutmut"))
    args = parser.parse_args(argv)
    found = statuses(args.mutmut)
    if not found:
        print("no mutation results: run `mutmut run` first")
        return 1
    counts = Counter(found.values())
    alive = sorted(name for name, status in found.items() if status not in KILLED)
    for name in alive:
        print(f"  surviving: {name} ({found[name]})  -> mutmut show {name}")
    share = 100.0 * len(alive) / len(found)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"mutation: {len(found)} mutants of shared/domain: {summary}")
    print(f"mutation: {share:.1f} % survive (ceiling {args.max_surviving:g} %)")
    return 0 if share <= args.max_surviving else 1


if __name__ == "__main__":
    sys.exit(main())
