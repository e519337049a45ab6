"""A generated corpus of odd and damaged inputs (issue 18): FITS files, recipes and region
files of every kind a probe found trouble with, written into a folder.

Each generator returns ``(name, path)`` pairs; ``sample`` picks a deterministic subset for CI.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
from astropy.io import fits

BLOCK = 2880


def _card(key: str, value: str) -> bytes:
    """One raw 80-byte card (values written as given, so illegal ones stay illegal)."""
    return f"{key:<8}= {value:>20}".ljust(80).encode("ascii", "replace")[:80]


def raw_fits(cards: list[tuple[str, str]], data: bytes = b"", extra: list[bytes] = ()) -> bytes:
    """A primary HDU assembled byte by byte, for headers astropy would refuse to write."""
    header = b"".join(_card(k, v) for k, v in cards) + b"".join(extra) + b"END".ljust(80)
    header += b" " * (-len(header) % BLOCK)
    return header + data + b"\0" * (-len(data) % BLOCK)


def _image(shape, bitpix=-32, extra=(), fill=1.0, dtype=">f4") -> bytes:
    cards = [("SIMPLE", "T"), ("BITPIX", str(bitpix)), ("NAXIS", str(len(shape)))]
    cards += [(f"NAXIS{i + 1}", str(n)) for i, n in enumerate(reversed(shape))]
    cards += list(extra)
    data = np.full(shape, fill, dtype=dtype).tobytes()
    return raw_fits(cards, data)


def _star_field(ny=64, nx=80, seed=1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:ny, :nx]
    img = rng.normal(100, 3, (ny, nx))
    for cy, cx in ((20, 30), (40, 50), (10, 70)):
        img += 500 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4.0)
    return img.astype(np.float32)


def header_files(folder: Path) -> list[tuple[str, Path]]:
    """Odd scaling, saturation, exposure, shape and value cards."""
    odd_values = {
        "bscale-text": [("BSCALE", "'two'")],
        "bzero-text": [("BZERO", "'zero'")],
        "bscale-zero": [("BSCALE", "0.0")],
        "bzero-huge": [("BZERO", "1.0E300")],
        "bscale-huge": [("BSCALE", "1.0E300")],
        "blank-text": [("BLANK", "'none'")],
        "saturate-text": [("SATURATE", "'high'")],
        "saturate-negative": [("SATURATE", "-5.0")],
        "exptime-text": [("EXPTIME", "'long'")],
        "exptime-negative": [("EXPTIME", "-30.0")],
        "gain-text": [("GAIN", "'x'")],
        "bunit-odd": [("BUNIT", "'furlong/fortnight'")],
        "date-garbage": [("DATE-OBS", "'yesterday'")],
        "imagetyp-number": [("IMAGETYP", "42")],
        "datamin-text": [("DATAMIN", "'low'")],
        "naxis1-text": [],
    }
    out = []
    for name, extra in odd_values.items():
        bitpix, dtype = (
            (16, ">i2") if name.startswith(("bscale", "bzero", "blank")) else (-32, ">f4")
        )
        path = folder / f"{name}.fits"
        if name == "naxis1-text":
            cards = [("SIMPLE", "T"), ("BITPIX", "-32"), ("NAXIS", "2"), ("NAXIS1", "'ten'")]
            path.write_bytes(raw_fits(cards + [("NAXIS2", "10")], b"\0" * 400))
        else:
            path.write_bytes(_image((40, 50), bitpix, extra, fill=7, dtype=dtype))
        out.append((name, path))
    return out


def shape_files(folder: Path) -> list[tuple[str, Path]]:
    """Tiny, thin, one-dimensional, many-dimensional and empty images."""
    shapes = {
        "1x1": (1, 1),
        "1xN": (1, 300),
        "Nx1": (300, 1),
        "2x2": (2, 2),
        "1d": (500,),
        "4d": (2, 3, 20, 30),
        "3x1x1": (3, 1, 1),
        "empty-axis": (0, 10),
    }
    out = []
    for name, shape in shapes.items():
        path = folder / f"shape-{name}.fits"
        if 0 in shape:
            cards = [("SIMPLE", "T"), ("BITPIX", "-32"), ("NAXIS", "2"), ("NAXIS1", "10")]
            path.write_bytes(raw_fits(cards + [("NAXIS2", "0")]))
        else:
            fits.PrimaryHDU(
                _star_field(*(shape + (1,))[:2])
                if len(shape) == 2 and min(shape) > 8
                else np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
            ).writeto(path)
        out.append((name, path))
    header_only = folder / "shape-header-only.fits"
    fits.PrimaryHDU().writeto(header_only)
    out.append(("header-only", header_only))
    table = folder / "shape-table-only.fits"
    fits.HDUList(
        [fits.PrimaryHDU(), fits.BinTableHDU.from_columns([fits.Column("a", "E", array=[1.0])])]
    ).writeto(table)
    out.append(("table-only", table))
    return out


def value_files(folder: Path) -> list[tuple[str, Path]]:
    """Extreme, non-finite and constant pixel values."""
    values = {
        "int64-extremes": np.array([[np.iinfo(np.int64).min, np.iinfo(np.int64).max]] * 20),
        "float32-extremes": np.array([[-3e38, 3e38, 0.0]] * 20, np.float32),
        "float64-huge": np.array([[-1e300, 1e300, 1.0]] * 20),
        "all-nan": np.full((30, 40), np.nan, np.float32),
        "all-inf": np.full((30, 40), np.inf, np.float32),
        "nan-and-inf": np.array([[np.nan, np.inf, -np.inf, 1.0]] * 20, np.float32),
        "constant": np.full((30, 40), 5.0, np.float32),
        "zeros-int16": np.zeros((30, 40), np.int16),
        "uint8": np.arange(1200, dtype=np.uint8).reshape(30, 40),
        "denormal": np.full((30, 40), 1e-40, np.float32),
        "one-hot": np.pad(np.ones((1, 1), np.float32), ((15, 14), (20, 19))),
        "stars-saturated": np.minimum(_star_field() * 10, 3000).astype(np.float32),
    }
    out = []
    for name, data in values.items():
        path = folder / f"value-{name}.fits"
        fits.PrimaryHDU(data).writeto(path)
        out.append((name, path))
    return out


def _wcs_header(**changes) -> fits.Header:
    h = fits.Header()
    h.update(
        CTYPE1="RA---TAN",
        CTYPE2="DEC--TAN",
        CRPIX1=40,
        CRPIX2=32,
        CRVAL1=150.0,
        CRVAL2=2.0,
        CD1_1=-1e-4,
        CD1_2=0.0,
        CD2_1=0.0,
        CD2_2=1e-4,
    )
    for key, value in changes.items():
        h[key.replace("__", "-")] = value
    return h


def wcs_files(folder: Path) -> list[tuple[str, Path]]:
    """Broken and unusual world coordinates on a small star field."""
    cases = {
        "cd-zero": {"CD1_1": 0.0, "CD2_2": 0.0},
        "cd-singular": {"CD1_1": 1e-4, "CD1_2": 1e-4, "CD2_1": 1e-4, "CD2_2": 1e-4},
        "unknown-projection": {"CTYPE1": "RA---XXX", "CTYPE2": "DEC--XXX"},
        "dec-beyond-pole": {"CRVAL2": 95.0},
        "cunit-odd": {"CUNIT1": "furlong", "CUNIT2": "furlong"},
        "sip-broken": {"CTYPE1": "RA---TAN-SIP", "CTYPE2": "DEC--TAN-SIP", "A_ORDER": 2},
        "tab": {"CTYPE1": "RA---TAB", "CTYPE2": "DEC--TAB"},
        "crval-nan": {"CRVAL1": "nan"},
        "mismatched-axes": {"CTYPE1": "DEC--TAN", "CTYPE2": "DEC--TAN"},
        "linear-only": {"CTYPE1": "LINEAR", "CTYPE2": "LINEAR"},
        "galactic": {"CTYPE1": "GLON-CAR", "CTYPE2": "GLAT-CAR"},
    }
    out = []
    for name, changes in cases.items():
        path = folder / f"wcs-{name}.fits"
        header = _wcs_header(**{k: v for k, v in changes.items() if v != "nan"})
        hdu = fits.PrimaryHDU(_star_field(), header)
        hdu.writeto(path)
        if "nan" in changes.values():  # astropy refuses to write NaN values: patch bytes
            raw = path.read_bytes().replace(_card("CRVAL1", "150.0"), _card("CRVAL1", "NAN"))
            path.write_bytes(raw)
        out.append((name, path))
    return out


def damaged_files(folder: Path, seed: int = 7) -> list[tuple[str, Path]]:
    """Truncated, garbage, corrupt-header and oddly-suffixed files."""
    rng = random.Random(seed)
    good = fits.HDUList([fits.PrimaryHDU(_star_field())])
    good_path = folder / "damaged-good.fits"
    good.writeto(good_path)
    raw = good_path.read_bytes()
    cases = {
        "truncated-header": raw[:1000],
        "truncated-data": raw[: BLOCK + 3000],
        "garbage": bytes(rng.randrange(256) for _ in range(6000)),
        "zero-bytes-tail": raw[:BLOCK] + b"\0" * (len(raw) - BLOCK),
        "no-end": raw[:BLOCK].replace(b"END" + b" " * 77, b" " * 80) + raw[BLOCK:],
        "tab-in-string": raw.replace(b"BITPIX  =", b"BITPIX  =", 1).replace(
            b"EXTEND  =", b"OBJECT  = 'a\tb'              / \nEXTEND  ="[:80], 1
        ),
        "text-file": b"this is not a FITS file\n" * 100,
        "png-named-fits": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
    }
    out = [("good", good_path)]
    for name, data in cases.items():
        path = folder / f"damaged-{name}.fits"
        path.write_bytes(data)
        out.append((name, path))
    flipped = bytearray(raw)
    for _ in range(40):
        flipped[rng.randrange(BLOCK)] = rng.randrange(32, 127)
    path = folder / "damaged-header-noise.fits"
    path.write_bytes(bytes(flipped))
    out.append(("header-noise", path))
    return out


def bomb_file(folder: Path, side: int = 6000) -> tuple[str, Path]:
    """A small .fits.gz announcing a big float64 image (zeros compress ~1000:1)."""
    path = folder / f"bomb-{side}.fits.gz"
    header = raw_fits(
        [
            ("SIMPLE", "T"),
            ("BITPIX", "-64"),
            ("NAXIS", "2"),
            ("NAXIS1", str(side)),
            ("NAXIS2", str(side)),
        ]
    )
    row = b"\0" * (side * 8)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(header)
        for _ in range(side):
            fh.write(row)
        fh.write(b"\0" * (-(side * side * 8) % BLOCK))
    return ("bomb", path)


def recipes(folder: Path) -> list[tuple[str, Path]]:
    """Malformed recipes: wrong types, missing steps, huge and infinite numbers, nesting."""
    head = {"format": "skyglass-recipe", "version": 2}
    good = {"op": "flip_x", "params": {}}

    def steps(*items):
        return {**head, "steps": list(items)}

    nested: dict = {}
    for _ in range(5000):
        nested = {**head, "steps": [nested]}
    cases = {
        "not-json": "{steps: [",
        "list": [good],
        "no-format": {"steps": [good]},
        "no-steps": dict(head),
        "steps-string": {**head, "steps": "flip_x"},
        "steps-map": {**head, "steps": {"op": "flip_x"}},
        "step-number": steps(5),
        "step-no-op": steps({"params": {}}),
        "op-number": steps({"op": 7}),
        "unknown-op": steps({"op": "explode", "params": {}}),
        "params-list": steps({"op": "rotate", "params": ["x"]}),
        "params-string": steps({"op": "rotate", "params": "angle=5"}),
        "inf-angle": steps({"op": "rotate", "params": {"angle": "inf"}}),
        "nan-angle": steps({"op": "rotate", "params": {"angle": "NaN"}}),
        "huge-angle": steps({"op": "rotate", "params": {"angle": 1e308}}),
        "huge-rescale": steps({"op": "rescale", "params": {"factor": 1e9}}),
        "rescale-twice": steps(*[{"op": "rescale", "params": {"factor": 16}}] * 2),
        "tiny-rescale": steps({"op": "rescale", "params": {"factor": 1e-9}}),
        "negative-resize": steps({"op": "resize", "params": {"width": -5, "height": 10}}),
        "huge-resize": steps({"op": "resize", "params": {"width": 20000, "height": 20000}}),
        "huge-filter": steps({"op": "filter", "params": {"kind": "median", "size": 10**9}}),
        "huge-blur": steps({"op": "blur", "params": {"kind": "gaussian", "sigma": 1e12}}),
        "huge-clahe": steps({"op": "clahe", "params": {"kernel_size": 10**9}}),
        "huge-bins": steps({"op": "equalize", "params": {"bins": 10**12}}),
        "bool-as-text": steps({"op": "rotate", "params": {"angle": 5, "expand": "maybe"}}),
        "matrix-ragged": steps({"op": "kernel", "params": {"matrix": [[1, 2], [3]]}}),
        "crop-outside": steps({"op": "crop", "params": {"box": [1e6, 1e6, 10, 10]}}),
        "crop-text": steps({"op": "crop", "params": {"box": "all"}}),
        "arithmetic-missing-file": steps(
            {"op": "arithmetic", "params": {"operator": "add", "other": "/no/such.fits"}}
        ),
        "hdu-text": {**head, "hdu": "nope", "steps": [good]},
        "plane-huge": {**head, "plane": 10**9, "steps": [good]},
        "plane-list": {**head, "plane": [1], "steps": [good]},
        "version-text": {**head, "version": "two", "steps": [good]},
        "future-version": {**head, "version": 99, "steps": [good]},
        "deep-nesting": nested,
        "null": None,
        "many-steps": steps(*[good] * 2000),
    }
    out = []
    for name, recipe in cases.items():
        path = folder / f"recipe-{name}.json"
        if isinstance(recipe, str):
            path.write_text(recipe)
        else:
            path.write_text(_dump_deep(recipe))
        out.append((name, path))
    return out


def _dump_deep(obj) -> str:
    """json.dumps without Python's recursion limit (for the deep-nesting recipe)."""
    try:
        return json.dumps(obj)
    except RecursionError:
        depth = 0
        while isinstance(obj, dict) and obj.get("steps"):
            obj = obj["steps"][0]
            depth += 1
        opening = '{"format": "skyglass-recipe", "version": 2, "steps": ['
        return opening * depth + "{}" + "]}" * depth


