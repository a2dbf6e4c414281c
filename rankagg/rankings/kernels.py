"""Vectorised, chunked kernels for instance-level data: rank many instances at once, count pairwise wins.

Layout: scores are ``(n_systems, n_instances)`` float64 arrays (one column per
instance voter). Each chunk of instances is ranked once into *codes*: small
unsigned integers with ``code = 2 * n_systems + 2 - 2 * rank`` (``rank`` the
average rank among the systems scored on that instance, 1 = best, so the
doubled rank is an integer), and ``0`` for a missing score. Codes fit in
``uint8`` up to 126 systems and in ``uint16`` up to 32,766, and a larger code
is a better rank. Pairwise win counts then compare one system's codes with
every system's codes (one ``numpy.greater`` per system over a cache-sized
block), and add up the boolean results eight at a time: the booleans are read
as ``uint64`` words, summed in groups of 255 words (so no byte lane carries
into the next), and the byte lanes are added at the end (SWAR). Ties and
"both scored" counts come from a matrix product of the presence masks, so the
inner loop is one comparison and one reduction per system and block.

Memory is bounded by the chunk size (a few arrays of ``n_systems x chunk``),
never by the number of instances.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rankagg._errors import RankaggError

__all__ = [
    "DEFAULT_MAX_MEMORY",
    "chunk_columns",
    "code_dtype",
    "codes_to_ranks",
    "count_codes",
    "rank_codes",
]

#: Default bound, in bytes, on the working memory of the chunked kernels.
DEFAULT_MAX_MEMORY = 256 * 2**20
# bytes of working memory per (system, instance) cell while ranking a chunk: the oriented copy (8), argsort
# indices (8), sorted values (8), doubled ranks (8), group bounds (2 x 8), codes (<= 2), flags (~2)
_BYTES_PER_CELL = 56
# instances per comparison block: a multiple of 8 * 255 (SWAR groups), small enough to stay in cache
_BLOCK = 8 * 255 * 4
_GROUP = 255
# cells per ranking chunk beyond which larger chunks only cost (about 2 million: tens of MiB of temporaries)
_CACHE_CELLS = 2**21


def code_dtype(n_systems: int) -> type[np.unsignedinteger]:
    """Smallest unsigned dtype holding the codes of ``n_systems`` systems (0 .. 2n, plus a pad value)."""
    if 2 * n_systems + 1 <= np.iinfo(np.uint8).max:
        return np.uint8
    if 2 * n_systems + 1 <= np.iinfo(np.uint16).max:
        return np.uint16
    return np.uint32


def chunk_columns(n_systems: int, *, chunk_size: int | None, max_memory: int | None) -> int:
    """Instances per chunk: ``chunk_size`` when given, else what fits in ``max_memory`` bytes.

    Chunks larger than about two million cells gain nothing (the passes leave
    the cache), so the chunk is also capped there: the working memory is the
    smaller of ``max_memory`` and about 100 MiB.
    """
    if chunk_size is not None:
        if not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise RankaggError(f"chunk_size={chunk_size!r}: give a positive number of instances per chunk.")
        return int(chunk_size)
    if max_memory is not None and (
        not isinstance(max_memory, (int, float, np.integer, np.floating)) or not max_memory > 0
    ):
        raise RankaggError(f"max_memory={max_memory!r}: give a positive number of bytes.")
    budget = DEFAULT_MAX_MEMORY if max_memory is None else int(max_memory)
    n = max(n_systems, 1)
    return max(_BLOCK // 8, min(budget // (_BYTES_PER_CELL * n), max(_BLOCK, _CACHE_CELLS // n)))


def iter_chunks(start: int, stop: int, size: int) -> Iterator[tuple[int, int]]:
    """``(a, b)`` bounds covering ``[start, stop)`` in steps of ``size``."""
    for a in range(start, stop, size):
        yield a, min(a + size, stop)


def rank_codes(
    block: np.ndarray,
    sign: np.ndarray | float,
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    dtype: type[np.unsignedinteger] | None = None,
) -> np.ndarray:
    """Rank every instance (column) of ``block`` at once into codes (larger = better, 0 = missing).

    Parameters
    ----------
    block : numpy.ndarray of shape (n, c)
        Scores, NaN for missing.
    sign : float or numpy.ndarray of shape (c,)
        ``+1`` where higher is better, ``-1`` where lower is better.
    atol, rtol : float
        Tie tolerance, with exactly the semantics of :func:`rankagg.rank_scores`
        (groups formed from the best score down, anchored on their first member).
    dtype : numpy unsigned integer type, optional
        Code type (default :func:`code_dtype` of ``n``).

    Returns
    -------
    numpy.ndarray of shape (n, c)
        ``2 * n + 2 - 2 * rank`` where the score is present (rank 1 = best,
        ties averaged, so twice the rank is an integer), ``0`` where missing.

    Notes
    -----
    With exact ties (``atol = rtol = 0``) and one direction for the chunk, the
    scores are mapped to order-preserving 64-bit integer keys whose lowest
    ``ceil(log2 n)`` bits are replaced by the system's index, and one integer
    sort per instance gives both the order and the positions. Instances where
    two keys agree above those bits (exact ties, or scores too close for the
    truncated key) are ranked again from the exact scores, so the result is
    always exactly that of :func:`rankagg.rank_scores`.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rankings.kernels import rank_codes, codes_to_ranks
    >>> codes = rank_codes(np.array([[0.9, 1.0], [0.7, np.nan], [0.9, 3.0]]), 1.0)
    >>> codes
    array([[5, 4],
           [2, 0],
           [5, 6]], dtype=uint8)
    >>> codes_to_ranks(codes)
    array([[1.5, 2. ],
           [3. , nan],
           [1.5, 1. ]])
    """
    n, c = block.shape
    dtype = code_dtype(n) if dtype is None else dtype
    if atol != 0 or rtol != 0 or np.ndim(sign) or c == 0:
        x = np.negative(block.T, order="C")  # (c, n); lower is better once the direction is applied
        if np.ndim(sign):
            x *= np.asarray(sign, dtype=np.float64)[:, None]
        elif float(sign) < 0:
            np.negative(x, out=x)
        return np.ascontiguousarray(_exact_codes(x, atol=atol, rtol=rtol, dtype=dtype).T)
    higher = float(sign) > 0
    x = np.add(block.T, 0.0, order="C")  # (c, n), a fresh copy; -0.0 + 0.0 is +0.0: equal floats, equal keys
    nan = np.isnan(x)
    has_nan = bool(nan.any())
    bits_ = x.view(np.int64)
    key = bits_ >> 63
    key &= np.int64(0x7FFFFFFFFFFFFFFF)
    key ^= bits_  # signed order of ``key`` == order of the floats
    ukey = key.view(np.uint64)
    ukey ^= np.uint64(0x7FFFFFFFFFFFFFFF if higher else 0x8000000000000000)  # unsigned ascending = best first
    if has_nan:
        ukey[nan] = np.uint64(0xFFFFFFFFFFFFFFFF)  # missing last, whatever the direction
    nbits = max(1, int(n - 1).bit_length())
    shift = np.uint64(nbits)
    ukey >>= shift
    ukey <<= shift
    ukey |= np.arange(n, dtype=np.uint64)[None, :]
    ukey.sort(axis=1)
    order = (ukey & np.uint64((1 << nbits) - 1)).astype(np.intp)
    ukey >>= shift
    collide = ukey[:, 1:] == ukey[:, :-1]
    if has_nan:
        k = n - nan.sum(axis=1)
        collide &= np.arange(1, n)[None, :] < k[:, None]  # pairs of missing scores do not matter
    out = np.empty((c, n), dtype=dtype)
    np.put_along_axis(out, order, np.arange(2 * n, 0, -2, dtype=dtype)[None, :], axis=1)
    rows = np.nonzero(collide.any(axis=1))[0]
    if rows.size:  # ties, or keys too short to tell two scores apart: rank those instances exactly
        xr = x[rows]
        if higher:
            np.negative(xr, out=xr)
        out[rows] = _exact_codes(xr, atol=0.0, rtol=0.0, dtype=dtype)
    if has_nan:
        out[nan] = 0
    return np.ascontiguousarray(out.T)


def _exact_codes(x: np.ndarray, *, atol: float, rtol: float, dtype: type[np.unsignedinteger]) -> np.ndarray:
    """Codes of the rows of ``x`` (instances x systems, lower is better, NaN missing), by argsort."""
    c, n = x.shape
    order = np.argsort(x, axis=1)  # NaN (missing) sort last; the order within exact ties is irrelevant
    sv = np.sort(x, axis=1)
    nan = np.isnan(sv)
    new = np.empty((c, n), dtype=bool)
    new[:, 0] = True
    if atol == 0 and rtol == 0:
        np.not_equal(sv[:, 1:], sv[:, :-1], out=new[:, 1:])  # NaN != anything: missing ones start own groups
    else:
        # anchored groups: a score joins the current group while within atol + rtol * |leader| of its leader
        leader = sv[:, 0].copy()
        for k in range(1, n):
            v = sv[:, k]
            with np.errstate(invalid="ignore"):
                step = (v - leader) > atol + rtol * np.abs(leader)
            step |= nan[:, k]
            new[:, k] = step
            np.copyto(leader, v, where=step)
    del sv
    pos = np.arange(n, dtype=np.int32)
    first = np.where(new, pos, 0).astype(np.int32)
    np.maximum.accumulate(first, axis=1, out=first)
    nxt = np.empty((c, n), dtype=bool)
    nxt[:, :-1] = new[:, 1:]
    nxt[:, -1] = True
    last = np.where(nxt, pos, n - 1).astype(np.int32)
    last = np.minimum.accumulate(last[:, ::-1], axis=1)[:, ::-1]
    sorted_codes = 2 * n - first - last  # 2n + 2 - (first + 1) - (last + 1)
    sorted_codes[nan] = 0
    out = np.empty((c, n), dtype=dtype)
    np.put_along_axis(out, order, sorted_codes.astype(dtype), axis=1)
    return out


def codes_to_ranks(codes: np.ndarray) -> np.ndarray:
    """Average ranks (1 = best) from codes; NaN where the code is 0 (missing)."""
    n = codes.shape[0]
    r = (2 * n + 2 - codes.astype(np.float64)) / 2.0
    r[codes == 0] = np.nan
    return r


def _rowsum_bool(b: np.ndarray) -> np.ndarray:
    """Row sums of a C-contiguous boolean array whose row length is a multiple of 8 (SWAR)."""
    n = b.shape[0]
    u = b.view(np.uint64)
    w = u.shape[1]
    full = (w // _GROUP) * _GROUP
    tot = np.zeros(n, dtype=np.int64)
    if full:
        s = u[:, :full].reshape(n, -1, _GROUP).sum(axis=2, dtype=np.uint64)
        tot += s.view(np.uint8).reshape(n, -1).sum(axis=1, dtype=np.int64)
    if full < w:
        s = u[:, full:].sum(axis=1, dtype=np.uint64)
        tot += s.view(np.uint8).reshape(n, 8).sum(axis=1, dtype=np.int64)
    return tot


def count_codes(codes: np.ndarray, wins: np.ndarray, both: np.ndarray) -> None:
    """Add the pairwise counts of a chunk of codes to ``wins`` and ``both`` (int64, in place).

    ``wins[i, j]`` += number of instances where ``i`` ranks strictly above
    ``j`` (both scored); ``both[i, j]`` += number of instances where both are
    scored. Ties are ``both - wins - wins.T``.
    """
    n, c = codes.shape
    if c == 0:
        return
    present = codes > 0
    any_missing = not bool(present.all())
    if any_missing:
        pf = present.astype(np.float32)
        # exact: each chunk's counts are at most its width, far below 2**24
        both += np.rint(pf @ pf.T).astype(np.int64)
    else:
        both += c
    pad_value = np.iinfo(codes.dtype).max  # equal for everyone: never a win
    block = min(_BLOCK, -(-c // 8) * 8)
    buf = np.empty((n, block), dtype=bool)
    tile = np.empty((n, block), dtype=codes.dtype)
    for a in range(0, c, block):
        b = min(a + block, c)
        width = b - a
        if width == block:
            g = codes[:, a:b]
            if not g.flags.c_contiguous:
                np.copyto(tile, g)
                g = tile
            out = buf
        else:
            padded = -(-width // 8) * 8
            g = tile[:, :padded]
            g = np.ascontiguousarray(g)
            g[:, :width] = codes[:, a:b]
            g[:, width:] = pad_value
            out = np.empty((n, padded), dtype=bool)
        for i in range(n):
            np.greater(g[i], g, out=out)
            wins[i] += _rowsum_bool(out)
    if any_missing:
        # a scored system "beats" an unscored one in the comparison above (code 0); take those back
        wins -= np.rint(pf @ (1.0 - pf).T).astype(np.int64)
