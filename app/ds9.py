"""DS9's command language: the same commands from the command line (``-scale log``), from
SAMP (``ds9.set`` / ``ds9.get``) and from ``skyglass.show()`` handles.

Each command acts on the workspace model through the window's controllers, so a command
has taken effect when :meth:`Ds9Commands.set` returns. ``docs/ds9-commands.md`` lists
what is supported.
"""

from __future__ import annotations

import os
import shlex

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.filespec import split_file_spec

#: DS9's one-word scale options (``-log`` is ``-scale log``; ``-zscale`` a limit mode).
SCALE_WORDS = ("linear", "log", "pow", "sqrt", "squared", "asinh", "sinh", "histequ")
MODE_WORDS = ("minmax", "zscale", "zmax")
YES = ("yes", "on", "true", "1")
NO = ("no", "off", "false", "0")


class Ds9Error(SkyglassError):
    """A DS9 command that cannot be done (unknown, or wrong arguments)."""


def _yes(word: str, command: str) -> bool:
    word = word.lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Ds9Error(f"{command}: expected yes or no, got {word!r}")


def _number(word: str, command: str) -> float:
    try:
        return float(word)
    except ValueError:
        raise Ds9Error(f"{command}: {word!r} is not a number") from None


def _yn(flag: bool) -> str:
    return "yes" if flag else "no"


