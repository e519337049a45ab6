"""An open image: the loaded file, its current plane, display caches and edit history."""

from __future__ import annotations

import numpy as np

from skyglass.processing.display.cache import PlaneDisplay
from skyglass.processing.editing.history import MASK_STEP, EditHistory, Step
from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.frame import Frame
from skyglass.processing.io.reader import LoadedImage, image_from_array


class ImageDocument:
    """What the window shows of one file.

    Parameters
    ----------
    image : LoadedImage
        The opened HDU (or an in-memory image).
    """

    def __init__(self, image: LoadedImage) -> None:
        self.image = image
        self.source = image  # what was opened; edits replace ``image`` only
        self._displays: dict[int, PlaneDisplay] = {}
        #: Show three planes as an R, G, B composite (colour rasters start that way).
        self.composite = image.is_rgb
        self.history: EditHistory | None = None
        #: Edits apply to every plane of the cube (chosen before the first edit).
        self.all_planes = False
        self.saved_index = 0
        #: True = masked; the MASK extension of the file when it has one.
        self.mask: np.ndarray | None = self._file_mask()
        self.mask_dirty = False
        self._shown_data = None
        self._shown_header = None
        self._data_cache: tuple[int, np.ndarray] | None = None

    def _file_mask(self) -> np.ndarray | None:
        return self.source.file_mask()

    def pixels(self) -> np.ndarray:
        """The displayed plane as a float32 array (read once per state)."""
        key = id(self.image), self.image.plane_index
        if self._data_cache is None or self._data_cache[0] != key:
            self._data_cache = (key, np.ascontiguousarray(self.image.data[:, :], np.float32))
        return self._data_cache[1]

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def can_composite(self) -> bool:
        return self.image.nplanes == 3

    @property
    def dirty(self) -> bool:
        """Edits (or mask changes) not yet saved."""
        edited = self.history is not None and self.history.index != self.saved_index
        return edited or self.mask_dirty

    def plane_display(self, index: int) -> PlaneDisplay:
        if index not in self._displays:
            self._displays[index] = PlaneDisplay(self.image.cube.plane(index))
        return self._displays[index]

    def displayed(self) -> list[PlaneDisplay]:
        """The plane displays drawn now: three for a composite, else the current plane."""
        if self.composite and self.can_composite:
            return [self.plane_display(i) for i in range(3)]
        return [self.plane_display(self.image.plane_index)]

    def set_all_planes(self, on: bool) -> None:
        """Edit every plane of the cube together (or only the plane shown)."""
        if bool(on) == self.all_planes:
            return
        if self.history is not None and self.history.steps:
            raise SkyglassError(
                "edits have been made; save or undo them before choosing which planes to edit."
            )
        if on and self.source.nplanes < 2:
            raise SkyglassError("this image has one plane.")
        self.history = None
        self.all_planes = bool(on)

    def set_plane(self, index: int) -> None:
        if self.all_planes and self.history is not None and self.history.steps:
            self.image.set_plane(index)  # every plane is edited: only the view changes
            self._displays.clear()
            return
        if self.history is not None and self.history.steps:
            raise SkyglassError(
                "this plane has been edited; save or undo the edits before changing planes."
            )
        self.history = None  # a preview may have started one for the old plane
        self.image.set_plane(index)

    # ------------------------------------------------------------------ editing
    def editable(self) -> Frame:
        """The current state as a Frame (the history starts at the first edit)."""
        if self.history is None:
            header = self.source.header.copy()
            for key in ("BZERO", "BSCALE", "BLANK"):
                header.remove(key, ignore_missing=True)
            cube = self.source.cube
            if self.composite and self.can_composite:  # a colour image: its three planes
                data = np.stack([np.asarray(cube.plane(i)[:, :], np.float32) for i in range(3)])
            elif self.all_planes and self.source.nplanes > 1:  # the whole cube
                data = np.stack(
                    [np.asarray(cube.plane(i)[:, :], np.float32) for i in range(cube.shape[0])]
                )
            else:
                data = np.ascontiguousarray(self.source.data[:, :], dtype=np.float32)
            self.history = EditHistory(
                Frame(
                    data,
                    header,
                    self.mask,
                    name=self.name,
                    sources=[self.name],
                    uncertainty=self.source.uncertainty(),
                )
            )
        return self.history.current()

    def push(self, step: Step, result: Frame) -> None:
        """Record an applied edit and show its result."""
        self.editable()
        self.history.push(step, result)
        self.show(result)

    def show(self, frame: Frame) -> None:
        """Show ``frame`` (a state of the history) in place of the image."""
        if self.image is self.source or frame.data is not self._shown_data:
            colour = frame.data.ndim == 3 and not self.all_planes
            image = image_from_array(frame.data, frame.header, self.name, rgb=colour)
            image.path = self.source.path
            if image.nplanes > 1 and not colour:
                image.set_plane(min(self.source.plane_index, image.nplanes - 1))
            self.image = image
            self.composite = image.is_rgb  # a colour edit stays colour; to grey ends it
            self._displays.clear()
            self._shown_data = frame.data
        elif frame.header is not self._shown_header:  # a header edit: same pixels
            self.image.header = frame.header.copy()
            self.image._wcs = False  # rebuilt from the new cards on first use
        self._shown_header = frame.header
        # The mask is part of each state: undo and redo bring back the mask it had.
        mask = frame.mask
        self.mask = mask if mask is not None and mask.shape == frame.data.shape[-2:] else None

    def set_mask(self, mask, what: str | None = None) -> None:
        """Replace the mask (True = masked).

        With ``what`` (a few words: "inside circle", "brush") the change is a step of the
        edit history, undone and redone like a pixel edit; without it the mask is only
        shown (a brush stroke in progress). A colour composite's steps hold its three
        planes and one mask.
        """
        if what is None:
            self.mask = mask
            self.mask_dirty = True
            return
        frame = self.editable()
        mask = None if mask is None else np.array(mask, dtype=bool)
        result = Frame(frame.data, frame.header, mask, frame.name, list(frame.sources))
        self.history.push(Step(MASK_STEP, {"what": what}), result)
        self.show(result)
        self.mask_dirty = False

    def close(self) -> None:
        self._displays.clear()
        self.source.close()
