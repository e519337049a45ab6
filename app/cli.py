"""The ``skyglass`` command: the window (default), and headless ``info``, ``render``, ``demo``.

Errors follow one contract: exit status 2 and a single line ``skyglass: error: ...``
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

from processing.errors import SkyglassError

SUBCOMMANDS = ("info", "render", "demo", "calibrate", "stack", "replay", "stars")


class _Parser(argparse.ArgumentParser):
    """argparse with the error line our contract asks for."""

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(2, f"skyglass: error: {message}\n")


def _hdu_arg(text: str) -> int | str:
    return int(text) if text.strip().lstrip("-").isdigit() else text


def _plane_arg(text: str) -> int:
    try:
        plane = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"plane must be a whole number, got {text!r}") from None
    if plane < 1:
        raise argparse.ArgumentTypeError("planes are numbered from 1 (as in DS9's cube dialog)")
    return plane


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the headless subcommands."""
    from processing.colormaps import COLORMAPS
    from processing.stretch import SCALES

    parser = _Parser(prog="skyglass", description="FITS viewer and editor (headless commands).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("file", help="FITS (.fits, .fits.gz, .fz) or PNG/JPEG/TIFF file")
    common.add_argument(
        "--hdu",
        type=_hdu_arg,
        default=None,
        help="HDU number (0 = primary) or EXTNAME; default: first image HDU",
    )
    common.add_argument(
        "--plane",
        type=_plane_arg,
        default=None,
        help="plane of a cube, from 1 (default 1; a colour image shows in colour)",
    )
    common.add_argument(
        "--limits", default=None, help="minmax, zscale, zmax, a percentage (99.5) or LOW,HIGH"
    )

    info = sub.add_parser("info", parents=[common], help="describe a file and its image")
    info.add_argument("--at", metavar="X,Y", help="FITS pixel (1-based) to report the value of")
    info.add_argument("--json", action="store_true", help="print one JSON object")

    render = sub.add_parser(
        "render", parents=[common], help="render an image to PNG as DS9 shows it"
    )
    render.add_argument("-o", "--output", required=True, metavar="OUT.png")
    render.add_argument("--scale", default="linear", help="one of: " + ", ".join(SCALES))
    render.add_argument("--exponent", type=float, default=1000.0, help="log/pow exponent (1000)")
    render.add_argument("--cmap", default="grey", help="one of: " + ", ".join(COLORMAPS))
    render.add_argument("--invert", action="store_true", help="invert the colormap")
    render.add_argument("--contrast", type=float, default=1.0, help="DS9 contrast (1)")
    render.add_argument("--bias", type=float, default=0.5, help="DS9 bias (0.5)")
    render.add_argument("--zoom", default="1", help="zoom factor, e.g. 2, 0.5 or 1/4 (1)")
    render.add_argument("--stars", action="store_true", help="find stars and circle them")
    render.add_argument("--regions", metavar="FILE.reg", help="draw a DS9 region file")
    render.add_argument("--colorbar", action="store_true", help="add a colorbar under the image")
    render.add_argument(
        "--compass", action="store_true", help="north/east arrows and a scale bar (needs a WCS)"
    )

    stars = sub.add_parser("stars", parents=[common], help="find stars and write a catalogue")
    stars.add_argument(
        "-o",
        "--output",
        metavar="CATALOG.ecsv|.csv",
        help="write the catalogue (ECSV keeps units and metadata)",
    )
    stars.add_argument(
        "--threshold",
        type=float,
        default=2.5,
        help="detection threshold in sigma of the background noise (2.5)",
    )
    stars.add_argument(
        "--fwhm", type=float, default=None, help="expected FWHM in pixels (default: measured)"
    )
    stars.add_argument(
        "--min-separation",
        type=float,
        default=0.0,
        help="drop the fainter of two stars closer than this (pixels)",
    )
    stars.add_argument("--overwrite", action="store_true", help="replace the catalogue")

    cal = sub.add_parser(
        "calibrate",
        help="build masters and calibrate light frames",
        description="Either give the frames (--bias/--dark/--flat and LIGHTS) or --auto DIR to "
        "group a night's frames from their headers. Writes the masters and NAME_cal.fits.",
    )
    cal.add_argument("lights", nargs="*", metavar="LIGHTS", help="raw light frames")
    cal.add_argument("--bias", nargs="+", default=[], metavar="FILE")
    cal.add_argument(
        "--dark",
        nargs="+",
        default=[],
        metavar="FILE",
        help="darks (grouped by EXPTIME; each light uses the matching one)",
    )
    cal.add_argument(
        "--flat", nargs="+", default=[], metavar="FILE", help="flats (grouped by FILTER)"
    )
    cal.add_argument("--auto", metavar="DIR", help="group every frame of DIR by IMAGETYP")
    cal.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    cal.add_argument(
        "--method",
        default="median",
        choices=["median", "mean", "sigma-clip", "minmax"],
        help="how masters are combined (median)",
    )
    cal.add_argument(
        "--cosmic",
        default="none",
        choices=["none", "lacosmic", "median"],
        help="cosmic-ray cleaning of the lights (none)",
    )
    cal.add_argument(
        "--bad-pixels",
        default="keep",
        choices=["keep", "interpolate", "nan"],
        help="hot pixels (from the dark) and weak pixels (from the flat)",
    )
    cal.add_argument(
        "--nonlinearity", metavar="C0,C1,C2,C3", help="polynomial applied after bias subtraction"
    )
    cal.add_argument("--overwrite", action="store_true", help="replace existing outputs")

    stk = sub.add_parser("stack", help="align and co-add frames")
    stk.add_argument("files", nargs="+", metavar="FILES")
    stk.add_argument("-o", "--output", required=True, metavar="OUT.fits")
    stk.add_argument(
        "--method", default="median", choices=["median", "mean", "sum", "sigma-clip", "minmax"]
    )
    stk.add_argument("--align", default="shift", choices=["none", "shift", "stars"])
    stk.add_argument("--interpolation", default="bilinear", choices=["bilinear", "bicubic"])
    stk.add_argument("--reference", type=int, default=1, help="reference frame, from 1 (1)")
    stk.add_argument("--overwrite", action="store_true", help="replace OUT.fits if it exists")

    rep = sub.add_parser("replay", help="apply a recipe (exported edit history) to an image")
    rep.add_argument("recipe", metavar="RECIPE.json")
    rep.add_argument("input", metavar="INPUT")
    rep.add_argument("-o", "--output", required=True, metavar="OUT.fits")
    rep.add_argument("--overwrite", action="store_true", help="replace OUT.fits if it exists")

    demo = sub.add_parser("demo", help="write a synthetic observing night with truth files")
    demo.add_argument("folder", metavar="DIR")
    demo.add_argument("--size", type=int, default=2048, help="frame size in pixels (2048)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (1)")
    return parser


def _load(args):
    from processing.reader import open_image

    return open_image(args.file, hdu=args.hdu, plane=(args.plane or 1) - 1)


def cmd_info(args) -> int:
    from processing.coords import parse_xy
    from processing.errors import InvalidParameterError
    from processing.limits import compute_limits, parse_limits
    from processing.stats import format_sexagesimal, image_stats, pixel_value, sky_position

    spec = parse_limits(args.limits or "zscale")
    image = _load(args)
    data = image.data
    ny, nx = image.shape
    stats = image_stats(data)
    low, high = compute_limits(data, spec)
    result = {
        "file": image.path,
        "hdus": [h.to_dict() for h in image.hdus],
        "hdu": image.hdu_index,
        "plane": image.plane_index + 1,
        "nplanes": image.nplanes,
        "shape": list(image.axis_shape),
        "dtype": next(h.dtype for h in image.hdus if h.index == image.hdu_index),
        "bunit": image.bunit,
        **{k: stats[k] for k in ("min", "max", "mean", "median", "std", "nan_count")},
        "limits_mode": spec.label,
        "limits": [low, high],
    }
    if stats["median_sampled"]:
        result["median_sampled"] = True
    center = sky_position(image.wcs, (nx + 1) / 2.0, (ny + 1) / 2.0)
    if center is not None:
        result["center"] = {"ra": center[0], "dec": center[1]}
    if args.at:
        try:
            x, y = parse_xy(args.at)
        except ValueError as exc:
            raise InvalidParameterError(f"--at: {exc}") from None
        value = pixel_value(data, x, y)
        at = {"x": x, "y": y, "value": None if math.isnan(value) else value}
        pos = sky_position(image.wcs, x, y)
        if pos is not None:
            at["ra"], at["dec"] = pos
        result["at"] = at

    if args.json:
        print(json.dumps(result, allow_nan=False, default=float))
        return 0
    print(image.path)
    print(f"  {'HDU':>3}  {'name':<16} {'kind':<6} {'shape':<18} dtype")
    for h in image.hdus:
        shape = (
            " x ".join(str(n) for n in reversed(h.shape))
            if h.kind == "image"
            else (f"{h.shape[0]} rows" if h.kind == "table" else "-")
        )
        mark = "*" if h.index == image.hdu_index else " "
        print(f" {mark}{h.index:>3}  {h.name:<16} {h.kind:<6} {shape:<18} {h.dtype}")
    unit = f" {image.bunit}" if image.bunit else ""
    print(
        f"image: {nx} x {ny} (NAXIS1 x NAXIS2), {result['dtype']}, plane {result['plane']} "
        f"of {image.nplanes}"
    )

    def f(v):
        return "n/a" if v is None else f"{v:.6g}"

    print(
        f"  min {f(stats['min'])}  max {f(stats['max'])}  mean {f(stats['mean'])}  "
        f"median {f(stats['median'])}{' (sampled)' if stats['median_sampled'] else ''}  "
        f"std {f(stats['std'])}{unit}"
    )
    print(f"  NaN/Inf pixels {stats['nan_count']}")
    print(f"  limits ({spec.label}): {low:.6g} {high:.6g}")
    if center is not None:
        ra_s, dec_s = format_sexagesimal(*center)
        print(f"  centre: RA {ra_s}  Dec {dec_s}  ({center[0]:.6f}, {center[1]:.6f} deg)")
    if args.at:
        at = result["at"]
        value = "NaN" if at["value"] is None else f"{at['value']:.6g}{unit}"
        line = f"  at ({at['x']:g}, {at['y']:g}): {value}"
        if "ra" in at:
            ra_s, dec_s = format_sexagesimal(at["ra"], at["dec"])
            line += f"  RA {ra_s}  Dec {dec_s}  ({at['ra']:.6f}, {at['dec']:.6f} deg)"
        print(line)
    return 0


def cmd_render(args) -> int:
    import imageio.v3 as iio

    from processing.fileio import atomic_write
    from processing.render import (
        DisplaySettings,
        render_composite,
        render_plane,
        to_display_rows,
        zoom_factor,
    )

    zoom = zoom_factor(args.zoom)
    settings = DisplaySettings(
        scale=args.scale,
        exponent=args.exponent,
        limits=args.limits or "minmax",
        contrast=args.contrast,
        bias=args.bias,
        cmap=args.cmap,
        invert=args.invert,
    ).validated()
    import os

    if not args.output.lower().endswith(".png"):
        raise SkyglassError(f"{args.output}: the output must be a .png file.")
    if os.path.exists(args.output) and os.path.samefile(args.output, args.file):
        raise SkyglassError(f"{args.output}: refusing to write over the input file.")
    image = _load(args)
    if args.stars or args.regions or args.colorbar or args.compass:
        return _render_annotated(args, image, settings, zoom)
    if image.is_rgb and args.plane is None:
        planes = [image.cube.plane(i) for i in range(3)]
        rgba = render_composite(planes, settings, zoom)
    else:
        rgba = render_plane(image.data, settings, zoom)
    rgb = to_display_rows(rgba)[..., :3]
    # A rendered PNG is derived output, replaced like any -o target (never the input).
    atomic_write(args.output, lambda tmp: iio.imwrite(tmp, rgb, extension=".png"), overwrite=True)
    print(f"wrote {args.output} ({rgb.shape[1]} x {rgb.shape[0]})")
    return 0


def _render_annotated(args, image, settings, zoom) -> int:
    from processing.annotate import Annotations, save_annotated_png
    from processing.regionstats import read_regions

    data = image.data[:, :]
    ann = Annotations(
        colorbar=args.colorbar, compass=args.compass, scalebar=args.compass, unit=image.bunit
    )
    if args.stars:
        from processing.stars import detect_stars

        ann.stars = detect_stars(data, image.header)
    if args.regions:
        ann.regions = read_regions(args.regions, image.wcs)
    if args.compass and image.wcs is None:
        print("skyglass: note: no WCS, so no compass or scale bar", file=sys.stderr)
    save_annotated_png(args.output, data, settings, image.header, ann, zoom)
    extra = f", {len(ann.stars)} stars" if ann.stars is not None else ""
    extra += f", {len(ann.regions)} regions" if ann.regions else ""
    print(f"wrote {args.output}{extra}")
    return 0


def cmd_stars(args) -> int:
    import os

    from processing.stars import StarOptions, detect_stars

    options = StarOptions(
        threshold=args.threshold, fwhm=args.fwhm, min_separation=args.min_separation
    ).validated()
    if args.output:
        if not args.output.lower().endswith((".ecsv", ".csv")):
            raise SkyglassError(f"{args.output}: the catalogue must be .ecsv or .csv.")
        if os.path.exists(args.output) and not args.overwrite:
            raise SkyglassError(f"{args.output}: already exists; use --overwrite.")
    image = _load(args)
    table = detect_stars(image.data[:, :], image.header, options=options)
    meta = table.meta
    print(
        f"{len(table)} stars in {image.name}: FWHM {meta.get('fwhm', float('nan')):.2f} px, "
        f"background {meta.get('background', float('nan')):.6g} +- "
        f"{meta.get('noise', float('nan')):.3g}, threshold {options.threshold:g} sigma"
    )
    if len(table):
        print(
            f"  saturated: {int(table['saturated'].sum())}; median FWHM of stars "
            f"{float(np.median(table['fwhm'][np.isfinite(table['fwhm'])])):.2f} px"
        )
    if args.output:
        from processing.fileio import atomic_write

        fmt = "ascii.ecsv" if args.output.lower().endswith(".ecsv") else "ascii.csv"
        atomic_write(
            args.output,
            lambda tmp: table.write(tmp, format=fmt, overwrite=True),
            overwrite=args.overwrite,
        )
        print(f"wrote {args.output}")
    return 0


def cmd_demo(args) -> int:
    from processing.demo import generate_night

    def progress(fraction: float, message: str) -> None:
        print(f"\r  [{fraction * 100:5.1f}%] {message:<28}", end="", file=sys.stderr, flush=True)

    night = generate_night(args.folder, size=args.size, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(
        f"wrote {len(night.all_frames)} frames to {night.folder}: {len(night.biases)} biases, "
        f"{len(night.darks)} darks, {len(night.flats)} flats, {len(night.lights)} lights; "
        f"truth in {night.truth}"
    )
    return 0


def _terminal_progress():
    """A progress callback printing one updating line on stderr (only when it changes)."""
    last = {"text": ""}

    def progress(fraction: float, message: str) -> None:
        text = f"  [{fraction * 100:5.1f}%] {message}"
        if text != last["text"]:
            end = "\n" if not sys.stderr.isatty() else ""
            print(f"\r{text:<60}", end=end, file=sys.stderr, flush=True)
            last["text"] = text

    return progress


def cmd_calibrate(args) -> int:
    from processing.calibration import CalibrationOptions
    from processing.combine import CombineOptions
    from processing.errors import InvalidParameterError
    from processing.pipeline import build_masters, calibrate_folder, calibrate_lights, write_masters

    nonlinearity = None
    if args.nonlinearity:
        try:
            nonlinearity = tuple(float(c) for c in args.nonlinearity.split(","))
        except ValueError:
            raise InvalidParameterError("--nonlinearity: four numbers C0,C1,C2,C3.") from None
    options = CalibrationOptions(
        nonlinearity=nonlinearity,
        cosmic=None if args.cosmic == "none" else args.cosmic,
        bad_pixels=args.bad_pixels,
    ).validated()
    combine_options = CombineOptions(args.method)
    progress = _terminal_progress()
    if args.auto:
        if args.lights or args.bias or args.dark or args.flat:
            raise InvalidParameterError("--auto takes a folder; do not list frames as well.")
        masters, lights = calibrate_folder(
            args.auto, args.output, combine_options, options, args.overwrite, progress
        )
    else:
        if not args.lights:
            raise InvalidParameterError("no light frames given (or use --auto DIR).")
        built = build_masters(args.bias, args.dark, args.flat, combine_options, progress)
        masters = write_masters(built, args.output, args.overwrite)
        lights = calibrate_lights(
            args.lights, built, args.output, options, args.overwrite, progress
        )
    print(file=sys.stderr)
    for path in masters:
        print(f"master: {path}")
    for path in lights:
        print(f"calibrated: {path}")
    return 0


def cmd_stack(args) -> int:
    import os

    from processing.align import stack
    from processing.calibration import read_frame
    from processing.errors import InvalidParameterError

    if not 1 <= args.reference <= len(args.files):
        raise InvalidParameterError(f"--reference must be between 1 and {len(args.files)}.")
    if os.path.exists(args.output) and not args.overwrite:
        raise SkyglassError(f"{args.output}: already exists; use --overwrite or another name.")
    if any(
        os.path.exists(f) and os.path.samefile(f, args.output)
        for f in args.files
        if os.path.exists(args.output)
    ):
        raise SkyglassError(f"{args.output}: refusing to write over an input frame.")
    frames = [read_frame(f) for f in args.files]
    result = stack(
        frames,
        method=args.method,
        align=args.align,
        reference=args.reference - 1,
        interpolation=args.interpolation,
        progress=_terminal_progress(),
    )
    result.write(args.output, overwrite=args.overwrite)
    print(file=sys.stderr)
    print(
        f"wrote {args.output}: {len(frames)} frames, {args.method}, aligned by {args.align}, "
        f"EXPTIME {result.header['EXPTIME']:g} s (total {result.header['TOTEXP']:g} s)"
    )
    return 0


def cmd_replay(args) -> int:
    import os

    from processing import recipe as recipes

    if (
        os.path.exists(args.output)
        and os.path.exists(args.input)
        and os.path.samefile(args.output, args.input)
    ):
        raise SkyglassError(f"{args.output}: refusing to write over the input image.")
    if os.path.exists(args.output) and not args.overwrite:
        raise SkyglassError(f"{args.output}: already exists; use --overwrite or another name.")
    recipe = recipes.load(args.recipe)
    frame = recipes.replay(recipe, args.input, _terminal_progress())
    recipes.save_fits(frame, args.output, overwrite=args.overwrite)
    print(file=sys.stderr)
    print(f"wrote {args.output}: {len(recipe['steps'])} steps from {args.recipe}")
    return 0


def gui_parser() -> argparse.ArgumentParser:
    """Options of the window itself (``skyglass [FILE...] [--follow DIR] [--samp]``)."""
    p = argparse.ArgumentParser(prog="skyglass", description="Open the Skyglass window.")
    p.add_argument("files", nargs="*", metavar="FILE", help="images to open as frames")
    p.add_argument(
        "--follow", metavar="DIR", help="show each new FITS file written to DIR (night log)"
    )
    p.add_argument("--samp", action="store_true", help="connect to SAMP (start a hub if none)")
    return p


def run_gui(argv: list[str]) -> int:
    """Start the window; until it exists, render the demo night's first light to a PNG."""
    try:
        args = gui_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.follow and not os.path.isdir(args.follow):
        raise SkyglassError(f"--follow {args.follow}: no such folder.")
    try:
        from app.main_window import run  # noqa: F401 - provided by the viewer issue
    except ImportError:
        return _render_demo_instead(args.files)
    code = run(args.files, follow=args.follow, samp=args.samp)
    # PySide6 can abort while the interpreter tears down Qt and pyqtgraph objects after
    # the window has closed; everything is saved by now, so skip that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _render_demo_instead(files: list[str]) -> int:
    import os

    from app.paths import cache_dir, demo_first_light, ensure_demo_night

    if files:
        raise SkyglassError("the window is not built yet; use 'skyglass render FILE -o OUT.png'.")
    print("skyglass: preparing the demo night (first run only)...", file=sys.stderr)
    folder = ensure_demo_night()
    out = os.path.join(cache_dir(), "demo-preview.png")
    args = build_parser().parse_args(
        ["render", str(demo_first_light(folder)), "-o", out, "--limits", "zscale", "--zoom", "0.5"]
    )
    cmd_render(args)
    print(
        f"skyglass: the window is not available yet; the demo night is in {folder} and a "
        f"preview was rendered to {out}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skyglass`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
            return run_gui(argv)
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # usage errors and --help: argparse already printed
            return int(exc.code or 0)
        handler = {
            "info": cmd_info,
            "render": cmd_render,
            "demo": cmd_demo,
            "calibrate": cmd_calibrate,
            "stack": cmd_stack,
            "replay": cmd_replay,
            "stars": cmd_stars,
        }[args.command]
        return handler(args)
    except SkyglassError as exc:
        print(f"skyglass: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("skyglass: error: not enough memory for this image.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skyglass: interrupted", file=sys.stderr)
        return 130
    except InterruptedError as exc:
        print(f"skyglass: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: say so in one line, never a traceback
        print(
            f"skyglass: error: internal error ({type(exc).__name__}: {exc}); please report it.",
            file=sys.stderr,
        )
        return 2
