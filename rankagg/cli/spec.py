"""A leaderboard spec file: what to read, how, what to rank and what to show, validated with pydantic.

A spec is TOML (``tomllib``; on Python 3.10 the ``tomli`` package when it is
installed), JSON, or YAML when ``pyyaml`` is importable. ``rankagg run
SPEC`` builds the board it describes. Every reading option is one of the
command line's table options (``rankagg rank --help``); :meth:`LeaderboardSpec.cli_args`
gives the equivalent arguments, so a spec reads its files exactly as the
command line does. Relative paths resolve against the spec file's folder.

Example (``examples/leaderboard.toml``)::

    title = "Toy leaderboard"

    [input]
    example = "toy"               # or: path = "results.csv" / dataset = "glue"

    [tasks.qa]
    direction = "higher"
    weight = 2

    [bootstrap]
    resamples = 1000
    seed = 0

A wrong key or value is one line naming its location and the fix, e.g.
``tasks.qa.direction: expected 'higher' or 'lower', got 'up'``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rankagg._errors import RankaggError, did_you_mean
from rankagg.rules import get_rule

__all__ = [
    "BootstrapSpec",
    "InputSpec",
    "LeaderboardSpec",
    "OutputSpec",
    "SpecError",
    "TaskSpec",
    "load_spec",
    "parse_spec",
]


class SpecError(RankaggError):
    """The spec file cannot be read, or a key or value in it is wrong (the message names where)."""


_STRICT = ConfigDict(extra="forbid", frozen=True)


class InputSpec(BaseModel):
    """``[input]``: the score file(s) and how to read them (the command line's table options)."""

    model_config = _STRICT

    path: str | list[str] | None = Field(None, description="score file(s), relative to the spec's folder (FILE)")
    dataset: str | None = Field(None, description="a registry dataset instead of a file (--dataset)")
    example: str | None = Field(None, description="a bundled example instead of a file, e.g. 'toy'")
    source: Literal["auto", "table", "lm-eval", "mteb", "helm", "open-llm", "alpaca-eval"] = Field(
        "auto", description="what the file is (--from)"
    )
    format: Literal["csv", "tsv", "parquet", "json", "jsonl"] | None = Field(None, description="--input-format")
    layout: Literal["auto", "long", "wide"] = "auto"
    systems_in: Literal["rows", "columns"] | None = None
    index_col: str | None = None
    system_col: str = "system"
    task_col: str = "task"
    score_col: str = "score"
    metric_col: str = "metric"
    direction_col: str = "higher_is_better"
    where: dict[str, str | list[str]] | None = Field(None, description="keep rows whose COLUMN holds VALUE (--where)")
    benchmark: str | None = None
    split_compound: bool | dict[str, list[str]] | None = None
    aggregate_columns: list[str] | None = None
    keep_aggregate_columns: bool = False
    helm_table: str | None = None
    cache_dir: str | None = None
    mirror: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> InputSpec:
        given = [k for k in ("path", "dataset", "example") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of path, dataset or example"
                + (f" (got {', '.join(given)})" if given else " (e.g. path = 'results.csv')")
            )
        if self.example is not None:
            from rankagg.datasets import EXAMPLES

            if self.example not in EXAMPLES:
                raise ValueError(
                    f"no bundled example {self.example!r}; the examples are {', '.join(EXAMPLES)}"
                    f"{did_you_mean(self.example, EXAMPLES)}"
                )
        return self

    @property
    def paths(self) -> list[str]:
        """The files to read (one for ``example``, none for ``dataset``)."""
        if self.example is not None:
            return [str(resources.files("rankagg.datasets") / "examples" / f"{self.example}.csv")]
        if self.path is None:
            return []
        return [self.path] if isinstance(self.path, str) else list(self.path)


class TaskSpec(BaseModel):
    """``[tasks.NAME]``: one task of the board: its metric, direction and weight."""

    model_config = _STRICT

    metric: str | None = Field(None, description="the metric kept for this task (--metric TASK=METRIC)")
    direction: Literal["higher", "lower"] | None = Field(None, description="'higher' or 'lower' is better")
    weight: float | None = Field(None, gt=0, description="positive weight (--weights TASK=W)")


class BootstrapSpec(BaseModel):
    """``[bootstrap]``: rank intervals from resampling the tasks (``rankagg bootstrap``)."""

    model_config = _STRICT

    rule: str | None = Field(None, description="rule bootstrapped (default: the reference)")
    resamples: int = Field(1000, ge=0, description="number of resamples (-B); 0: no bootstrap")
    seed: int | None = Field(None, description="seed (default: one is drawn and printed)")
    confidence: float = Field(0.95, gt=0, lt=1, description="level of the rank intervals")

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, v: str | None) -> str | None:
        return None if v is None else _rule_name(v)