class Ds9Commands:
    """Runs DS9 commands on a main window.

    Parameters
    ----------
    window : MainWindow
        The composition root: its workspace and controllers do the work.
    """

    def __init__(self, window) -> None:
        self.w = window
        self.crosshair: tuple[float, float] | None = None

    # ---------------------------------------------------------------- entry
    def set(self, command: str, url_path: str | None = None) -> None:
        """Do ``command`` (DS9 syntax, e.g. ``scale mode zscale``). Raises Ds9Error."""
        words = self._words(command)
        if url_path is not None and words and words[0] in ("fits", "file", "regions"):
            words = [*words, url_path]  # DS9 SAMP: the data comes as a url parameter
        handler = getattr(self, f"_set_{words[0].replace('-', '_')}", None)
        if handler is None:
            raise Ds9Error(f"{words[0]}: unknown command")
        handler(words[1:])

    def get(self, command: str) -> str:
        """The value DS9 answers for ``command`` (e.g. ``zoom`` -> ``2``)."""
        words = self._words(command)
        handler = getattr(self, f"_get_{words[0].replace('-', '_')}", None)
        if handler is None:
            raise Ds9Error(f"{words[0]}: unknown command (or it cannot be read back)")
        return str(handler(words[1:]))

    @staticmethod
    def _words(command: str) -> list[str]:
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise Ds9Error(f"cannot read the command {command!r} ({exc})") from None
        if not words:
            raise Ds9Error("empty command")
        words[0] = words[0].lower().lstrip("-")
        return words

    # ------------------------------------------------------------ helpers
    @property
    def _state(self):
        state = self.w.workspace.current
        if state is None:
            raise Ds9Error("no image is loaded")
        return state

    def _display(self):
        state = self.w.workspace.current
        return state.display if state is not None else self.w.workspace.default_display

    def _update(self, **changes) -> None:
        if not self.w.image.update_display(**changes):
            raise Ds9Error(self.w.last_error or "invalid display settings")

    # --------------------------------------------------------------- files
    def _set_fits(self, args: list[str]) -> None:
        if not args:
            raise Ds9Error("fits: which file?")
        path = " ".join(args) if len(args) > 1 else args[0]
        if not self.w.files.open_file(os.path.expanduser(path)):
            raise Ds9Error(self.w.last_error or f"fits: cannot open {path}")

    _set_file = _set_fits

    def _get_fits(self, args: list[str]) -> str:
        state = self._state
        if args and args[0].lower() == "size":
            ny, nx = state.document.image.shape
            return f"{nx} {ny}"
        if args and args[0].lower() == "depth":
            return str(state.document.image.nplanes)
        return state.document.path

    def _get_file(self, args: list[str]) -> str:
        return self._state.document.path

    # -------------------------------------------------------------- frames
    def _set_frame(self, args: list[str]) -> None:
        ws, frames = self.w.workspace, self.w.frames
        what = (args[0] if args else "new").lower()
        if what == "new":
            state = ws.current
            if state is None:
                return
            # DS9 makes an empty frame; we show the same image again until one is loaded.
            self.w.files.open_file(
                state.document.path, hdu=state.document.image.hdu_index, new_frame=True
            )
        elif what == "delete":
            frames.delete_frame()
        elif what == "next":
            frames.next_frame()
        elif what in ("prev", "previous"):
            frames.previous_frame()
        elif what == "first":
            ws.set_current(0)
        elif what == "last":
            ws.set_current(len(ws.frames) - 1)
        elif what.isdigit() or (what == "frame" and len(args) > 1):
            number = int(args[-1])
            if not 1 <= number <= len(ws.frames):
                raise Ds9Error(f"frame: there is no frame {number} ({len(ws.frames)} open)")
            ws.set_current(number - 1)
        else:
            raise Ds9Error(f"frame: unknown option {what!r}")

    def _get_frame(self, args: list[str]) -> str:
        if args and args[0].lower() == "all":
            return " ".join(str(i + 1) for i in range(len(self.w.workspace.frames)))
        return str(self.w.workspace.index + 1)

    # --------------------------------------------------------------- scale
    def _set_scale(self, args: list[str]) -> None:
        if not args:
            raise Ds9Error("scale: which scale?")
        word = args[0].lower()
        if word == "mode":
            if len(args) < 2:
                raise Ds9Error("scale mode: minmax, zscale, zmax or a percentage")
            self._update(limits=args[1].rstrip("%"))
        elif word == "limits":
            if len(args) < 3:
                raise Ds9Error("scale limits: two numbers, low and high")
            low, high = _number(args[1], "scale limits"), _number(args[2], "scale limits")
            self._update(limits=f"{low!r},{high!r}")
        elif word in ("log", "pow") and len(args) >= 3 and args[1].lower() == "exp":
            self._update(exponent=_number(args[2], "scale log exp"))
        elif word in MODE_WORDS:
            self._update(limits=word)
        elif word in ("user",):
            pass
        else:
            self._update(scale=word)

    def _get_scale(self, args: list[str]) -> str:
        display = self._display()
        if not args:
            return display.scale
        word = args[0].lower()
        if word == "mode":
            spec = display.limit_spec
            return (
                spec.mode
                if spec.mode in ("minmax", "zscale", "zmax", "user")
                else f"{spec.percent:g}"
            )
        if word == "limits":
            state = self._state
            low, high = state.document.displayed()[0].limits(state.display)
            return f"{low:.10g} {high:.10g}"
        if word in ("log", "pow") and len(args) > 1 and args[1].lower() == "exp":
            return f"{display.exponent:g}"
        raise Ds9Error(f"scale: cannot read back {word!r}")

    # ---------------------------------------------------------------- cmap
    def _set_cmap(self, args: list[str]) -> None:
        if not args:
            raise Ds9Error("cmap: which colormap?")
        if args[0].lower() == "invert":
            self._update(invert=_yes(args[1] if len(args) > 1 else "yes", "cmap invert"))
        elif args[0].lower() == "value" and len(args) >= 3:
            self._update(
                contrast=_number(args[1], "cmap value"), bias=_number(args[2], "cmap value")
            )
        else:
            self._update(cmap=args[0])

    def _get_cmap(self, args: list[str]) -> str:
        display = self._display()
        if args and args[0].lower() == "invert":
            return _yn(display.invert)
        if args and args[0].lower() == "value":
            return f"{display.contrast:g} {display.bias:g}"
        return display.cmap

    # ----------------------------------------------------------- zoom, pan
    def _set_zoom(self, args: list[str]) -> None:
        canvas = self.w.canvas
        words = [a.lower() for a in args]
        if words[:1] == ["to"]:
            words = words[1:]
        if not words:
            raise Ds9Error("zoom: a factor or 'to fit'")
        if words[0] == "fit":
            canvas.zoom_fit()
        else:
            factor = _number(words[0], "zoom")
            if not factor > 0:
                raise Ds9Error("zoom: the factor must be positive")
            canvas.zoom_to(factor)

    def _get_zoom(self, args: list[str]) -> str:
        return f"{self.w.canvas.zoom():.6g}"

    def _xy(self, args: list[str], command: str) -> tuple[float, float]:
        """``X Y [image|physical|wcs|fk5|icrs] [degrees]`` as FITS pixels of the image."""
        if len(args) < 2:
            raise Ds9Error(f"{command}: X Y [image|wcs]")
        system = args[2].lower() if len(args) > 2 else "image"
        if system in ("image", "physical"):
            return _number(args[0], command), _number(args[1], command)
        if system in ("wcs", "fk5", "icrs", "j2000"):
            wcs = self._state.wcs
            if wcs is None:
                raise Ds9Error(f"{command}: this image has no WCS")
            from astropy import units as u
            from astropy.coordinates import SkyCoord

            sexagesimal = ":" in args[0]
            coord = SkyCoord(args[0], args[1], unit=(u.hourangle, u.deg) if sexagesimal else u.deg)
            x, y = wcs.all_world2pix([[coord.ra.deg, coord.dec.deg]], 1)[0]
            return float(x), float(y)
        raise Ds9Error(f"{command}: unknown coordinate system {system!r}")

    def _set_pan(self, args: list[str]) -> None:
        words = list(args)
        if words and words[0].lower() == "to":
            words = words[1:]
        self._state  # noqa: B018 - an image is needed
        x, y = self._xy(words, "pan")
        self.w.canvas.center_on(x, y)

    def _get_pan(self, args: list[str]) -> str:
        state = self._state
        view = self.w.canvas.view()
        system = args[0].lower() if args else "image"
        if system in ("wcs", "fk5", "icrs"):
            if state.wcs is None:
                raise Ds9Error("pan: this image has no WCS")
            ra, dec = state.wcs.all_pix2world([[view.x, view.y]], 1)[0]
            return f"{ra:.7f} {dec:.7f}"
        return f"{view.x:.6g} {view.y:.6g}"

    def _set_crosshair(self, args: list[str]) -> None:
        self._state  # noqa: B018
        x, y = self._xy(args, "crosshair")
        self.crosshair = (x, y)
        self.w.readout.show_position(x, y)
        self.w.magnifier.show_position(x, y)

    def _get_crosshair(self, args: list[str]) -> str:
        if self.crosshair is None:
            view = self.w.canvas.view()
            return f"{view.x:.6g} {view.y:.6g}"
        return f"{self.crosshair[0]:.6g} {self.crosshair[1]:.6g}"

    # ------------------------------------------------------------- regions
    def _set_regions(self, args: list[str]) -> None:
        from skyglass.processing.measure.regionstats import (
            parse_regions,
            read_regions,
            write_regions,
        )

        state = self._state
        ws = self.w.workspace
        words = [a for a in args if not a.startswith("-")]
        if not words:
            raise Ds9Error("regions: load FILE, save FILE, delete all, or a region")
        verb = words[0].lower()
        shape = state.document.image.shape
        if verb == "load":
            if len(words) < 2:
                raise Ds9Error("regions load: which file?")
            ws.set_regions([*state.regions, *read_regions(words[-1], state.wcs, shape)])
        elif verb == "save":
            if len(words) < 2:
                raise Ds9Error("regions save: which file?")
            sky = "-system" in args and args[args.index("-system") + 1].lower() != "image"
            write_regions(state.regions, words[-1], state.wcs, sky=sky)
        elif verb == "delete" or verb == "deleteall":
            ws.set_regions([])
        elif verb == "command":
            text = " ".join(words[1:])
            ws.set_regions([*state.regions, *parse_regions(text, state.wcs, shape=shape)])
        else:  # a region itself: "circle 100 100 20"
            text = " ".join(words)
            ws.set_regions([*state.regions, *parse_regions(text, state.wcs, shape=shape)])

    def _get_regions(self, args: list[str]) -> str:
        from skyglass.processing.measure.regionstats import regions_text

        state = self._state
        system = "image"
        if "-system" in args:
            i = args.index("-system")
            system = args[i + 1].lower() if i + 1 < len(args) else "image"
        elif args and args[0].lower() in ("wcs", "fk5", "icrs"):
            system = "wcs"
        return regions_text(state.regions, state.wcs, sky=system != "image")

    # ------------------------------------------------------------ overlays
    def _overlay(self, name: str, args: list[str]) -> None:
        self.w.overlays.set_overlay(name, _yes(args[0] if args else "yes", name))

    def _set_contour(self, args: list[str]) -> None:
        self._state  # noqa: B018
        self._overlay("contours", args)

    def _get_contour(self, args: list[str]) -> str:
        state = self.w.workspace.current
        return _yn(state is not None and state.overlays.contours)

    def _set_grid(self, args: list[str]) -> None:
        self._state  # noqa: B018
        self._overlay("grid", args)

    def _get_grid(self, args: list[str]) -> str:
        state = self.w.workspace.current
        return _yn(state is not None and state.overlays.grid)

    def _set_tile(self, args: list[str]) -> None:
        self.w.frames.set_tile(_yes(args[0] if args else "yes", "tile"))

    def _get_tile(self, args: list[str]) -> str:
        return _yn(self.w.frames.tiling)

    def _set_blink(self, args: list[str]) -> None:
        word = args[0].lower() if args else "yes"
        if word == "interval" and len(args) > 1:
            seconds = _number(args[1], "blink interval")
            self.w.frames.set_blink(self.w.frames.blinking, int(seconds * 1000))
            return
        self.w.frames.set_blink(_yes(word, "blink"), last=0)

    def _get_blink(self, args: list[str]) -> str:
        if args and args[0].lower() == "interval":
            return f"{self.w.frames.blink_timer.interval() / 1000:g}"
        return _yn(self.w.frames.blinking)

    # ---------------------------------------------------------- match, lock
    def _frame_how(self, args: list[str], command: str) -> str:
        words = [a.lower() for a in args]
        if words[:1] == ["frame"]:
            words = words[1:]
        how = words[0] if words else "image"
        how = {"fk5": "wcs", "icrs": "wcs", "physical": "image", "no": "none"}.get(how, how)
        if how not in ("image", "wcs", "none"):
            raise Ds9Error(f"{command}: frame image|wcs (got {how!r})")
        return how

    def _set_match(self, args: list[str]) -> None:
        from skyglass.processing.display.view import convert_view

        how = self._frame_how(args, "match")
        ws = self.w.workspace
        state = self._state
        for other in ws.frames:
            if other is not state and state.view is not None:
                view = convert_view(state.view, how, state.wcs, other.wcs)
                if view is not None:
                    ws.set_view(view, other)

    def _set_lock(self, args: list[str]) -> None:
        words = [a.lower() for a in args]
        if words[:1] in (["scale"], ["scalelimits"]):
            self.w.workspace.set_locks(scale=_yes(words[1] if len(words) > 1 else "yes", "lock"))
        elif words[:1] in (["colorbar"], ["cmap"]):
            self.w.workspace.set_locks(colour=_yes(words[1] if len(words) > 1 else "yes", "lock"))
        else:
            self.w.workspace.set_locks(frames=self._frame_how(args, "lock"))

    def _get_lock(self, args: list[str]) -> str:
        locks = self.w.workspace.locks
        words = [a.lower() for a in args]
        if words[:1] in (["scale"], ["scalelimits"]):
            return _yn(locks.scale)
        if words[:1] in (["colorbar"], ["cmap"]):
            return _yn(locks.colour)
        return locks.frames

    # ------------------------------------------------------------ the rest
    def _set_saveimage(self, args: list[str]) -> None:
        if not args:
            raise Ds9Error("saveimage: [png|jpeg] FILE")
        fmt, path = (args[0].lower(), args[1]) if len(args) > 1 else (None, args[0])
        fmt = fmt or os.path.splitext(path)[1].lower().lstrip(".")
        fmt = {"jpg": "jpeg"}.get(fmt, fmt)
        if fmt not in ("png", "jpeg"):
            raise Ds9Error(f"saveimage: png or jpeg, not {fmt!r}")
        self._state  # noqa: B018
        save_view(self.w, path, fmt)

    def _set_samp(self, args: list[str]) -> None:
        self.w.samp.set_connected(_yes(args[0] if args else "yes", "samp"))

    def _set_catalog(self, args: list[str]) -> None:
        if not args:
            raise Ds9Error("catalog: which file?")
        if not self.w.overlays.open_catalog(args[-1]):
            raise Ds9Error(self.w.last_error or f"catalog: cannot read {args[-1]}")

    def _set_quit(self, args: list[str]) -> None:
        from PySide6 import QtCore

        # After the reply: the caller hears "done" before the window goes.
        QtCore.QTimer.singleShot(0, self.w.close)

    _set_exit = _set_quit

    def _get_version(self, args: list[str]) -> str:
        from skyglass import __version__

        return f"skyglass {__version__}"


