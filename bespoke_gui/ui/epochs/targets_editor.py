"""The targets under the chart: one row per check, the target and the minimum side by side."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QLabel, QWidget
from superqt.utils import signals_blocked

from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.epochs.preferences import TARGET_FIELDS, shown_value, target_values, targets_from_shown


class TargetsEditor(QWidget):
    """Spin boxes for every target; ``edited`` carries the targets the user typed."""

    edited = Signal(object)  # Targets

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spins: dict[str, QDoubleSpinBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Targets"), 0, 0)
        grid.addWidget(QLabel("pass below"), 0, 1)
        grid.addWidget(QLabel("acceptable below"), 0, 2)
        for index, (name, label, maximum, percent) in enumerate(TARGET_FIELDS):
            spin = QDoubleSpinBox()
            spin.setRange(0.0, maximum)
            spin.setDecimals(0)
            spin.setSuffix(" %" if percent else "")
            spin.setKeyboardTracking(False)
            spin.setToolTip(label)
            spin.valueChanged.connect(lambda _value: self.edited.emit(self.targets()))
            self.spins[name] = spin
            row = 1 + index // 2
            if index % 2 == 0:
                grid.addWidget(QLabel(label.split(":")[0]), row, 0)
            grid.addWidget(spin, row, 1 + index % 2)
        grid.setColumnStretch(3, 1)

    def targets(self) -> Targets:
        return targets_from_shown({name: spin.value() for name, spin in self.spins.items()})

    def set_targets(self, targets: Targets) -> None:
        """Show ``targets`` (no ``edited``: they did not come from the user)."""
        for name, value in target_values(targets).items():
            spin = self.spins[name]
            with signals_blocked(spin):
                spin.setValue(shown_value(name, value))
