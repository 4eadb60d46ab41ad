"""Choosing a file to save or open: the platform's dialog where there is one, else Qt's
own, laid out so its columns are not cut to "F…r" at the till's large type."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHeaderView, QSplitter, QTreeView, QWidget


def file_dialog(
    parent: QWidget | None, title: str, name: str, name_filter: str, *, save: bool
) -> QFileDialog:
    """A modal save or open dialog starting at ``name`` (a file name or a folder)."""
    dialog = QFileDialog(parent, title, name, name_filter)
    dialog.setAcceptMode(
        QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen
    )
    dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
    fit_columns(dialog)
    return dialog


def fit_columns(dialog: QFileDialog) -> None:
    """Qt's own dialog (no native one): size, type and date take the width they need and
    the name column the rest; the platform's dialog is left as it is."""
    details = dialog.findChild(QTreeView, "treeView")
    if details is None:
        return
    places = dialog.findChild(QSplitter, "splitter")
    if places is not None:  # the places list ("Computer", home) keeps its names whole
        places.setChildrenCollapsible(False)
        sidebar = places.widget(0)
        if sidebar is not None:
            sidebar.setMinimumWidth(details.fontMetrics().horizontalAdvance("M" * 9))
    header = details.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, header.count()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


def ask_file_name(
    parent: QWidget | None, title: str, name: str, name_filter: str, *, save: bool
) -> str:
    """The chosen path, or "" if the user cancelled."""
    dialog = file_dialog(parent, title, name, name_filter, save=save)
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return ""
        return dialog.selectedFiles()[0]
    finally:
        dialog.deleteLater()
