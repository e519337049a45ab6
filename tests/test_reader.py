"""Reading FITS and raster images: scaling, HDUs, cubes, compression, bad input."""

import gzip
import shutil

import imageio.v3 as iio
import numpy as np
import pytest
from astropy.io import fits

from skyglass.processing.errors import ImageReadError
from skyglass.processing.io.reader import list_hdus, open_image


def test_unsigned16_with_bzero_reads_exact_values(tmp_path):
    data = np.array([[0, 1, 32767], [32768, 40000, 65535]], dtype=np.uint16)
    path = tmp_path / "u16.fits"
    fits.PrimaryHDU(data).writeto(path)
    # astropy stores uint16 as int16 with BZERO = 32768, as cameras do.
    assert fits.getheader(path)["BZERO"] == 32768
    image = open_image(path)
    np.testing.assert_array_equal(image.data[:, :], data.astype(np.float32))
    assert image.hdus[0].dtype == "uint16"


def test_bscale_bzero_and_blank(write_fits):
    raw = np.array([[1, 2, -999], [4, 5, 6]], dtype=np.int16)
    path = write_fits(raw, BSCALE=2.0, BZERO=10.0, BLANK=-999)
    values = open_image(path).data[:, :]
    expected = np.array([[12, 14, np.nan], [18, 20, 22]], dtype=np.float32)
    np.testing.assert_array_equal(values, expected)  # NaN compares equal here
    # Same answer as astropy's own scaling.
    with fits.open(path) as hdul:
        np.testing.assert_array_equal(values, hdul[0].data.astype(np.float32))


def test_raw_integer_data_is_not_modified(write_fits):
    raw = np.array([[1, -999]], dtype=np.int16)
    path = write_fits(raw, BLANK=-999)
    image = open_image(path)
    _ = image.data[:, :]
    assert image.cube.raw.dtype.kind == "i"
    assert image.cube.raw[0, 0, 1] == -999


def test_large_file_is_memory_mapped_not_read(write_fits):
    path = write_fits(np.zeros((512, 512), dtype=np.float32))
    image = open_image(path)
    assert image.cube.is_memory_mapped
    # Reading pixels gives a float32 copy: editing it cannot touch the mapped file.
    crop = image.data[:2, :2]
    crop += 5
    assert image.data[0, 0] == 0.0


def test_fits_orientation_first_row_is_y1(write_fits):
    data = np.zeros((4, 5), dtype=np.float32)
    data[0, 0] = 1.0  # FITS pixel (1, 1)
    data[3, 4] = 2.0  # FITS pixel (5, 4)
    image = open_image(write_fits(data))
    from skyglass.processing.measure.stats import pixel_value

    assert pixel_value(image.data, 1, 1) == 1.0
    assert pixel_value(image.data, 5, 4) == 2.0


def test_gzip_fits(tmp_path):
    data = np.arange(30, dtype=np.float32).reshape(5, 6)
    plain = tmp_path / "a.fits"
    fits.PrimaryHDU(data).writeto(plain)
    gz = tmp_path / "a.fits.gz"
    with open(plain, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    np.testing.assert_array_equal(open_image(gz).data[:, :], data)


@pytest.mark.parametrize("kind", ["RICE_1", "GZIP_1", "HCOMPRESS_1", "PLIO_1"])
def test_tile_compressed(tmp_path, kind):
    rng = np.random.default_rng(0)
    if kind == "PLIO_1":
        data = rng.integers(0, 1000, (64, 80)).astype(np.int32)
    else:
        data = rng.integers(0, 60000, (64, 80)).astype(np.uint16)
    path = tmp_path / f"c_{kind}.fits.fz"
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, compression_type=kind)]).writeto(path)
    image = open_image(path)
    assert image.hdu_index == 1  # the empty primary is skipped, as DS9 does
    np.testing.assert_array_equal(image.data[:, :], data.astype(np.float32))


def test_multi_extension_listing_and_choice(tmp_path):
    table = fits.BinTableHDU.from_columns([fits.Column(name="x", format="E", array=np.arange(7))])
    table.name = "CATALOG"
    sci = fits.ImageHDU(np.ones((3, 4), np.float32), name="SCI")
    err = fits.ImageHDU(np.full((3, 4), 2, np.int16), name="ERR")
    path = tmp_path / "mef.fits"
    fits.HDUList([fits.PrimaryHDU(), table, sci, err]).writeto(path)
    hdus = list_hdus(path)
    assert [(h.index, h.name, h.kind) for h in hdus] == [
        (0, "PRIMARY", "empty"),
        (1, "CATALOG", "table"),
        (2, "SCI", "image"),
        (3, "ERR", "image"),
    ]
    assert hdus[1].shape == (7,)
    assert hdus[3].shape == (3, 4) and hdus[3].dtype == "int16"
    assert open_image(path).hdu_index == 2
    assert open_image(path, hdu="err").data[0, 0] == 2.0
    assert open_image(path, hdu=3).hdu_index == 3
    with pytest.raises(ImageReadError, match="table"):
        open_image(path, hdu=1)
    with pytest.raises(ImageReadError, match="no HDU named"):
        open_image(path, hdu="NOPE")
    with pytest.raises(ImageReadError, match="does not exist"):
        open_image(path, hdu=9)


