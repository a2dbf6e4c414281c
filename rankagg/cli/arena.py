"""``rankagg arena FILE``: Chatbot Arena's leaderboard of a battle log (Elo ratings, bootstrap intervals, Rank (UB)).

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :mod:`rankagg._cli_stats`). The computation is
:func:`rankagg.battle_counts.arena_leaderboard`: the log is read once into the
counts of its distinct outcomes, and the bootstrap redraws those counts.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from rankagg._format import render_frame

__all__ = ["add_arena_command"]

INPUT_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")


def add_arena_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg arena FILE``: Bradley-Terry on the Elo scale with bootstrap intervals and Rank (UB).

    ``add_table_args`` and ``load`` are not used: a battle log is not a score table (the signature is the
    one every command module shares).
    """
    p = sub.add_parser(
        "arena",
        help="Chatbot Arena's leaderboard of a battle log: Elo ratings, bootstrap intervals, Rank (UB)",
        description="Reads a battle log (one row per battle: model_a, model_b, winner = model_a / model_b / tie / "
        "tie (bothbad); CSV, TSV, JSON lines, JSON or Parquet) once into the counts of its distinct outcomes, "
        "fits Bradley-Terry by maximum likelihood (ties half a win) and reports it on the Elo scale (scale 400, "
        "base 10, mean 1000), with percentile intervals from a bootstrap of the battles (multinomial redraws of "
        "the counts) and Rank (UB) = 1 + the number of models whose lower bound exceeds this one's upper bound, "
        "as FastChat's leaderboard does.",
    )
    p.add_argument("file", help="battle log")
    g = p.add_argument_group("battles")
    g.add_argument("--input-format", choices=INPUT_FORMATS, help="file format (default: from the extension)")
    g.add_argument("--model-a", help="column of the first system (default: model_a or system_a)")
    g.add_argument("--model-b", help="column of the second system (default: model_b or system_b)")
    g.add_argument("--winner", help="column of the outcome (default: winner)")
    g = p.add_argument_group("ratings")
    g.add_argument("--resamples", type=int, default=100, help="bootstrap resamples (default 100, as upstream)")
    g.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    g.add_argument("--seed", type=int, default=0, help="seed of the resamples (default 0)")
    g.add_argument("--scale", type=float, default=400.0, help="rating points per factor --base in the odds")
    g.add_argument("--base", type=float, default=10.0, help="base of the odds (default 10)")
    g.add_argument("--initial", type=float, default=1000.0, help="mean rating (default 1000)")
    g.add_argument(
        "--anchor", nargs=2, metavar=("SYSTEM", "RATING"), help="give SYSTEM this rating (Arena: mixtral... 1114)"
    )
    g.add_argument(
        "--prior",
        type=float,
        default=0.0,
        help="virtual games of every system against an average reference, half won (default 0: maximum "
        "likelihood, refused with the systems named when it does not exist)",
    )
    g.add_argument(
        "--degenerate-prior",
        type=float,
        default=1.0,
        help="virtual games of a resample in which some system has no win or no loss (default 1; 0: an error)",
    )
    add_output_args(p)
    p.set_defaults(func=lambda args: _cmd_arena(args, emit))


def _cmd_arena(args: argparse.Namespace, emit: Callable[[str, argparse.Namespace], None]) -> int:
    from rankagg.io.battle_counts import read_battle_counts
    from rankagg.uncertainty.arena import arena_leaderboard

    counts = read_battle_counts(
        args.file, format=args.input_format, model_a=args.model_a, model_b=args.model_b, winner=args.winner
    )
    anchor = None if args.anchor is None else (args.anchor[0], _rating(args.anchor[1]))
    board = arena_leaderboard(
        counts,
        n_resamples=args.resamples,
        confidence=args.confidence,
        scale=args.scale,
        base=args.base,
        initial=args.initial,
        anchor=anchor,
        prior=args.prior,
        degenerate_prior=args.degenerate_prior,
        rng=args.seed,
    )
    df = board.to_frame()
    fmt = args.format
    if fmt == "json":
        payload = {
            "source": counts.source,
            "n_battles": board.n_battles,
            "n_systems": len(board.systems),
            "n_resamples": board.n_resamples,
            "confidence": board.confidence,
            "seed": board.seed,
            "scale": board.scale,
            "base": board.base,
            "initial": board.initial,
            "anchor": None if anchor is None else list(anchor),
            "prior": board.prior,
            "degenerate_prior": board.degenerate_prior,
            "n_degenerate": board.n_degenerate,
            "n_redrawn": board.n_redrawn,
            "systems": [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in df.to_dict("records")
            ],
        }
        emit(json.dumps(payload, indent=2) + "\n", args)
        return 0
    if fmt == "csv":
        emit(render_frame(df, "csv"), args)
        return 0
    shown = df.copy()
    for c in ("rating", "lower", "upper"):
        shown[c] = shown[c].round(1)
    head = (
        f"Battles: {counts.source}: {board.n_battles:,} battles, {len(board.systems)} systems; Bradley-Terry "
        f"(ties half a win) on the Elo scale ({board.scale:g} points per factor {board.base:g}, mean "
        f"{board.initial:g}{'' if anchor is None else f', {anchor[0]} = {anchor[1]:g}'}); "
        f"{board.confidence:.0%} intervals from {board.n_resamples} bootstrap resamples (seed {board.seed})"
    )
    lines = [head]
    if board.n_degenerate:
        lines.append(
            f"{board.n_degenerate} resample(s) without a finite maximum likelihood were fitted with "
            f"{board.degenerate_prior:g} virtual game(s)"
        )
    md = fmt == "markdown"
    text = "\n".join(f"{x}  " if md else x for x in lines) + "\n\n" + render_frame(shown, fmt)
    emit(text, args)
    return 0


def _rating(value: str) -> float:
    from rankagg._errors import RankaggError

    try:
        return float(value)
    except ValueError:
        raise RankaggError(f"--anchor: the rating {value!r} is not a number; e.g. --anchor MODEL 1114.") from None
