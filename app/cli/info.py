"""``skyglass info FILE``: describe a file, its HDUs and the chosen image."""

from __future__ import annotations

import argparse
import json
import math

from skyglass.cli.options import add_image_options, load_image
from skyglass.cli.table import Command, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_image_options(parser)
    parser.add_argument("--at", metavar="X,Y", help="FITS pixel (1-based) to report the value of")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--mask",
        metavar="MASK.fits",
        help="statistics of the pixels this mask leaves (nonzero = masked; a MASK extension "
        "or the first image)",
    )
    parser.add_argument(
        "--region",
        metavar="R.reg",
        help="statistics of the pixels inside these DS9 regions (with --mask: and unmasked)",
    )


def run(args: argparse.Namespace) -> int:
    from skyglass.processing.coords import parse_xy
    from skyglass.processing.display.limits import compute_limits, parse_limits
    from skyglass.processing.errors import InvalidParameterError
    from skyglass.processing.measure.stats import image_stats, pixel_value, sky_position

    spec = parse_limits(args.limits or "zscale")
    image = load_image(args)
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

    if args.mask or args.region:
        result["selected"] = _selected_stats(args, image)
    if args.json:
        print(json.dumps(result, allow_nan=False, default=float))
    else:
        _print_text(image, result, stats, spec, low, high, center)
    return 0


def _selected_stats(args, image) -> dict:
    """Statistics under --mask and inside --region (the seed's masked arrays)."""
    import numpy as np

    from skyglass.processing.errors import InvalidParameterError
    from skyglass.processing.measure.stats import masked_stats

    mask = np.zeros(image.shape, bool)
    if args.mask:
        from astropy.io import fits

        try:
            with fits.open(args.mask) as hdul:
                names = [h.name for h in hdul]
                hdu = (
                    hdul["MASK"]
                    if "MASK" in names
                    else next(h for h in hdul if h.data is not None and h.is_image)
                )
                mask |= np.asarray(hdu.data) != 0
        except (OSError, StopIteration) as exc:
            raise InvalidParameterError(f"--mask {args.mask}: no mask image ({exc}).") from None
        except ValueError as exc:
            raise InvalidParameterError(f"--mask {args.mask}: {exc}") from None
    if args.region:
        from skyglass.processing.measure.masks import from_regions
        from skyglass.processing.measure.regionstats import read_regions

        regions = read_regions(args.region, image.wcs, image.shape)
        mask |= from_regions(image.shape, include=regions)
    return masked_stats(image.data, mask)


def _print_text(image, result, stats, spec, low, high, center) -> None:
    from skyglass.processing.measure.stats import format_sexagesimal

    ny, nx = image.shape
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
    if "selected" in result:
        sel = result["selected"]
        print(
            f"  selected ({sel['count']} pixels, {sel['masked']} masked): "
            f"min {f(sel['min'])}  max {f(sel['max'])}  mean {f(sel['mean'])}  "
            f"median {f(sel['median'])}  std {f(sel['std'])}{unit}"
        )
    if "at" in result:
        at = result["at"]
        value = "NaN" if at["value"] is None else f"{at['value']:.6g}{unit}"
        line = f"  at ({at['x']:g}, {at['y']:g}): {value}"
        if "ra" in at:
            ra_s, dec_s = format_sexagesimal(at["ra"], at["dec"])
            line += f"  RA {ra_s}  Dec {dec_s}  ({at['ra']:.6f}, {at['dec']:.6f} deg)"
        print(line)


register(Command("info", "describe a file and its image", add_arguments, run, quick_exit=True))
