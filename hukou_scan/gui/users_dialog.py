"""User administration for administrators: add, edit roles/station, reset, unlock, disable.

All checks (administrator only, input rules, "not the last administrator") are in
:class:`~hukou_scan.services.security.SecurityService`; this dialog shows its errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain import Role, Station, User
from hukou_scan.errors import HukouScanError
from hukou_scan.gui.i18n import local_time
from hukou_scan.services.security import SecurityService
from hukou_scan.storage.security import UserAccount

log = logging.getLogger(__name__)


class UserEditDialog(QDialog):
    """The form for a new user (with initial password) or for editing an existing one."""

    def __init__(
        self,
        security: SecurityService,
        stations: Sequence[Station],
        account: UserAccount | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.security = security
        self.account = account
        self.result_user: User | None = None
        self.setWindowTitle(self.tr("Edit user") if account else self.tr("New user"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.username_edit = QLineEdit(self)
        self.username_edit.setObjectName("usernameEdit")
        self.username_edit.setMaxLength(64)
        self.display_name_edit = QLineEdit(self)
        self.display_name_edit.setObjectName("displayNameEdit")
        self.display_name_edit.setMaxLength(100)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(256)
        form.addRow(self.tr("Username"), self.username_edit)
        form.addRow(self.tr("Full name"), self.display_name_edit)
        if account is None:
            form.addRow(self.tr("Initial password"), self.password_edit)
        self.role_boxes: dict[Role, QCheckBox] = {}
        labels = {
            Role.CLERK: self.tr("Clerk (capture, link)"),
            Role.REVIEWER: self.tr("Reviewer (review, QA)"),
            Role.SEARCHER: self.tr("Searcher (search, view, export)"),
            Role.ADMIN: self.tr("Administrator"),
        }
        roles_box = QVBoxLayout()
        for role, label in labels.items():
            cb = QCheckBox(label, self)
            cb.setObjectName(f"role_{role.value}")
            self.role_boxes[role] = cb
            roles_box.addWidget(cb)
        form.addRow(self.tr("Roles"), roles_box)
        self.station_combo = QComboBox(self)
        self.station_combo.setObjectName("stationCombo")
        for s in stations:
            self.station_combo.addItem(f"{s.code} {s.name}", s.id)
        form.addRow(self.tr("Station"), self.station_combo)
        self.all_stations_box = QCheckBox(self.tr("May work on all stations"), self)
        self.all_stations_box.setObjectName("allStationsBox")
        form.addRow("", self.all_stations_box)
        layout.addLayout(form)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if account is not None:
            u = account.user
            self.username_edit.setText(u.username)
            self.username_edit.setReadOnly(True)
            self.display_name_edit.setText(u.display_name)
            for role, cb in self.role_boxes.items():
                cb.setChecked(role in u.roles)
            idx = self.station_combo.findData(u.station_id)
            if idx >= 0:
                self.station_combo.setCurrentIndex(idx)
            self.all_stations_box.setChecked(u.all_stations)

    def selected_roles(self) -> list[Role]:
        return [r for r, cb in self.role_boxes.items() if cb.isChecked()]

    def _on_buttons_accepted(self) -> None:
        station_id = self.station_combo.currentData()
        try:
            if self.account is None:
                self.result_user = self.security.add_user(
                    self.username_edit.text(),
                    self.display_name_edit.text(),
                    self.password_edit.text(),
                    self.selected_roles(),
                    station_id=station_id,
                    all_stations=self.all_stations_box.isChecked(),
                )
            else:
                roles = self.selected_roles()
                if not roles:
                    raise HukouScanError("请至少选择一个角色。", "Choose at least one role.")
                self.result_user = self.security.update_user(
                    self.account.user.id,
                    display_name=self.display_name_edit.text(),
                    roles=roles,
                    station_id=station_id,
                    all_stations=self.all_stations_box.isChecked(),
                )
        except HukouScanError as e:
            self.error_label.setText(e.user_message())
            return
        self.accept()


class UsersDialog(QDialog):
    """The list of users with the administrator's actions."""

    COLUMNS = ("username", "name", "roles", "station", "state", "last login")

    def __init__(
        self, security: SecurityService, stations: Sequence[Station], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.security = security
        self.stations = list(stations)
        self.accounts: list[UserAccount] = []
        self.setWindowTitle(self.tr("Users"))
        self.resize(820, 480)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("usersTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Username"),
                self.tr("Full name"),
                self.tr("Roles"),
                self.tr("Station"),
                self.tr("State"),
                self.tr("Last login"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"), self)
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.reset_button = QPushButton(self.tr("Reset password…"), self)
        self.unlock_button = QPushButton(self.tr("Unlock"), self)
        self.toggle_button = QPushButton(self.tr("Disable / enable"), self)
        for b in (
            self.add_button,
            self.edit_button,
            self.reset_button,
            self.unlock_button,
            self.toggle_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #b00020;")
        layout.addWidget(self.error_label)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.toggle_button.clicked.connect(self._on_toggle_button_clicked)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.accounts = self.security.list_users()
        except HukouScanError as e:
            self.accounts = []
            self.error_label.setText(e.user_message())
            for b in (
                self.add_button,
                self.edit_button,
                self.reset_button,
                self.unlock_button,
                self.toggle_button,
            ):
                b.setEnabled(False)
        codes = {s.id: s.code for s in self.stations}
        role_names = {
            Role.CLERK: self.tr("Clerk"),
            Role.REVIEWER: self.tr("Reviewer"),
            Role.SEARCHER: self.tr("Searcher"),
            Role.ADMIN: self.tr("Administrator"),
        }
        self.table.setRowCount(len(self.accounts))
        for i, a in enumerate(self.accounts):
            u = a.user
            state = self.tr("active") if u.active else self.tr("disabled")
            if a.locked_until is not None:
                state += " · " + self.tr("locked")
            station = self.tr("all stations") if u.all_stations else codes.get(u.station_id or "", "")
            values = [
                u.username,
                u.display_name,
                ", ".join(role_names[r] for r in sorted(u.roles)),
                station,
                state,
                local_time(a.last_login_at),
            ]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                self.table.setItem(i, j, item)

    def selected(self) -> UserAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()] if rows else None

    def _run(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except HukouScanError as e:
            self.error_label.setText(e.user_message())
            return
        self.error_label.clear()
        self.refresh()

    def _on_add_button_clicked(self) -> None:
        dlg = UserEditDialog(self.security, self.stations, None, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def _on_edit_button_clicked(self) -> None:
        a = self.selected()
        if a is None:
            return
        dlg = UserEditDialog(self.security, self.stations, a, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def _on_reset_button_clicked(self) -> None:
        a = self.selected()
        if a is None:
            return
        from PySide6.QtWidgets import QInputDialog

        pw, ok = QInputDialog.getText(
            self,
            self.tr("Reset password"),
            self.tr("Temporary password (the user must change it at login):"),
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self._run(lambda: self.security.reset_password(a.user.id, pw))

    def _on_unlock_button_clicked(self) -> None:
        a = self.selected()
        if a is not None:
            self._run(lambda: self.security.unlock_user(a.user.id))

    def _on_toggle_button_clicked(self) -> None:
        a = self.selected()
        if a is None:
            return
        if a.user.active:
            answer = QMessageBox.question(self, self.tr("Disable user"), self.tr("Disable this user?"))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._run(lambda: self.security.update_user(a.user.id, active=not a.user.active))
