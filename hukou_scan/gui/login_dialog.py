"""Login at start (and first-start administrator creation), password change, idle screen lock.

The dialogs are thin: every check (input rules, lockout, audit) happens in
:class:`~hukou_scan.services.security.SecurityService`; the dialogs show its bilingual
messages.  Password verification is one argon2id hash (≈0.1 s), so it runs inline
with a wait cursor rather than through the task runner.

:class:`IdleLockFilter` is an application-wide event filter the main window installs
(``app.installEventFilter(lock)``): any key, mouse, wheel or touch input restarts the
idle timer; when it fires the screen locks (``locked`` is emitted so the window can
hide more) the window's contents are covered by an opaque panel, and an
:class:`UnlockDialog` asks for the password again.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.errors import HukouScanError
from hukou_scan.services.security import SecurityService

log = logging.getLogger(__name__)

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


def _password_edit(parent: QWidget) -> QLineEdit:
    e = QLineEdit(parent)
    e.setEchoMode(QLineEdit.EchoMode.Password)
    e.setMaxLength(256)
    return e


class _ErrorLabel(QLabel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("errorLabel")
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020;")
        self.hide()

    def show_error(self, e: HukouScanError) -> None:
        self.setText(e.user_message())
        self.show()


class _BusyCursor:
    def __enter__(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *_exc: object) -> None:
        QGuiApplication.restoreOverrideCursor()


class LoginDialog(QDialog):
    """Log in; on the very first start, create the administrator instead.

    Accepted means a user is logged in (``security.current_user``).  When that user must
    change their password (new account or administrator reset) the change dialog
    follows before the login dialog accepts.
    """

    logged_in = Signal(object)
    admin_created = Signal(object)

    def __init__(self, security: SecurityService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.security = security
        security.begin_interactive()
        self.first_start = security.needs_first_admin()
        self.setWindowTitle(self.tr("Create administrator") if self.first_start else self.tr("Log in"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("First start: create the administrator account.")
            if self.first_start
            else self.tr("Please log in.")
        )
        layout.addWidget(intro)
        form = QFormLayout()
        self.username_edit = QLineEdit(self)
        self.username_edit.setObjectName("usernameEdit")
        self.username_edit.setMaxLength(64)
        form.addRow(self.tr("Username"), self.username_edit)
        self.display_name_edit = QLineEdit(self)
        self.display_name_edit.setObjectName("displayNameEdit")
        self.display_name_edit.setMaxLength(100)
        self.password_edit = _password_edit(self)
        self.password_edit.setObjectName("passwordEdit")
        self.confirm_edit = _password_edit(self)
        self.confirm_edit.setObjectName("confirmEdit")
        if self.first_start:
            form.addRow(self.tr("Full name"), self.display_name_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        if self.first_start:
            form.addRow(self.tr("Repeat password"), self.confirm_edit)
        else:  # not in the form: hidden, or they sit over the intro text at the top left
            self.display_name_edit.hide()
            self.confirm_edit.hide()
        layout.addLayout(form)
        self.error_label = _ErrorLabel(self)
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Create") if self.first_start else self.tr("Log in"))
        ok.setObjectName("okButton")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.username_edit.setFocus()

    def _on_buttons_accepted(self) -> None:
        username = self.username_edit.text()
        password = self.password_edit.text()
        try:
            with _BusyCursor():
                if self.first_start:
                    if password != self.confirm_edit.text():
                        raise HukouScanError("两次输入的密码不一致。", "The passwords do not match.")
                    user = self.security.create_first_admin(username, self.display_name_edit.text(), password)
                    self.first_start = False
                    self.admin_created.emit(user)
                user = self.security.login(username, password)
        except HukouScanError as e:
            self.password_edit.clear()
            self.confirm_edit.clear()
            self.error_label.show_error(e)
            self.password_edit.setFocus()
            return
        self.logged_in.emit(user)
        if self.security.must_change_password():
            dlg = ChangePasswordDialog(self.security, self, forced=True)
            dlg.setModal(True)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                self.security.logout()
                self.error_label.show_error(
                    HukouScanError("请先修改初始密码。", "Please change the initial password first.")
                )
                return
        self.accept()


class ChangePasswordDialog(QDialog):
    """Change one's own password (forced after account creation or an administrator reset)."""

    def __init__(
        self, security: SecurityService, parent: QWidget | None = None, forced: bool = False
    ) -> None:
        super().__init__(parent)
        self.security = security
        self.setWindowTitle(self.tr("Change password"))
        layout = QVBoxLayout(self)
        if forced:
            layout.addWidget(QLabel(self.tr("You must set a new password before you continue.")))
        form = QFormLayout()
        self.old_edit = _password_edit(self)
        self.old_edit.setObjectName("oldPasswordEdit")
        self.new_edit = _password_edit(self)
        self.new_edit.setObjectName("newPasswordEdit")
        self.confirm_edit = _password_edit(self)
        self.confirm_edit.setObjectName("confirmPasswordEdit")
        form.addRow(self.tr("Current password"), self.old_edit)
        form.addRow(self.tr("New password"), self.new_edit)
        form.addRow(self.tr("Repeat new password"), self.confirm_edit)
        layout.addLayout(form)
        self.error_label = _ErrorLabel(self)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_buttons_accepted(self) -> None:
        try:
            if self.new_edit.text() != self.confirm_edit.text():
                raise HukouScanError("两次输入的密码不一致。", "The passwords do not match.")
            with _BusyCursor():
                self.security.change_password(self.old_edit.text(), self.new_edit.text())
        except HukouScanError as e:
            self.error_label.show_error(e)
            return
        self.accept()