def region_files(folder: Path) -> list[tuple[str, Path]]:
    """Region files with huge radii, long comments, garbage and odd shapes."""
    cases = {
        "huge-radius": "image\ncircle(30,30,1e9)\n",
        "huge-box": "image\nbox(30,30,1e9,1e9,0)\n",
        "long-comment": "# " + "x" * 100_000 + "\nimage\ncircle(10,10,3)\n",
        "long-line": "image\ncircle(10,10," + "9" * 50_000 + ")\n",
        "garbage": "\x00\x01\x02 not a region \xff\n" * 50,
        "nan-centre": "image\ncircle(nan,nan,3)\n",
        "negative-radius": "image\ncircle(10,10,-3)\n",
        "many-points": "image\npolygon(" + ",".join(["1,1"] * 20_000) + ")\n",
        "many-regions": "image\n" + "circle(10,10,2)\n" * 20_000,
        "empty": "",
    }
    out = []
    for name, text in cases.items():
        path = folder / f"region-{name}.reg"
        path.write_text(text, encoding="utf-8", errors="replace")
        out.append((name, path))
    return out


def fits_corpus(folder: Path) -> list[tuple[str, Path]]:
    """Every odd FITS file above (the bomb excluded: it is slow to write)."""
    folder.mkdir(parents=True, exist_ok=True)
    return (
        header_files(folder)
        + shape_files(folder)
        + value_files(folder)
        + wcs_files(folder)
        + damaged_files(folder)
    )