class OutputSpec(BaseModel):
    """``[output]``: the board's format and where it goes."""

    model_config = _STRICT

    format: Literal["table", "csv", "json", "markdown", "html"] = "table"
    path: str | None = Field(
        None, description="file to write, relative to the spec's folder (default: stdout; html needs a path)"
    )


class LeaderboardSpec(BaseModel):
    """A leaderboard: the input, the tasks, the rules shown, the bootstrap and the output.

    Top-level keys: ``title``, ``input``, ``tasks``, ``direction`` (of the
    tasks not listed), ``include``, ``exclude``, ``missing``, ``group``,
    ``atol``, ``rtol``, ``rules``, ``reference``, ``params``, ``bootstrap``,
    ``output``. Tasks listed under ``tasks`` are the board's tasks (the others
    in the file are left out, as with ``--tasks``); without ``tasks`` every
    task is kept.

    Examples
    --------
    >>> from rankagg.cli.spec import parse_spec
    >>> spec = parse_spec({"input": {"example": "toy"}, "tasks": {"qa": {"weight": 2}}, "direction": "higher"})
    >>> spec.cli_args()[1:]
    ['--tasks', 'qa', '--weights', 'qa=2.0', '--direction', 'higher', '--missing', 'raise']
    >>> parse_spec({"input": {"example": "toy"}, "tasks": {"qa": {"direction": "up"}}})
    Traceback (most recent call last):
    ...
    rankagg.cli.spec.SpecError: spec: tasks.qa.direction: expected 'higher' or 'lower', got 'up'
    """

    model_config = _STRICT

    title: str | None = None
    input: InputSpec
    tasks: dict[str, TaskSpec] | None = None
    direction: Literal["higher", "lower"] | None = Field(None, description="direction of the tasks not listed")
    include: str | list[str] | None = Field(None, description="systems kept: names or globs (--include)")
    exclude: str | list[str] | None = Field(None, description="systems left out: names or globs (--exclude)")
    missing: Literal["raise", "drop_systems", "drop_tasks", "partial"] = "raise"
    group: int | None = Field(None, ge=1)
    atol: float = Field(0.0, ge=0)
    rtol: float = Field(0.0, ge=0)
    rules: list[str] | None = Field(None, description="rules shown (default: the compare defaults)")
    reference: str | None = Field(None, description="the board's order (default: the first rule)")
    params: dict[str, dict[str, Any]] | None = Field(None, description="rule parameters, e.g. kemeny.time_limit")
    bootstrap: BootstrapSpec = Field(default_factory=BootstrapSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)
    base_dir: str = Field(".", exclude=True, description="folder relative paths resolve against (the spec's)")

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        if not v:
            raise ValueError("give at least one rule, e.g. ['mean', 'borda', 'kemeny']")
        return [_rule_name(r) for r in v]

    @field_validator("reference")
    @classmethod
    def _known_reference(cls, v: str | None) -> str | None:
        return None if v is None else _rule_name(v)

    @field_validator("params")
    @classmethod
    def _known_param_rules(cls, v: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]] | None:
        return None if v is None else {_rule_name(k): dict(p) for k, p in v.items()}

    # ------------------------------------------------------------------ what it means
    def resolve(self, path: str) -> str:
        """``path`` resolved against the spec's folder (absolute paths and URLs unchanged)."""
        if "://" in path:
            return path
        p = Path(path).expanduser()
        return str(p if p.is_absolute() else Path(self.base_dir) / p)

    def cli_args(self, path: str | None = None) -> list[str]:
        """The command-line table arguments equivalent to this spec (``rankagg rank ARGS``), for one file.

        ``path``: which of the input's files (default the first; none with ``dataset``).
        """
        inp = self.input
        out: list[str] = []
        if inp.dataset is not None:
            out += ["--dataset", inp.dataset]
        else:
            out.append(self.resolve(path if path is not None else inp.paths[0]))
        if inp.source != "auto":
            out += ["--from", inp.source]
        if inp.format is not None:
            out += ["--input-format", inp.format]
        if inp.layout != "auto":
            out += ["--layout", inp.layout]
        for key, flag in (("systems_in", "--systems-in"), ("index_col", "--index-col")):
            if getattr(inp, key) is not None:
                out += [flag, str(getattr(inp, key))]
        for key, default in (
            ("system_col", "system"),
            ("task_col", "task"),
            ("score_col", "score"),
            ("metric_col", "metric"),
            ("direction_col", "higher_is_better"),
        ):
            if getattr(inp, key) != default:
                out += ["--" + key.replace("_", "-"), getattr(inp, key)]
        for col, values in (inp.where or {}).items():
            for v in [values] if isinstance(values, str) else values:
                out += ["--where", f"{col}={v}"]
        if inp.benchmark is not None:
            out += ["--benchmark", inp.benchmark]
        if inp.split_compound is True:
            out.append("--split-compound")
        elif isinstance(inp.split_compound, dict):
            for col, parts in inp.split_compound.items():
                out += ["--split-compound", f"{col}={'/'.join(parts)}"]
        if inp.aggregate_columns:
            out += ["--aggregate-columns", ",".join(inp.aggregate_columns)]
        if inp.keep_aggregate_columns:
            out.append("--keep-aggregate-columns")
        if inp.helm_table is not None:
            out += ["--helm-table", inp.helm_table]
        if inp.cache_dir is not None:
            out += ["--cache-dir", self.resolve(inp.cache_dir)]
        if inp.mirror is not None:
            out += ["--mirror", inp.mirror]
        tasks = self.tasks or {}
        if tasks:
            out += ["--tasks", ",".join(tasks)]
        metrics = [f"{t}={s.metric}" for t, s in tasks.items() if s.metric is not None]
        if metrics:
            out += ["--metric", ",".join(metrics)]
        weights = [f"{t}={float(s.weight)!r}" for t, s in tasks.items() if s.weight is not None]
        if weights:
            out += ["--weights", ",".join(weights)]
        for side in ("higher", "lower"):
            names = [t for t, s in tasks.items() if s.direction == side]
            if names:
                out += [f"--{side}-is-better", ",".join(names)]
        if self.direction is not None:
            out += ["--direction", self.direction]
        for flag, pats in (("--include", self.include), ("--exclude", self.exclude)):
            for pat in [pats] if isinstance(pats, str) else pats or []:
                out += [flag, pat]
        out += ["--missing", self.missing]
        if self.group is not None:
            out += ["--group", str(self.group)]
        if self.atol:
            out += ["--atol", repr(self.atol)]
        if self.rtol:
            out += ["--rtol", repr(self.rtol)]
        return out