class UnlockDialog(QDialog):
    """Asks the logged-in user for the password again after an idle lock.

    ``Log out / switch user`` ends the session instead (another clerk takes over the
    station): the login dialog follows, the application does not quit.
    """

    unlocked = Signal()
    logged_out = Signal()

    def __init__(self, security: SecurityService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.security = security
        self.setWindowTitle(self.tr("Screen locked"))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        layout = QVBoxLayout(self)
        user = security.current_user
        name = user.display_name or user.username if user else ""
        layout.addWidget(
            QLabel(self.tr("Locked after inactivity. Enter the password of %1.").replace("%1", name))
        )
        self.password_edit = _password_edit(self)
        self.password_edit.setObjectName("unlockPasswordEdit")
        layout.addWidget(self.password_edit)
        self.error_label = _ErrorLabel(self)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(self)
        self.unlock_button = QPushButton(self.tr("Unlock"), self)
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.logout_button = QPushButton(self.tr("Log out / switch user"), self)
        self.logout_button.setObjectName("logoutButton")
        self.logout_button.setToolTip(
            self.tr("Ends this session; the next user logs in. The application keeps running.")
        )
        buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.logout_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.logout_button.clicked.connect(self._on_logout_button_clicked)
        layout.addWidget(buttons)

    def reject(self) -> None:  # Esc must not unlock
        return

    def _on_unlock_button_clicked(self) -> None:
        try:
            with _BusyCursor():
                ok = self.security.unlock_screen(self.password_edit.text())
        except HukouScanError as e:  # locked out: the session is over
            self.error_label.show_error(e)
            self.logged_out.emit()
            self.done(QDialog.DialogCode.Rejected)
            return
        self.password_edit.clear()
        if not ok:
            self.error_label.show_error(HukouScanError("密码错误。", "Wrong password."))
            return
        self.unlocked.emit()
        self.accept()

    def _on_logout_button_clicked(self) -> None:
        self.security.logout()
        self.logged_out.emit()
        self.done(QDialog.DialogCode.Rejected)


class IdleLockFilter(QObject):
    """Application event filter: lock the screen after ``minutes`` without user input.

    Args:
        security: whose user is asked for the password again.
        minutes: idle time; ``0`` disables the lock.  Defaults to ``security.idle_lock_minutes``.
        parent: usually the main window; the unlock dialog is parented to it.
    """

    locked = Signal()
    unlocked = Signal()
    logged_out = Signal()

    def __init__(
        self, security: SecurityService, minutes: float | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.security = security
        self._parent_widget = parent
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.dialog: UnlockDialog | None = None
        self.cover: QLabel | None = None
        self.set_idle_minutes(security.idle_lock_minutes if minutes is None else minutes)

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def set_idle_minutes(self, minutes: float) -> None:
        self.set_idle_ms(int(minutes * 60_000))

    def set_idle_ms(self, ms: int) -> None:
        """Idle interval in milliseconds (``0`` disables); tests use short intervals."""
        self.timer.stop()
        self.timer.setInterval(max(0, ms))
        if ms > 0:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.dialog is None and self.timer.interval() > 0:
            self.timer.start()  # restart
        elif (
            event.type() == QEvent.Type.Resize
            and watched is self._parent_widget
            and self.cover is not None
            and self._parent_widget is not None
        ):
            self.cover.setGeometry(self._parent_widget.rect())
        return False

    def lock_now(self) -> None:
        """Lock immediately (menu action "Lock screen", or the timer)."""
        if self.dialog is not None or self.security.current_user is None:
            return
        self.timer.stop()
        self.security.lock_screen()
        self._cover_parent()
        self.dialog = UnlockDialog(self.security, self._parent_widget)
        self.dialog.unlocked.connect(self._on_dialog_unlocked)
        self.dialog.logged_out.connect(self._on_dialog_logged_out)
        self.locked.emit()
        self.dialog.open()

    def _on_timer_timeout(self) -> None:
        self.lock_now()

    def _on_dialog_unlocked(self) -> None:
        self._finish()
        self.unlocked.emit()

    def _on_dialog_logged_out(self) -> None:
        self._finish()
        self.logged_out.emit()

    def _cover_parent(self) -> None:
        """Hide the window's contents (household data) behind an opaque cover while locked."""
        parent = self._parent_widget
        if parent is None:
            return
        cover = QLabel(self.tr("Locked"), parent)
        cover.setObjectName("lockCover")
        cover.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cover.setAutoFillBackground(True)
        cover.setStyleSheet("background: #2b2b2b; color: #dddddd; font-size: 24px;")
        cover.setGeometry(parent.rect())
        cover.raise_()
        cover.show()
        self.cover = cover

    def _finish(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        if self.cover is not None:
            self.cover.deleteLater()
        self.cover = None
        if self.timer.interval() > 0:
            self.timer.start()
