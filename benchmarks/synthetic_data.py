"""Generated inputs for benchmarks: large enough to measure, never committed."""

from __future__ import annotations

import random
from pathlib import Path


def write_csv(path: Path, megabytes: float, seed: int = 7) -> int:
    """A CSV of about ``megabytes`` MB with mixed column types; returns its size in bytes."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    with path.open("w") as out:
        out.write("id,name,amount,quantity,day\n")
        row = 0
        while out.tell() < target:
            lines = []
            for _ in range(10_000):
                row += 1
                lines.append(
                    f"{row},name_{rng.randrange(100_000)},{rng.random() * 1000:.2f},"
                    f"{rng.randrange(1, 50)},2026-11-{rng.randrange(1, 29):02d}\n"
                )
            out.write("".join(lines))
    return path.stat().st_size