def _rule_name(name: str) -> str:
    try:
        return get_rule(name).name
    except RankaggError:
        from rankagg.rules import RULES

        hint = did_you_mean(name, list(RULES)).strip() or "`rankagg rules` lists them."
        raise ValueError(f"no rule {name!r}. {hint}") from None


# ---------------------------------------------------------------------------------------------- errors
def _is_model(x: Any) -> bool:
    return isinstance(x, type) and issubclass(x, BaseModel)


def _strip(ann: Any) -> list[Any]:
    """The members of ``X | None`` (or ``[X]``)."""
    args = [a for a in get_args(ann) if a is not type(None)] if get_origin(ann) in (Union, UnionType) else [ann]
    return args


def _model_in(ann: Any) -> Any:
    return next((a for a in _strip(ann) if _is_model(a)), None)


def _value_type(ann: Any) -> Any:
    """The value type of a ``dict[str, X]`` or ``list[X]`` annotation (``| None`` allowed)."""
    for a in _strip(ann):
        if get_origin(a) is dict:
            return get_args(a)[1]
        if get_origin(a) is list:
            return get_args(a)[0]
    return None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The valid keys of the table at ``loc`` (the parent of an unknown key)."""
    cur: Any = LeaderboardSpec
    for part in loc:
        model = cur if _is_model(cur) else _model_in(cur)
        if model is not None:
            info = model.model_fields.get(str(part))
            if info is None:
                return []
            cur = info.annotation
        else:
            cur = _value_type(cur)
    model = cur if _is_model(cur) else _model_in(cur)
    return [k for k in model.model_fields if k != "base_dir"] if model is not None else []


def _one_line(exc: ValidationError, where: str) -> str:
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc = tuple(err["loc"])
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    kind = err["type"]
    given = err.get("input")
    if kind == "extra_forbidden":
        valid = _fields_at(loc[:-1])
        key = str(loc[-1])
        fix = did_you_mean(key, valid).strip()
        text = f"{dotted}: unknown key {key!r}." + (f" {fix}" if fix else "")
        text += f" Valid keys here: {', '.join(valid)}." if valid else ""
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        text = f"{dotted}: expected {expected}, got {given!r}"
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        text += f".{did_you_mean(str(given), choices)}" if did_you_mean(str(given), choices) else ""
    elif kind == "missing":
        text = f"{dotted}: required key missing"
        if loc == ("input",):
            text += " (add an [input] table with path, dataset or example)"
    else:
        msg = err["msg"].removeprefix("Value error, ")
        shown = "" if isinstance(given, (dict, list)) or kind.startswith("value_error") else f", got {given!r}"
        text = f"{dotted}: {msg[0].lower() + msg[1:] if msg else kind}{shown}"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return f"{where}: {text}"


# ---------------------------------------------------------------------------------------------- reading
def parse_spec(data: Mapping[str, Any], *, base_dir: str | Path = ".", where: str = "spec") -> LeaderboardSpec:
    """Validate a spec given as a mapping (the parsed file); ``base_dir`` anchors its relative paths.

    Raises
    ------
    SpecError
        One line: ``<where>: <location>: <problem and fix>``.
    """
    if not isinstance(data, Mapping):
        raise SpecError(
            f"{where}: the spec must be a table of keys (input, tasks, rules...), got {type(data).__name__}"
        )
    if "base_dir" in data:
        raise SpecError(f"{where}: base_dir: unknown key 'base_dir' (relative paths resolve against the spec's folder)")
    try:
        return LeaderboardSpec.model_validate({**data, "base_dir": str(base_dir)})
    except ValidationError as exc:
        raise SpecError(_one_line(exc, where)) from None


def _read_toml(text: str, where: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise SpecError(
                f"{where}: reading TOML on Python 3.10 needs the tomli package (pip install tomli); or give the "
                "spec as JSON (.json)"
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{where}: not valid TOML: {exc}") from None


def load_spec(path: str | Path) -> LeaderboardSpec:
    """Read and validate a spec file: ``.toml``, ``.json``, or ``.yaml`` / ``.yml`` (with pyyaml installed).

    Examples
    --------
    >>> from pathlib import Path
    >>> import rankagg.cli.spec
    >>> spec = rankagg.cli.spec.load_spec(Path(rankagg.cli.spec.__file__).parents[2] / "examples" / "leaderboard.toml")
    >>> spec.input.example, spec.reference, spec.bootstrap.seed
    ('toy', 'mean', 0)
    """
    p = Path(path)
    where = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{where}: cannot read the spec file ({exc.strerror or exc}); check the path.") from None
    suffix = p.suffix.lower()
    if suffix == ".toml":
        data = _read_toml(text, where)
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"{where}: not valid JSON: {exc}") from None
    elif suffix in (".yaml", ".yml"):
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError:
            raise SpecError(
                f"{where}: reading YAML needs the pyyaml package (pip install pyyaml); or write the spec as TOML or "
                "JSON"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{where}: not valid YAML: {' '.join(str(exc).split())}") from None
    else:
        raise SpecError(f"{where}: unknown spec format {suffix or '(no extension)'!r}; name it .toml, .json or .yaml")
    return parse_spec(data, base_dir=p.resolve().parent, where=where)
