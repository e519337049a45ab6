"""An open image: the loaded file, its current plane and per-plane display caches."""

from __future__ import annotations

from processing.display_cache import PlaneDisplay
from processing.reader import LoadedImage


class ImageDocument:
    """What the window shows of one file.

    Parameters
    ----------
    image : LoadedImage
        The opened HDU.
    """

    def __init__(self, image: LoadedImage) -> None:
        self.image = image
        self._displays: dict[int, PlaneDisplay] = {}
        #: Show three planes as an R, G, B composite (colour rasters start that way).
        self.composite = image.is_rgb

    @property
    def path(self) -> str:
        return self.image.path

    @property
    def name(self) -> str:
        return self.image.name

    @property
    def can_composite(self) -> bool:
        return self.image.nplanes == 3

    def plane_display(self, index: int) -> PlaneDisplay:
        if index not in self._displays:
            self._displays[index] = PlaneDisplay(self.image.cube.plane(index))
        return self._displays[index]

    def displayed(self) -> list[PlaneDisplay]:
        """The plane displays drawn now: three for a composite, else the current plane."""
        if self.composite and self.can_composite:
            return [self.plane_display(i) for i in range(3)]
        return [self.plane_display(self.image.plane_index)]

    def set_plane(self, index: int) -> None:
        self.image.set_plane(index)

    def close(self) -> None:
        self._displays.clear()
        self.image.close()
