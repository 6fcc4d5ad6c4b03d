"""CornersDialog: drag the four page corners on the original when detection got them wrong.

The clerk sees the untouched original (display size) with the current outline; each
corner handle can be dragged (or moved with the arrow keys after Tab selects it).
The result is a :class:`~hukou_scan.domain.Quad` in the original's full pixels, which
:meth:`CaptureService.set_corners` records as manual before the page is remade.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from hukou_scan.domain import Quad

HANDLE_PX = 9  # grab radius of a corner handle on screen


class CornersView(QWidget):
    """The original with four draggable corners (TL, TR, BR, BL) in original pixels."""

    quad_changed = Signal()

    def __init__(
        self, image: QImage, size: tuple[int, int], quad: Quad, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.image = image
        self.full_w, self.full_h = size
        self.points: list[tuple[float, float]] = list(quad.points())
        self.current = 0  # the corner the arrow keys move
        self._dragging: int | None = None
        self.setMinimumSize(480, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)

    # --- coordinates ---------------------------------------------------------------------------
    def _target(self) -> QRectF:
        scale = min(self.width() / self.full_w, self.height() / self.full_h)
        w, h = self.full_w * scale, self.full_h * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def to_screen(self, x: float, y: float) -> QPointF:
        t = self._target()
        return QPointF(t.x() + x / self.full_w * t.width(), t.y() + y / self.full_h * t.height())

    def to_original(self, pos: QPointF) -> tuple[float, float]:
        t = self._target()
        x = (pos.x() - t.x()) / t.width() * self.full_w
        y = (pos.y() - t.y()) / t.height() * self.full_h
        return min(max(x, 0.0), float(self.full_w)), min(max(y, 0.0), float(self.full_h))

    def quad(self) -> Quad:
        return Quad(*self.points)

    # --- painting and input --------------------------------------------------------------------
    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(40, 40, 40))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(self._target(), self.image)
        pts = [self.to_screen(x, y) for x, y in self.points]
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 200, 255), 2))
        p.drawPolygon(QPolygonF(pts))
        for i, pt in enumerate(pts):
            p.setBrush(QColor(255, 170, 0) if i == self.current else QColor(0, 200, 255))
            p.drawEllipse(pt, HANDLE_PX, HANDLE_PX)
        p.end()

    def _handle_at(self, pos: QPointF) -> int | None:
        best, best_d = None, float(HANDLE_PX * 2) ** 2
        for i, (x, y) in enumerate(self.points):
            s = self.to_screen(x, y)
            d = (s.x() - pos.x()) ** 2 + (s.y() - pos.y()) ** 2
            if d <= best_d:
                best, best_d = i, d
        return best

    def mousePressEvent(self, event: Any) -> None:
        self._dragging = self._handle_at(event.position())
        if self._dragging is not None:
            self.current = self._dragging
            self.update()

    def mouseMoveEvent(self, event: Any) -> None:
        if self._dragging is not None:
            self.points[self._dragging] = self.to_original(event.position())
            self.update()
            self.quad_changed.emit()

    def mouseReleaseEvent(self, event: Any) -> None:
        self._dragging = None

    def keyPressEvent(self, event: Any) -> None:
        """Tab picks the next corner; arrows move it by a screen pixel (Shift: ten)."""
        step = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        moves = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        if event.key() in moves:
            dx, dy = moves[event.key()]
            s = self.to_screen(*self.points[self.current])
            self.points[self.current] = self.to_original(QPointF(s.x() + dx, s.y() + dy))
            self.update()
            self.quad_changed.emit()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        self.current = (self.current + (1 if next else 3)) % 4
        self.update()
        return True


class CornersDialog(QDialog):
    """Asks for the page's four corners; :meth:`quad` is the answer (original pixels)."""

    def __init__(
        self, image: QImage, size: tuple[int, int], quad: Quad, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Adjust page corners"))
        self.view = CornersView(image, size, quad, self)
        hint = QLabel(
            self.tr(
                "Drag the four corners onto the page's corners (Tab picks a corner, arrow keys move it)."
            ),
            self,
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Remake page"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(900, 700)

    def quad(self) -> Quad:
        return self.view.quad()