def mutated_corpus(folder: Path, count: int, seed: int = 11) -> list[tuple[str, Path]]:
    """``count`` files made by changing one card of a good star field to an odd value."""
    rng = random.Random(seed)
    keys = [
        "BITPIX",
        "NAXIS",
        "NAXIS1",
        "NAXIS2",
        "BSCALE",
        "BZERO",
        "BLANK",
        "SATURATE",
        "EXPTIME",
        "CRPIX1",
        "CD1_1",
        "CTYPE1",
        "CRVAL2",
        "GAIN",
        "EXTEND",
    ]
    values = [
        "'x'",
        "0",
        "-1",
        "1E300",
        "-1E300",
        "T",
        "F",
        "99999999",
        "8",
        "-64",
        "3",
        "'RA---ZZZ'",
        "''",
        "1.5",
        "NAN",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    base = fits.PrimaryHDU(_star_field(), _wcs_header())
    base.header["SATURATE"] = 60000.0
    base.header["EXPTIME"] = 30.0
    raw_base = fits.HDUList([base])
    path0 = folder / "mutate-base.fits"
    raw_base.writeto(path0, overwrite=True)
    raw = path0.read_bytes()
    end = next(j for j in range(0, len(raw), 80) if raw[j : j + 8] == b"END     ")
    head = end // BLOCK * BLOCK + BLOCK
    out = []
    for i in range(count):
        key, value = rng.choice(keys), rng.choice(values)
        cards = [raw[j : j + 80] for j in range(0, head, 80)]
        for j, card in enumerate(cards):
            if card[:8].decode("ascii", "replace").strip() == key:
                cards[j] = _card(key, value)
                break
        else:
            cards.insert(5, _card(key, value))
            cards = cards[: head // 80]
        path = folder / f"mutate-{i:03d}-{key}-{value.strip(chr(39))[:6]}.fits"
        path.write_bytes(b"".join(cards) + raw[head:])
        out.append((f"mutate-{key}={value}", path))
    return out