def test_cube_and_4d_planes(write_fits):
    cube = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    image = open_image(write_fits(cube), plane=4)
    assert image.nplanes == 6 and image.shape == (4, 5)
    np.testing.assert_array_equal(image.data[:, :], cube.reshape(6, 4, 5)[4])
    image.set_plane(0)
    np.testing.assert_array_equal(image.data[:, :], cube[0, 0])
    with pytest.raises(ImageReadError, match="plane 7 does not exist"):
        image.set_plane(6)


def test_celestial_wcs_is_available(write_fits):
    path = write_fits(
        np.zeros((10, 10), np.float32),
        CTYPE1="RA---TAN",
        CTYPE2="DEC--TAN",
        CRVAL1=10.0,
        CRVAL2=20.0,
        CRPIX1=5.0,
        CRPIX2=5.0,
        CDELT1=-0.001,
        CDELT2=0.001,
    )
    image = open_image(path)
    assert image.wcs is not None
    ra, dec = image.wcs.all_pix2world([[5, 5]], 1)[0]
    assert ra == pytest.approx(10.0) and dec == pytest.approx(20.0)


def test_colour_png_becomes_rgb_planes_upright(tmp_path):
    pixels = np.zeros((6, 8, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)  # top-left of the picture is red
    pixels[5, 7] = (0, 0, 200)  # bottom-right is blue
    path = tmp_path / "c.png"
    iio.imwrite(path, pixels)
    image = open_image(path)
    assert image.is_rgb and image.nplanes == 3 and image.shape == (6, 8)
    red, blue = image.cube.plane(0)[:, :], image.cube.plane(2)[:, :]
    # FITS orientation: the picture's top row is the last image row (y = 6).
    assert red[5, 0] == 255 and blue[0, 7] == 200


def test_grey_jpeg_and_16bit_tiff(tmp_path):
    grey = (np.arange(64 * 48) % 256).astype(np.uint8).reshape(48, 64)
    iio.imwrite(tmp_path / "g.jpg", grey)
    jpeg = open_image(tmp_path / "g.jpg")
    assert not jpeg.is_rgb and jpeg.shape == (48, 64)
    deep = np.arange(20 * 30, dtype=np.uint16).reshape(20, 30) * 100
    iio.imwrite(tmp_path / "d.tif", deep)
    tiff = open_image(tmp_path / "d.tif")
    np.testing.assert_array_equal(tiff.data[:, :], deep[::-1].astype(np.float32))


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty"),
        (b"hello, I am not an image" * 200, "not a FITS file"),
        (b"SIMPLE  =                    T" + b" " * 500, "truncated or corrupt"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, content, match):
    path = tmp_path / "bad.fits"
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=match) as info:
        open_image(path)
    assert "bad.fits" in str(info.value)


def test_truncated_data_is_reported(tmp_path, write_fits):
    path = write_fits(np.zeros((100, 100), np.float32))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ImageReadError, match="truncated"):
        open_image(path)


def test_missing_final_padding_is_not_truncation(tmp_path, write_fits):
    data = np.arange(100, dtype=np.float32).reshape(10, 10)
    path = write_fits(data)
    raw = path.read_bytes()
    header_end = len(raw) - 2880  # one header block, one data block
    path.write_bytes(raw[: header_end + data.nbytes])  # data complete, padding gone
    np.testing.assert_array_equal(open_image(path).data[:, :], data)


def test_missing_folder_and_no_image(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        open_image(tmp_path / "missing.fits")
    with pytest.raises(ImageReadError, match="folder"):
        open_image(tmp_path)
    path = tmp_path / "table.fits"
    table = fits.BinTableHDU.from_columns([fits.Column(name="x", format="E", array=[1.0])])
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(path)
    with pytest.raises(ImageReadError, match="no image"):
        open_image(path)


def test_broken_raster(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage")
    with pytest.raises(ImageReadError, match="broken.png"):
        open_image(path)


@pytest.mark.parametrize(
    "cards",
    [
        {"CD1_1": 0.0, "CD1_2": 0.0, "CD2_1": 0.0, "CD2_2": 0.0},  # all zero
        {"CD1_1": 1e-4, "CD1_2": 1e-4, "CD2_1": 1e-4, "CD2_2": 1e-4},  # rank 1
        {"CD1_1": -1e-4, "CD1_2": 0.0, "CD2_1": 0.0, "CD2_2": 1e-4, "CRVAL2": 95.0},  # Dec > 90
    ],
)
def test_a_broken_wcs_is_no_wcs_and_stars_still_run(tmp_path, cards, skyglass_cli):
    """A singular CD matrix or Dec > 90 made `stars` fail with an internal error."""
    from astropy.io import fits

    rng = np.random.default_rng(0)
    data = rng.normal(100, 5, (64, 64)).astype(np.float32)
    data[30:33, 30:33] += 500
    header = fits.Header(
        {
            "CTYPE1": "RA---TAN",
            "CTYPE2": "DEC--TAN",
            "CRPIX1": 32.0,
            "CRPIX2": 32.0,
            "CRVAL1": 150.0,
            "CRVAL2": 2.0,
        }
    )
    header.update(cards)
    path = tmp_path / "broken_wcs.fits"
    fits.PrimaryHDU(data, header).writeto(path)
    from skyglass.processing.io.reader import open_image

    image = open_image(str(path))
    assert image.wcs is None
    image.close()
    run = skyglass_cli("stars", path)
    assert run.returncode == 0, run.stderr
    assert "internal error" not in run.stderr
