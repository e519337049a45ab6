"""Combining frames: known answers, NaN, chunking, errors, and ccdproc as the reference."""

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.stats import sigma_clip

import skyglass.processing.calibration.combine as combine_module
from skyglass.processing.calibration.combine import CombineOptions, combine
from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.io.reader import open_image
from skyglass.processing.progress import Cancelled


@pytest.fixture
def frames():
    rng = np.random.default_rng(11)
    out = [rng.normal(100.0, 5.0, (60, 70)).astype(np.float32) for _ in range(9)]
    out[2][5, 5] = np.nan
    out[3][10, 10] = 1e5  # a cosmic ray
    out[4][10, 10] = -500.0
    out[5][20, :] = np.nan  # a whole row missing in one frame
    return out


def test_median_mean_sum_known_answers(frames):
    stack = np.stack(frames)
    np.testing.assert_array_equal(combine(frames, "median"), np.nanmedian(stack, axis=0))
    np.testing.assert_allclose(combine(frames, "mean"), np.nanmean(stack, axis=0), rtol=1e-6)
    total = combine(frames, "sum")
    full = np.isfinite(stack).all(axis=0)
    np.testing.assert_allclose(total[full], stack.sum(axis=0)[full], rtol=1e-6)
    # A pixel missing in one frame is scaled up to all frames, not summed short.
    np.testing.assert_allclose(total[5, 5], np.nansum(stack[:, 5, 5]) * 9 / 8, rtol=1e-6)


def test_tiny_exact_case():
    a = np.array([[1, 2]], np.float32)
    b = np.array([[3, np.nan]], np.float32)
    c = np.array([[10, 6]], np.float32)
    assert combine([a, b, c], "median").tolist() == [[3.0, 4.0]]
    assert combine([a, b, c], "mean").tolist() == [[pytest.approx(14 / 3), 4.0]]
    all_nan = np.full((1, 2), np.nan, np.float32)
    assert np.isnan(combine([all_nan, all_nan], "median")).all()


@pytest.mark.parametrize("center", ["median", "mean"])
@pytest.mark.parametrize("iterations", [1, 5])
def test_sigma_clip_matches_astropy(frames, center, iterations):
    stack = np.stack(frames)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = (
            sigma_clip(stack, sigma=3, maxiters=iterations, axis=0, cenfunc=center, stdfunc="std")
            .mean(axis=0)
            .filled(np.nan)
        )
    out = combine(
        frames, options=CombineOptions("sigma-clip", center=center, iterations=iterations)
    )
    np.testing.assert_allclose(out, ref, rtol=2e-6)
    if (center, iterations) == ("median", 5):
        assert abs(out[10, 10] - 100) < 10  # both outliers are gone


def test_minmax_rejection(frames):
    stack = np.sort(np.stack(frames), axis=0)
    out = combine(frames, options=CombineOptions("minmax", nlow=1, nhigh=2))
    full = np.isfinite(stack).all(axis=0)
    np.testing.assert_allclose(out[full], stack[1:-2].mean(axis=0)[full], rtol=1e-6)
    # With a NaN, the n lowest and highest of the finite values are dropped.
    finite = np.sort(np.stack(frames)[:, 5, 5])[:8]
    assert out[5, 5] == pytest.approx(finite[1:-2].mean(), rel=1e-6)


def test_scale_to_common_median():
    base = np.random.default_rng(1).normal(1.0, 0.01, (40, 40)).astype(np.float32)
    frames = [base * 1000, base * 3000, base * 2000]
    out = combine(frames, options=CombineOptions("median", scale="median"))
    np.testing.assert_allclose(out, base * 2000, rtol=1e-3)


def test_chunked_equals_whole(frames, monkeypatch):
    whole = combine(frames, options=CombineOptions("sigma-clip"))
    monkeypatch.setattr(combine_module, "CHUNK_BYTES", 9 * 70 * 4 * 3)  # 3 rows a chunk
    np.testing.assert_array_equal(combine(frames, options=CombineOptions("sigma-clip")), whole)
    np.testing.assert_array_equal(
        combine(frames, "median", threads=1), np.nanmedian(np.stack(frames), axis=0)
    )


def test_frames_streamed_from_files(tmp_path, frames):
    paths = []
    for i, f in enumerate(frames):
        p = tmp_path / f"f{i}.fits"
        fits.PrimaryHDU(f).writeto(p)
        paths.append(p)
    rows = [open_image(p).plane_rows() for p in paths]
    assert type(rows[0]).__name__ == "FileRows"
    np.testing.assert_array_equal(combine(rows, "median"), combine(frames, "median"))


def test_strided_rows_read_alone(tmp_path):
    """A grid sample of a file (a stack's sky levels) reads only the rows it takes, with
    BZERO applied: the same values as the whole image sampled."""
    data = np.arange(37 * 23, dtype=np.int32).reshape(37, 23) % 60000 - 30000
    path = tmp_path / "u16.fits"
    fits.PrimaryHDU((data + 30000).astype(np.uint16)).writeto(path)  # int16 + BZERO 32768
    rows = open_image(path).plane_rows()
    whole = fits.getdata(path).astype(np.float32)
    for key in ((slice(None, None, 3), slice(None, None, 2)), (slice(2, 30, 5), slice(None))):
        np.testing.assert_array_equal(rows[key], whole[key])


def test_errors_name_the_files():
    with pytest.raises(InvalidParameterError, match="empty"):
        combine([], "median")
    a, b = np.zeros((4, 5), np.float32), np.zeros((4, 6), np.float32)
    with pytest.raises(SkyglassError, match=r"b.fits \(6 x 4\)"):
        combine([a, b], "median", names=["a.fits", "b.fits"])
    with pytest.raises(InvalidParameterError, match="unknown combine method"):
        combine([a, a], "mode")
    with pytest.raises(SkyglassError, match="median is 0"):
        combine([a, a], options=CombineOptions("median", scale="median"))


def test_cancel_stops_and_raises(frames):
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        return fraction > 0

    with pytest.raises(Cancelled):
        combine(frames, "median", progress=progress)


@pytest.mark.parametrize(
    "method, kwargs",
    [
        ("median", {}),
        ("average", {}),
        ("sum", {}),
        ("average", {"sigma_clip": True, "sigma_clip_low_thresh": 3, "sigma_clip_high_thresh": 3}),
    ],
)
def test_agrees_with_ccdproc(method, kwargs):
    ccdproc = pytest.importorskip("ccdproc")
    from astropy.nddata import CCDData

    rng = np.random.default_rng(5)
    frames = [rng.normal(1000.0, 20.0, (50, 40)).astype(np.float32) for _ in range(7)]
    frames[1][3, 3] = 60000.0
    ccds = [CCDData(f, unit="adu") for f in frames]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ccdproc.combine(ccds, method=method, **kwargs).data
    if kwargs.get("sigma_clip"):
        opts = CombineOptions("sigma-clip", center="mean", iterations=1)
    else:
        opts = CombineOptions({"average": "mean"}.get(method, method))
    out = combine(frames, options=opts)
    # Within float32 rounding of the values (ccdproc computes in float64).
    np.testing.assert_allclose(out, ref, rtol=2e-7 * 8, atol=0)
