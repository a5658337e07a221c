"""Synthetic personal data in real formats: IDNo with a valid check digit, mobiles, birthdays.

Nothing here is a real person: names come from pools, ID numbers are assembled from the
agent's county code, a random birthday and a random sequence number, then completed with
the GB 11643 (ISO 7064 MOD 11-2) check digit.
"""

from __future__ import annotations

import numpy as np

from amisdw.generate import names

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))
MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        155,
        157,
        158,
        159,
        180,
        181,
        182,
        185,
        186,
        187,
        188,
        189,
        191,
        198,
        199,
    ]
)


def id_check_digit(first17: np.ndarray) -> np.ndarray:
    """Check characters for an array of 17-digit strings (GB 11643-1999)."""
    digits = np.frombuffer(np.asarray(first17, dtype="S17").tobytes(), dtype=np.uint8)
    digits = digits.reshape(-1, 17).astype(np.int64) - ord("0")
    return _CHECK[(digits @ _ID_WEIGHTS) % 11]


def id_numbers(
    rng: np.random.Generator, region6: np.ndarray, birthday: np.ndarray, sex: np.ndarray
) -> np.ndarray:
    """18-char resident IDs: region (6) + birthday YYYYMMDD + sequence (3, odd = male) + check."""
    n = len(sex)
    bday = np.datetime_as_string(np.asarray(birthday, dtype=np.int64).astype("datetime64[D]"))
    bday = np.char.replace(bday, "-", "")
    seq = rng.integers(0, 500, n) * 2 + np.where(sex == 0, 1, 0)
    first17 = np.char.add(
        np.char.add(np.asarray(region6, dtype="U6"), bday), np.char.zfill(seq.astype("U3"), 3)
    )
    return np.char.add(first17, id_check_digit(first17)).astype("S18")


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)].astype(np.int64)
    return (prefix * 100_000_000 + rng.integers(0, 100_000_000, n)).astype("S11")


def sexes(rng: np.random.Generator, n: int) -> np.ndarray:
    """0 male, 1 female; agency forces are about 70 % women."""
    return (rng.random(n) < 0.7).astype(np.int8)


def degrees(rng: np.random.Generator, n: int) -> np.ndarray:
    w = np.array(names.DEGREE_WEIGHTS)
    idx = rng.choice(len(names.DEGREES), size=n, p=w / w.sum())
    out = np.array(names.DEGREES, dtype="U8")[idx]
    odd = rng.random(n) < names.ODD_DEGREE_SHARE
    out[odd] = names.ODD_DEGREE
    return out
