"""Cold start of the command line, against importing pandas and numpy, in one run.

Every CLI call pays for its imports: `rankagg --help`, and a 10-system x 5-task `rankagg rank` as a
leaderboard's CI loop would run it. Each command runs `--runs` times in a fresh process; the figures are
the min / median / max CPU time over the runs (user + system, from the child's resource usage), side by side
with `python -c "import pandas, numpy"` measured in the same loop (the plain baseline), and the ratio: of the
medians, and min / median / max of the per-round ratios (each round runs every command once, in turn).

    python benchmarks/bench_cold_start.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def cpu_of(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    table = folder / "t10x5.csv"
    rows = ["system,task,score"] + [f"s{i},t{j},{(7 * i + 3 * j) % 11}" for i in range(10) for j in range(5)]
    table.write_text("\n".join(rows) + "\n")
    py = sys.executable
    kemeny = ["--direction", "higher", "--rule", "kemeny"]  # the exact solver imports scipy.optimize
    commands = {
        "python -c 'import pandas, numpy'": [py, "-c", "import pandas, numpy"],
        "rankagg --help": [py, "-m", "rankagg", "--help"],
        "rankagg rank (10 x 5 CSV, Borda)": [py, "-m", "rankagg", "rank", str(table), "--direction", "higher"],
        "rankagg rank (10 x 5 CSV, Kemeny)": [py, "-m", "rankagg", "rank", str(table), *kemeny],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # interleaved, so that a slow phase of the machine hits every command alike
        for name, cmd in commands.items():
            times[name].append(cpu_of(cmd))
    base_runs = times["python -c 'import pandas, numpy'"]
    base = statistics.median(base_runs)
    print(f"load average {os.getloadavg()[0]:.1f}; CPU time (user + system) of {args.runs} runs: min / median / max")
    print("| command | CPU time | ratio of medians to import pandas, numpy | per-round ratio |")
    print("|---|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        r = [t / b for t, b in zip(ts, base_runs, strict=True)]
        print(
            f"| {name} | {min(ts):.3f} / {med:.3f} / {max(ts):.3f} s | {med / base:.2f}x | "
            f"{min(r):.2f} / {statistics.median(r):.2f} / {max(r):.2f}x |"
        )


if __name__ == "__main__":
    main()
