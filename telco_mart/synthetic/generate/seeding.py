"""Independent random streams, one per piece of work, all derived from the one seed.

A stream is named by labels (table name, business date, part number...). Parts built in
different processes therefore draw exactly what they would draw in one process, so the output
never depends on the number of workers or on the order the work runs in.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np


def _label_key(label: object) -> int:
    """A stable non-negative integer for a label (Python's ``hash`` of a str varies per process)."""
    if isinstance(label, date):
        return label.toordinal()
    if isinstance(label, int) and label >= 0:
        return label
    digest = hashlib.blake2b(str(label).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def rng_for(seed: int, *labels: object) -> np.random.Generator:
    """A numpy Generator for ``seed`` and the stream named by ``labels``."""
    sequence = np.random.SeedSequence(seed, spawn_key=tuple(_label_key(label) for label in labels))
    return np.random.Generator(np.random.PCG64(sequence))