def save_view(window, path: str, fmt: str = "png") -> None:
    """The current frame as shown (the visible area at screen zoom) to PNG or JPEG."""
    import numpy as np

    from skyglass.processing.io.fileio import atomic_write
    from skyglass.processing.overlays.annotate import PLAIN, render_annotated

    state = window.workspace.current
    doc = state.document
    displays = doc.displayed()
    r0, r1, c0, c1 = window.canvas.visible_box()
    planes = (
        [d.data[r0:r1, c0:c1] for d in displays]
        if len(displays) == 3
        else (doc.pixels()[r0:r1, c0:c1])
    )
    zoom = min(max(window.canvas.zoom(), 1 / 32), 8.0)
    rgb = np.ascontiguousarray(render_annotated(planes, state.display, None, PLAIN, zoom))

    def write(tmp: str) -> None:
        from PIL import Image

        Image.fromarray(rgb).save(tmp, format="JPEG" if fmt == "jpeg" else "PNG", quality=92)

    atomic_write(path, write, overwrite=True)


#: DS9 command-line options that take no argument, and the command each means.
FLAGS = {
    **{f"-{w}": f"scale {w}" for w in SCALE_WORDS},
    **{f"-{w}": f"scale mode {w}" for w in MODE_WORDS},
    "-tile": "tile yes",
    "-blink": "blink yes",
    "-samp": "samp yes",
}
#: DS9 options that take arguments (the command is the option's name).
WITH_ARGS = (
    "scale",
    "cmap",
    "zoom",
    "pan",
    "regions",
    "frame",
    "match",
    "lock",
    "contour",
    "grid",
    "crosshair",
    "catalog",
    "fits",
    "saveimage",
    "tile",
    "blink",
    "samp",
    "quit",
    "exit",
)


