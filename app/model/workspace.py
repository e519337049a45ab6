"""The workspace: the frames the window shows, the current one, and what each one shows.

A frame (DS9's word) is one image on screen with its own display settings, view, regions,
star catalogue and overlay switches: a :class:`FrameState`. The :class:`Workspace` holds
them, applies locks (copying fields to the other frames) and announces every change once
through its events, which the canvas, panels and menus subscribe to.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from skyglass.model.document import ImageDocument
from skyglass.model.events import Event
from skyglass.processing.display.render import DisplaySettings
from skyglass.processing.display.view import View, convert_view

#: Display fields a scale lock copies to every frame.
SCALE_FIELDS = ("scale", "exponent", "limits")
#: Display fields a colour lock copies to every frame.
COLOUR_FIELDS = ("cmap", "invert", "contrast", "bias", "nan_color")
#: How pan and zoom are locked across frames.
FRAME_LOCKS = ("none", "image", "wcs")


@dataclass
class OverlayFlags:
    """Which overlays a frame draws."""

    contours: bool = False
    grid: bool = False
    compass: bool = False
    mask: bool = True


@dataclass(frozen=True)
class Locks:
    """What every frame shares (DS9's Frame > Lock)."""

    frames: str = "none"
    scale: bool = False
    colour: bool = False

    def display_fields(self) -> tuple[str, ...]:
        """The display fields copied to every frame."""
        return (SCALE_FIELDS if self.scale else ()) + (COLOUR_FIELDS if self.colour else ())


@dataclass(eq=False)
class FrameState:
    """One frame: an open document and how it is shown.

    Attributes
    ----------
    document : ImageDocument
        The image, its history and mask.
    display : DisplaySettings
        Scale, limits and colormap.
    view : View or None
        Centre and zoom (None until the frame was first shown: fit the image).
    regions : list
        astropy ``regions`` pixel regions (FITS coordinates).
    catalog : astropy.table.Table or None
        The star catalogue measured on this frame.
    overlays : OverlayFlags
        Which overlays are drawn.
    """

    document: ImageDocument
    display: DisplaySettings
    view: View | None = None
    regions: list = field(default_factory=list)
    catalog: object = None
    overlays: OverlayFlags = field(default_factory=OverlayFlags)

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def wcs(self):
        return self.document.image.wcs


class Workspace:
    """The frames and the current one; every change is announced once.

    Events (callbacks get the arguments in brackets)
    ------------------------------------------------
    frames_changed()                 a frame was added, removed or replaced
    current_changed(state)           another frame is current (None when none is left)
    document_changed(state)          the frame's image changed (opened, edited, plane)
    display_changed(state)           its display settings changed
    view_changed(state, source)      its view changed; ``source`` is who changed it
    regions_changed(state, source)   its regions changed (``source``: who changed them)
    catalog_changed(state), mask_changed(state),
    overlays_changed(state)          the named part changed
    locks_changed(locks)
    """

    def __init__(self, display: DisplaySettings | None = None, max_frames: int = 64) -> None:
        self.frames: list[FrameState] = []
        self.index = -1
        self.locks = Locks()
        self.max_frames = max_frames
        #: Display settings a first frame gets (a new frame copies the current one's).
        self.default_display = display or DisplaySettings()
        for name in (
            "frames_changed",
            "current_changed",
            "document_changed",
            "display_changed",
            "view_changed",
            "regions_changed",
            "catalog_changed",
            "mask_changed",
            "overlays_changed",
            "locks_changed",
        ):
            setattr(self, name, Event(name))

    # ----------------------------------------------------------------- access
    @property
    def current(self) -> FrameState | None:
        """The frame shown (None when nothing is open)."""
        return self.frames[self.index] if self.frames else None

    def _state(self, state: FrameState | None) -> FrameState | None:
        return state if state is not None else self.current

    def __len__(self) -> int:
        return len(self.frames)

    # ------------------------------------------------------------ add / remove
    def add_frame(self, document: ImageDocument) -> FrameState:
        """Add a frame for ``document`` and make it current (oldest closed past the limit)."""
        base = self.current.display if self.current is not None else self.default_display
        state = FrameState(document, base)
        self.frames.append(state)
        while len(self.frames) > self.max_frames:
            self.frames.pop(0).document.close()
        self.index = len(self.frames) - 1
        self.frames_changed.emit()
        self.current_changed.emit(state)
        return state

    def replace_document(self, document: ImageDocument, state: FrameState | None = None):
        """Show ``document`` in a frame (the current one; a first frame if none).

        The frame keeps its display settings; its view, regions and catalogue belonged to
        the old image and are cleared. The old document is closed.
        """
        state = self._state(state)
        if state is None:
            return self.add_frame(document)
        old = state.document
        state.document = document
        state.view, state.regions, state.catalog = None, [], None
        if old is not document and not any(f.document is old for f in self.frames):
            old.close()
        self.frames_changed.emit()
        self.document_changed.emit(state)
        return state

    def remove_frame(self, index: int | None = None) -> None:
        """Close a frame (the current one by default)."""
        if not self.frames:
            return
        index = self.index if index is None else index
        state = self.frames.pop(index)
        state.document.close()
        if index < self.index or self.index >= len(self.frames):
            self.index -= 1
        if not self.frames:
            self.index = -1
        self.frames_changed.emit()
        self.current_changed.emit(self.current)

    # ---------------------------------------------------------------- current
    def set_current(self, index: int) -> None:
        """Make frame ``index`` current (a no-op when it already is, or does not exist)."""
        if not 0 <= index < len(self.frames) or index == self.index:
            return
        self.index = index
        self.current_changed.emit(self.current)

    def step(self, delta: int) -> None:
        """Make the next (+1) or previous (-1) frame current, wrapping around."""
        if len(self.frames) > 1:
            self.set_current((self.index + delta) % len(self.frames))

    # ---------------------------------------------------------------- display
    def set_display(self, settings: DisplaySettings, state: FrameState | None = None) -> None:
        """Give a frame new display settings (validated); locked fields go to every frame.

        Raises
        ------
        InvalidParameterError
            When the settings are not valid (the frames are unchanged).
        """
        state = self._state(state)
        settings = settings.validated()
        if state is None:
            self.default_display = settings
            return
        state.display = settings
        self.display_changed.emit(state)
        self._copy_locked_fields(state)

    def update_display(self, state: FrameState | None = None, **changes) -> None:
        """Change some display fields of a frame (see :meth:`set_display`)."""
        state = self._state(state)
        base = state.display if state is not None else self.default_display
        self.set_display(replace(base, **changes), state)

    def _copy_locked_fields(self, source: FrameState) -> None:
        names = self.locks.display_fields()
        if not names:
            return
        values = {name: getattr(source.display, name) for name in names}
        for other in self.frames:
            if other is not source and any(
                getattr(other.display, n) != v for n, v in values.items()
            ):
                other.display = replace(other.display, **values)
                self.display_changed.emit(other)

    # -------------------------------------------------------------------- view
    def set_view(self, view: View, state: FrameState | None = None, source=None) -> None:
        """Record a frame's view; with a frame lock the other frames follow."""
        state = self._state(state)
        if state is None:
            return
        state.view = view
        self.view_changed.emit(state, source)
        if self.locks.frames == "none":
            return
        for other in self.frames:
            if other is state:
                continue
            matched = convert_view(view, self.locks.frames, state.wcs, other.wcs)
            if matched is not None:
                other.view = matched
                self.view_changed.emit(other, source)

    # ------------------------------------------------------------------ locks
    def set_locks(
        self, frames: str | None = None, scale: bool | None = None, colour: bool | None = None
    ) -> None:
        """Change the locks; a lock switched on copies the current frame's values."""
        if frames is not None and frames not in FRAME_LOCKS:
            raise ValueError(f"frame lock must be one of {', '.join(FRAME_LOCKS)}")
        old = self.locks
        self.locks = Locks(
            old.frames if frames is None else frames,
            old.scale if scale is None else bool(scale),
            old.colour if colour is None else bool(colour),
        )
        self.locks_changed.emit(self.locks)
        state = self.current
        if state is None:
            return
        self._copy_locked_fields(state)
        if self.locks.frames != "none" and old.frames != self.locks.frames and state.view:
            self.set_view(state.view, state)

    # ---------------------------------------------------- regions, stars, mask
    def set_regions(self, regions: list, state: FrameState | None = None, source=None) -> None:
        """Replace a frame's regions; ``source`` is who changed them (the canvas overlay
        after a drag need not redraw)."""
        state = self._state(state)
        if state is not None:
            state.regions = list(regions)
            self.regions_changed.emit(state, source)

    def set_catalog(self, table, state: FrameState | None = None) -> None:
        """Replace a frame's star catalogue (None removes it)."""
        state = self._state(state)
        if state is not None:
            state.catalog = table
            self.catalog_changed.emit(state)

    def set_mask(self, mask, what: str | None = None, state: FrameState | None = None) -> None:
        """Replace a frame's mask (True = masked).

        With ``what`` ("inside circle", "brush") the change is an undoable step of the
        frame's edit history; without it the mask is only shown (a stroke in progress).
        """
        state = self._state(state)
        if state is not None:
            state.document.set_mask(mask, what)
            self.mask_changed.emit(state)

    def set_overlay(self, name: str, on: bool, state: FrameState | None = None) -> None:
        """Switch one overlay of a frame on or off."""
        state = self._state(state)
        if state is None:
            return
        if name not in {f.name for f in fields(OverlayFlags)}:
            raise ValueError(f"unknown overlay {name!r}")
        if getattr(state.overlays, name) != bool(on):
            setattr(state.overlays, name, bool(on))
            self.overlays_changed.emit(state)

    def document_edited(self, state: FrameState | None = None) -> None:
        """Announce that a frame's image changed in place (an edit, undo, plane change)."""
        state = self._state(state)
        if state is not None:
            self.document_changed.emit(state)
