"""Progress of a long import, phase by phase (read, copy, compare, merge, commit), for a person watching.

Three ways to show it: a tqdm bar per phase on a terminal (total, rate, estimate), plain lines where
the output is a file or CI log (a line at the start of a phase, about every tenth of it or every ten
seconds with an estimate of what is left, and one at its end), or nothing (`-v0`, tests).
"""

import sys
import time
from contextlib import contextmanager
from enum import Enum
from typing import IO, Iterator


class ProgressMode(str, Enum):
    BAR = "bar"
    LINES = "lines"
    QUIET = "quiet"


def _amount(value: float, unit: str) -> str:
    if unit == "bytes":
        for size, name in ((1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "kB")):
            if value >= size:
                return f"{value / size:,.1f} {name}"
        return f"{value:,.0f} B"
    return f"{value:,.0f} {unit}"


class Phase:
    """One phase's counter: `update(n)` adds done work (`set(done)` sets it), in the phase's unit."""

    def __init__(self, progress: "ImportProgress", name: str, total: float | None, unit: str):
        self.progress, self.name, self.total, self.unit = progress, name, total, unit
        self.done = 0.0
        self.started = time.monotonic()
        self._next_line_at = self.started + progress.line_seconds
        self._next_fraction = 0.1
        self._bar = None
        if progress.mode is ProgressMode.BAR:
            from tqdm import tqdm

            self._bar = tqdm(
                desc=name,
                total=total,
                unit="B" if unit == "bytes" else f" {unit}",
                unit_scale=True,
                unit_divisor=1024 if unit == "bytes" else 1000,
                leave=False,
                file=progress.stream,
            )
        elif progress.mode is ProgressMode.LINES:
            total_text = f" ({_amount(total, unit)})" if total is not None else ""
            progress.write(f"{name}: started{total_text}")

    def set(self, done: float) -> None:
        self.update(done - self.done)

    def update(self, amount: float = 1) -> None:
        if amount <= 0:
            return
        self.done += amount
        if self._bar is not None:
            self._bar.update(amount)
            return
        if self.progress.mode is not ProgressMode.LINES:
            return
        now = time.monotonic()
        fraction = self.done / self.total if self.total else None
        due = now >= self._next_line_at or (fraction is not None and fraction >= self._next_fraction)
        if due and (fraction is None or fraction < 1):
            self._next_line_at = now + self.progress.line_seconds
            if fraction is not None:
                self._next_fraction = (int(fraction * 10) + 1) / 10
            self.progress.write(f"{self.name}: {self._status(now)}")

    def _status(self, now: float) -> str:
        elapsed = now - self.started
        if not self.total:
            return f"{_amount(self.done, self.unit)} in {elapsed:.0f} s"
        fraction = min(self.done / self.total, 1)
        done = _amount(self.done, self.unit) if self.unit == "bytes" else f"{self.done:,.0f}"
        text = f"{fraction:.0%} ({done} of {_amount(self.total, self.unit)})"
        if fraction > 0:
            text += f", about {elapsed * (1 - fraction) / fraction:,.0f} s left"
        return text

    def close(self, summary: str = "") -> None:
        seconds = time.monotonic() - self.started
        if self._bar is not None:
            self._bar.close()
        if self.progress.mode is ProgressMode.LINES:
            amount = _amount(self.total if self.total is not None and self.unit != "bytes" else self.done, self.unit)
            self.progress.write(f"{self.name}: done, {summary or amount} in {seconds:.1f} s")


class ImportProgress:
    """Where and how an import shows its phases. `ImportProgress.quiet()` shows nothing."""

    def __init__(
        self, mode: ProgressMode = ProgressMode.QUIET, stream: IO[str] | None = None, line_seconds: float = 10.0
    ):
        self.mode, self.stream, self.line_seconds = mode, stream or sys.stderr, line_seconds

    @classmethod
    def quiet(cls) -> "ImportProgress":
        return cls(ProgressMode.QUIET)

    @classmethod
    def for_stream(cls, stream: IO[str], *, verbosity: int = 1, ci: bool = False) -> "ImportProgress":
        """Bars on a terminal, plain lines elsewhere (a file, a pipe, CI), nothing at verbosity 0."""
        if verbosity == 0:
            return cls.quiet()
        is_terminal = hasattr(stream, "isatty") and stream.isatty()
        return cls(ProgressMode.BAR if is_terminal and not ci else ProgressMode.LINES, stream)

    def note(self, line: str) -> None:
        """A line between phases (e.g. why the import reads the file again); nothing when quiet."""
        if self.mode is ProgressMode.BAR:
            from tqdm import tqdm

            tqdm.write(line, file=self.stream)
        elif self.mode is ProgressMode.LINES:
            self.write(line)

    def write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    @contextmanager
    def phase(self, name: str, *, total: float | None = None, unit: str = "rows") -> Iterator[Phase]:
        """A phase of `total` units (rows, or bytes of the files); closed (with its time) on leaving."""
        phase = Phase(self, name, total, unit)
        try:
            yield phase
        finally:
            phase.close()