def _is_option(word: str) -> bool:
    if not word.startswith("-") or word.startswith("--") or len(word) < 2:
        return False
    try:
        float(word)
        return False  # a negative number is an argument
    except ValueError:
        return True


def split_command_line(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Separate DS9's single-dash options from Skyglass's own arguments.

    Returns
    -------
    (list of str, list of (kind, value))
        The arguments for Skyglass's parser (``--long`` options and their values), and the
        ordered actions: ``("open", FILE)`` for each file and ``("cmd", "scale log")`` for
        each DS9 option, in the order DS9 would process them.
    """
    own: list[str] = []
    actions: list[tuple[str, str]] = []
    i = 0
    takes_value = {"--follow"}
    while i < len(argv):
        word = argv[i]
        if word.startswith("--"):
            own.append(word)
            if word in takes_value and i + 1 < len(argv):
                own.append(argv[i + 1])
                i += 1
            i += 1
            continue
        if word in ("-h",):
            own.append(word)
            i += 1
            continue
        if _is_option(word):
            name = word[1:].lower()
            if word.lower() in FLAGS:
                actions.append(("cmd", FLAGS[word.lower()]))
                i += 1
                continue
            if name not in WITH_ARGS:
                raise Ds9Error(f"{word}: unknown option (skyglass --help lists them)")
            args = []
            i += 1
            while i < len(argv) and not _is_option(argv[i]) and not argv[i].startswith("--"):
                if (
                    args
                    and _looks_like_file(argv[i])
                    and name not in ("regions", "catalog", "fits", "saveimage")
                ):
                    break
                args.append(argv[i])
                i += 1
                if name in ("regions", "catalog", "fits") and _looks_like_file(args[-1]):
                    break
                if name == "saveimage" and len(args) == 2:
                    break
            if not args and name not in (
                "tile",
                "blink",
                "samp",
                "quit",
                "exit",
                "contour",
                "grid",
                "frame",
            ):
                raise Ds9Error(f"{word}: needs a value")
            actions.append(("cmd", " ".join([name, *(shlex.quote(a) for a in args)])))
            continue
        actions.append(("open", word))
        i += 1
    return own, actions


def _looks_like_file(word: str) -> bool:
    from skyglass.processing.io.formats import format_for

    path, _, _ = split_file_spec(word)
    return format_for(path) is not None or path.lower().endswith(
        (".reg", ".xml", ".vot", ".ecsv", ".csv")
    )


#: For ``skyglass --help``: the DS9 options understood.
HELP = """DS9 options (processed in order, after and between the files, as DS9 does):
  -scale linear|log|pow|sqrt|squared|asinh|sinh|histequ   (or -log, -sqrt, ...)
  -scale mode minmax|zscale|zmax|PERCENT   -zscale  -minmax  -zmax
  -scale limits LOW HIGH   -scale log exp N
  -cmap NAME   -cmap invert yes|no        -zoom N | -zoom to fit
  -pan to X Y [image|wcs|fk5]             -crosshair X Y [image|wcs]
  -regions FILE   -catalog FILE           -frame new|delete|next|prev|first|last|N
  -tile  -blink   -match frame image|wcs  -lock frame image|wcs|none
  -contour yes    -grid yes               -saveimage png|jpeg FILE   -samp   -quit
  FILE[ext] opens one HDU (FILE.fits[1], FILE.fits[SCI]).
Over SAMP the same commands arrive as ds9.set / ds9.get (docs/ds9-commands.md)."""
