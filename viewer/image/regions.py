"""Regions on the canvas: an overlay that draws the frame's regions (astropy ``regions``,
the model's data) as editable pyqtgraph items, and reports the user's drags back."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore

from skyglass.processing.errors import SkyglassError

KINDS = ("circle", "ellipse", "box", "polygon", "line", "point", "text")
PEN = pg.mkPen((0, 200, 255), width=2)


def region_kind(region) -> str:
    """The tool name of an astropy pixel region (circle, box, text...)."""
    from regions import (
        CirclePixelRegion,
        EllipsePixelRegion,
        LinePixelRegion,
        PolygonPixelRegion,
        RectanglePixelRegion,
        TextPixelRegion,
    )

    for cls, kind in (
        (CirclePixelRegion, "circle"),
        (EllipsePixelRegion, "ellipse"),
        (RectanglePixelRegion, "box"),
        (PolygonPixelRegion, "polygon"),
        (LinePixelRegion, "line"),
        (TextPixelRegion, "text"),  # before points: a subclass of PointPixelRegion
    ):
        if isinstance(region, cls):
            return kind
    return "point"


def region_label(region) -> str:
    """One line for the regions list: kind and where (FITS pixels)."""
    kind = region_kind(region)
    c = getattr(region, "center", None)
    if c is not None:
        where = f"({c.x + 1:.1f}, {c.y + 1:.1f})"
    elif hasattr(region, "vertices"):
        where = f"{len(region.vertices)} vertices"
    else:
        s, e = region.start, region.end
        where = f"({s.x + 1:.1f}, {s.y + 1:.1f})-({e.x + 1:.1f}, {e.y + 1:.1f})"
    text = getattr(region, "text", "") if kind == "text" else ""
    return f"{kind} {where}" + (f" '{text}'" if text else "")


class RegionItem:
    """One region on the canvas: a pyqtgraph item and its kind."""

    def __init__(self, kind: str, item, text: str = "") -> None:
        self.kind, self.item, self.text = kind, item, text

    # Scene coordinates put pixel centres at integer + 0.5; regions use 0-based centres.
    def to_region(self):
        import astropy.units as u
        from regions import (
            CirclePixelRegion,
            EllipsePixelRegion,
            LinePixelRegion,
            PixCoord,
            PointPixelRegion,
            PolygonPixelRegion,
            RectanglePixelRegion,
            TextPixelRegion,
        )

        it = self.item
        if self.kind == "circle":
            pos, size = it.pos(), it.size()
            return CirclePixelRegion(
                PixCoord(pos.x() + size.x() / 2 - 0.5, pos.y() + size.y() / 2 - 0.5), size.x() / 2
            )
        if self.kind in ("ellipse", "box"):
            size = it.size()
            c = it.mapToParent(QtCore.QPointF(size.x() / 2, size.y() / 2))
            cls = EllipsePixelRegion if self.kind == "ellipse" else RectanglePixelRegion
            return cls(
                PixCoord(c.x() - 0.5, c.y() - 0.5), size.x(), size.y(), angle=it.angle() * u.deg
            )
        if self.kind == "polygon":
            pts = [it.mapToParent(h["item"].pos()) for h in it.handles]
            return PolygonPixelRegion(
                PixCoord([p.x() - 0.5 for p in pts], [p.y() - 0.5 for p in pts])
            )
        if self.kind == "line":
            a, b = (it.mapToParent(h["item"].pos()) for h in it.handles[:2])
            return LinePixelRegion(
                PixCoord(a.x() - 0.5, a.y() - 0.5), PixCoord(b.x() - 0.5, b.y() - 0.5)
            )
        if self.kind == "point":
            p = it.pos()
            return PointPixelRegion(PixCoord(p.x() - 0.5, p.y() - 0.5))
        p = it.pos()
        return TextPixelRegion(PixCoord(p.x() - 0.5, p.y() - 0.5), text=self.text)

    @property
    def label(self) -> str:
        return region_label(self.to_region())


def make_item(region) -> RegionItem:
    """A canvas item for a (0-based) PixelRegion."""
    from regions import (
        CirclePixelRegion,
        EllipsePixelRegion,
        LinePixelRegion,
        PointPixelRegion,
        PolygonPixelRegion,
        RectanglePixelRegion,
        TextPixelRegion,
    )

    def sc(x, y):
        return (float(x) + 0.5, float(y) + 0.5)

    if isinstance(region, CirclePixelRegion):
        cx, cy = sc(region.center.x, region.center.y)
        r = float(region.radius)
        return RegionItem("circle", pg.CircleROI([cx - r, cy - r], [2 * r, 2 * r], pen=PEN))
    if isinstance(region, (EllipsePixelRegion, RectanglePixelRegion)):
        cx, cy = sc(region.center.x, region.center.y)
        w, h = float(region.width), float(region.height)
        kind = "ellipse" if isinstance(region, EllipsePixelRegion) else "box"
        item = (pg.EllipseROI if kind == "ellipse" else pg.RectROI)([0, 0], [w, h], pen=PEN)
        if kind == "box":
            item.addRotateHandle([1, 1], [0.5, 0.5])
        angle = float(region.angle.to_value("deg"))
        item.setAngle(angle, center=(0, 0))
        t = math.radians(angle)
        item.setPos(
            cx - (w / 2 * math.cos(t) - h / 2 * math.sin(t)),
            cy - (w / 2 * math.sin(t) + h / 2 * math.cos(t)),
        )
        return RegionItem(kind, item)
    if isinstance(region, PolygonPixelRegion):
        pts = [sc(x, y) for x, y in zip(region.vertices.x, region.vertices.y, strict=True)]
        return RegionItem("polygon", pg.PolyLineROI(pts, closed=True, pen=PEN))
    if isinstance(region, LinePixelRegion):
        return RegionItem(
            "line",
            pg.LineSegmentROI(
                [sc(region.start.x, region.start.y), sc(region.end.x, region.end.y)], pen=PEN
            ),
        )
    if isinstance(region, TextPixelRegion):  # before PointPixelRegion: a subclass of it
        item = pg.TextItem(region.text, color=(255, 255, 0), anchor=(0.5, 0.5))
        item.setPos(*sc(region.center.x, region.center.y))
        return RegionItem("text", item, region.text)
    if isinstance(region, PointPixelRegion):
        return RegionItem(
            "point",
            pg.TargetItem(sc(region.center.x, region.center.y), size=12, movable=True, pen=PEN),
        )
    raise SkyglassError(f"regions of type {type(region).__name__} are not supported.")


class RegionOverlay(QtCore.QObject):
    """Draws a list of regions on a ViewBox as editable items.

    Signals
    -------
    edited()
        The user moved or resized a region (read them back with :meth:`regions`).
    """

    edited = QtCore.Signal()

    def __init__(self, vb, parent=None) -> None:
        super().__init__(parent)
        self.vb = vb
        self.items: list[RegionItem] = []

    def set_regions(self, regions: list) -> None:
        """Draw ``regions`` (0-based pixel regions) in place of what is drawn."""
        for it in self.items:
            self.vb.removeItem(it.item)
        self.items = []
        for region in regions:
            it = make_item(region)
            it.item.setZValue(20)
            self.vb.addItem(it.item)
            for signal in ("sigRegionChangeFinished", "sigPositionChangeFinished"):
                if hasattr(it.item, signal):
                    getattr(it.item, signal).connect(lambda *_: self.edited.emit())
            self.items.append(it)

    def regions(self) -> list:
        """The regions as drawn now (after the user's drags)."""
        return [it.to_region() for it in self.items]
