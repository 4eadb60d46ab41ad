"""Transactions per hour: a QtCharts bar chart, or plain painted bars without QtCharts."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

log = logging.getLogger(__name__)


def _charts() -> Any | None:
    try:
        return importlib.import_module("PySide6.QtCharts")
    except ImportError:
        log.info("QtCharts not installed (PySide6-Addons): painting a simple chart")
        return None


class _PaintedBars(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.counts = [0] * 24
        self.title = ""
        self.setMinimumHeight(180)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawText(QRectF(0, 0, self.width(), 24), Qt.AlignmentFlag.AlignCenter, self.title)
        top, bottom = 28.0, self.height() - 20.0
        width = self.width() / 24
        peak = max(max(self.counts), 1)
        for hour, count in enumerate(self.counts):
            height = (bottom - top) * count / peak
            painter.fillRect(
                QRectF(hour * width + 2, bottom - height, width - 4, height), QColor("#1f6feb")
            )
            if hour % 3 == 0:
                painter.drawText(QRectF(hour * width, bottom, width * 2, 20), str(hour))
        painter.end()


class HourlyChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = [0] * 24
        self._title = ""
        self._axis_title = ""
        self._charts = _charts()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if self._charts is None:
            self._bars = _PaintedBars()
            layout.addWidget(self._bars)
            self._view: Any = None
        else:
            self._view = self._charts.QChartView()
            self._view.setObjectName("hourlyChart")
            self._view.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._view.setMinimumHeight(180)
            layout.addWidget(self._view)
        self._redraw()

    @property
    def uses_qtcharts(self) -> bool:
        return self._charts is not None

    def set_titles(self, title: str, axis_title: str) -> None:
        self._title, self._axis_title = title, axis_title
        self._redraw()

    def set_counts(self, counts: list[int]) -> None:
        self.counts = list(counts)
        self._redraw()

    def _redraw(self) -> None:
        if self._charts is None:
            self._bars.counts = self.counts
            self._bars.title = self._title
            self._bars.update()
            return
        charts = self._charts
        bar_set = charts.QBarSet(self._title)
        bar_set.append([float(count) for count in self.counts])
        bar_set.setColor(QColor("#1f6feb"))
        series = charts.QBarSeries()
        series.append(bar_set)
        chart = charts.QChart()
        chart.addSeries(series)
        chart.setTitle(self._title)
        chart.legend().setVisible(False)
        axis_x = charts.QValueAxis()  # numbers every 3 hours: 24 labels do not fit
        axis_x.setRange(-0.5, 23.5)
        axis_x.setTickType(charts.QValueAxis.TickType.TicksDynamic)
        axis_x.setTickAnchor(0)
        axis_x.setTickInterval(3)
        axis_x.setLabelFormat("%d")
        axis_x.setTitleText(self._axis_title)
        small = QFont(self.font())
        small.setPointSize(9)
        axis_x.setLabelsFont(small)
        axis_y = charts.QValueAxis()
        axis_y.setRange(0, max(max(self.counts), 1))
        axis_y.setLabelFormat("%d")
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        old = self._view.chart()
        self._view.setChart(chart)
        if old is not None:
            old.deleteLater()
