"""Undo and redo for edits, with memory bounded.

Every step is recorded as an operation and its parameters. Results are kept as snapshots
while they fit in a memory budget; when an old snapshot is dropped, its state is
recomputed from the nearest kept one by replaying the steps. The original image is
always kept, so any state can be rebuilt. Memory stays bounded whatever the number of
steps, and undo after a few steps costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skyglass.processing.editing.registry import apply_operation, get
from skyglass.processing.io.frame import Frame
from skyglass.processing.progress import ProgressCallback

#: Bytes of snapshots kept (the original image is not counted).
DEFAULT_BUDGET = 1024 * 1024 * 1024
#: The operation name of a mask edit: the pixels are unchanged, the Frame's mask is new.
#: Its snapshot is always kept (it shares the pixels, so it costs only the mask), so a
#: mask step is never replayed; recipes leave it out (it is not a pixel operation).
MASK_STEP = "mask"


@dataclass(frozen=True)
class Step:
    """One recorded edit."""

    op: str
    params: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.op == MASK_STEP:
            return f"Mask: {self.params.get('what', 'edited')}"
        return get(self.op).label

    @property
    def is_mask(self) -> bool:
        return self.op == MASK_STEP

    def to_dict(self) -> dict:
        return {"op": self.op, "params": self.params}


class EditHistory:
    """The edits of one image.

    Parameters
    ----------
    original : Frame
        The image as opened (state 0).
    budget : int
        Bytes of snapshots to keep.
    """

    def __init__(self, original: Frame, budget: int = DEFAULT_BUDGET) -> None:
        self.original = original
        self.steps: list[Step] = []
        self.index = 0  # number of steps applied in the current state
        self.budget = budget
        self._snapshots: dict[int, Frame] = {0: original}

    # ---------------------------------------------------------------- state
    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return self.index < len(self.steps)

    @property
    def applied(self) -> list[Step]:
        """The steps that make the current state."""
        return self.steps[: self.index]

    def current(self, progress: ProgressCallback | None = None) -> Frame:
        return self.state(self.index, progress)

    def state(self, index: int, progress: ProgressCallback | None = None) -> Frame:
        """The image after ``index`` steps (replayed from the nearest snapshot if needed)."""
        if not 0 <= index <= len(self.steps):
            raise IndexError(f"no state {index}: there are {len(self.steps)} steps")
        base = max(i for i in self._snapshots if i <= index)
        frame = self._snapshots[base]
        for i in range(base, index):
            step = self.steps[i]
            frame = apply_operation(frame, step.op, step.params, progress)
            self._keep(i + 1, frame)
        return frame

    # -------------------------------------------------------------- changes
    def push(self, step: Step, result: Frame) -> None:
        """Record ``step`` (already computed as ``result``) after the current state; any
        redo steps beyond it are dropped."""
        del self.steps[self.index :]
        for i in [i for i in self._snapshots if i > self.index]:
            del self._snapshots[i]
        self.steps.append(step)
        self.index += 1
        self._keep(self.index, result)

    def undo(self) -> Frame:
        if self.can_undo:
            self.index -= 1
        return self.current()

    def redo(self) -> Frame:
        if self.can_redo:
            self.index += 1
        return self.current()

    def goto(self, index: int) -> Frame:
        """Jump to the state after ``index`` steps (0 = the original)."""
        frame = self.state(index)
        self.index = index
        return frame

    # ------------------------------------------------------------ snapshots
    def is_kept(self, index: int) -> bool:
        """Whether state ``index`` is held in memory (no replay needed to show it)."""
        return index in self._snapshots

    def _keep(self, index: int, frame: Frame) -> None:
        self._snapshots[index] = frame
        self._trim(protect=index)

    def _bytes(self) -> int:
        """Memory held by the snapshots (pixels shared between snapshots count once)."""
        seen: dict[int, int] = {}
        for i, f in self._snapshots.items():
            if i != 0 and f.data is not self.original.data:
                seen[id(f.data)] = f.data.nbytes
            if f.mask is not None:
                seen[id(f.mask)] = f.mask.nbytes
        return sum(seen.values())

    def _trim(self, protect: int) -> None:
        """Drop snapshots farthest from the current state until within the budget (never
        the original, the current one or a mask step's)."""
        while self._bytes() > self.budget:
            candidates = [
                i
                for i in self._snapshots
                if i not in (0, protect) and not self.steps[i - 1].is_mask
            ]
            if not candidates:
                return
            del self._snapshots[max(candidates, key=lambda i: abs(i - self.index))]

    @property
    def snapshot_indices(self) -> list[int]:
        return sorted(self._snapshots)
