"""Controls for the subtitle overlay: show/hide, language, lines, size, colours, outline, click-through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from tolk.app.ui.settings import ORIGINAL, OverlayLook

OVERLAY_SHORTCUT = "Ctrl+Shift+O"


class OverlayPanel(QGroupBox):
    """Edits an OverlayLook; emits `look_changed` with the new value."""

    look_changed = Signal(object)

    def __init__(self, look: OverlayLook, parent: QWidget | None = None) -> None:
        super().__init__("Subtitle overlay", parent)
        self._look = look
        self.show_overlay = QPushButton(f"Show overlay  ({OVERLAY_SHORTCUT})")
        self.show_overlay.setCheckable(True)
        self.language = QComboBox()
        self.lines = QSpinBox(minimum=1, maximum=3, value=look.lines)
        self.font_pt = QSpinBox(minimum=10, maximum=120, value=look.font_pt, suffix=" pt")
        self.text_color = QPushButton("Text")
        self.background_color = QPushButton("Background")
        self.alpha = QSlider(Qt.Orientation.Horizontal)
        self.alpha.setRange(0, 255)
        self.alpha.setValue(look.background_alpha)
        self.outline = QSpinBox(minimum=0, maximum=8, value=look.outline_px, suffix=" px")
        self.click_through = QCheckBox("Click-through")
        self.click_through.setChecked(look.click_through)
        colours = QHBoxLayout()
        colours.addWidget(self.text_color)
        colours.addWidget(self.background_color)
        sizes = QHBoxLayout()
        sizes.addWidget(self.font_pt)
        sizes.addWidget(self.lines)
        form = QFormLayout(self)
        form.addRow(self.show_overlay)
        form.addRow("Language", self.language)
        form.addRow("Size, lines", sizes)
        form.addRow("Colours", colours)
        form.addRow("Opacity", self.alpha)
        form.addRow("Outline", self.outline)
        form.addRow(self.click_through)
        self.set_languages((), look.language)
        self._paint_swatches()
        self.show_overlay.setChecked(look.visible)
        self.show_overlay.setText(f"{'Hide' if look.visible else 'Show'} overlay  ({OVERLAY_SHORTCUT})")
        self.show_overlay.toggled.connect(self._visible_toggled)
        self.language.currentIndexChanged.connect(lambda _: self._update(language=self._language()))
        self.lines.valueChanged.connect(lambda v: self._update(lines=v))
        self.font_pt.valueChanged.connect(lambda v: self._update(font_pt=v))
        self.alpha.valueChanged.connect(lambda v: self._update(background_alpha=v))
        self.outline.valueChanged.connect(lambda v: self._update(outline_px=v))
        self.click_through.toggled.connect(lambda on: self._update(click_through=on))
        self.text_color.clicked.connect(lambda: self._pick("text_color"))
        self.background_color.clicked.connect(lambda: self._pick("background_color"))

    @property
    def look(self) -> OverlayLook:
        return self._look

    def set_languages(self, targets: Sequence[str], selected: str) -> None:
        """Offers the original speech and every target language."""
        self.language.blockSignals(True)
        self.language.clear()
        self.language.addItem("original speech", ORIGINAL)
        for language in targets:
            self.language.addItem(language, language)
        index = self.language.findData(selected)
        if index < 0:
            index = 1 if targets else 0
        self.language.setCurrentIndex(index)
        self.language.blockSignals(False)
        if self._language() != self._look.language:
            self._update(language=self._language())

    def _visible_toggled(self, on: bool) -> None:
        self.show_overlay.setText(f"{'Hide' if on else 'Show'} overlay  ({OVERLAY_SHORTCUT})")
        self._update(visible=on)

    def set_visible_checked(self, on: bool) -> None:
        self.show_overlay.setChecked(on)

    def _language(self) -> str:
        return str(self.language.currentData() or ORIGINAL)

    def _pick(self, attribute: str) -> None:
        current = QColor(getattr(self._look, attribute))
        color = QColorDialog.getColor(current, self, "Overlay colour")
        if color.isValid():
            self._update(**{attribute: color.name()})
            self._paint_swatches()

    def _paint_swatches(self) -> None:
        for button, color in (
            (self.text_color, self._look.text_color),
            (self.background_color, self._look.background_color),
        ):
            fg = "#000000" if QColor(color).lightness() > 128 else "#ffffff"
            button.setStyleSheet(f"background: {color}; color: {fg};")

    def _update(self, **changes: object) -> None:
        self._look = replace(self._look, **changes)  # type: ignore[arg-type]
        self.look_changed.emit(self._look)
