"""LinkPanel: the registry candidates of the current page; Enter confirms the top one.

Embedded by the capture screen and the page viewer.  Thin over
:class:`~hukou_scan.services.linking.LinkingService`: candidates with score and
reasons (pre-selected ones ticked), one-key confirmation, "link all ticked" for a
household page, manual search-and-link, and the page's current links with unlink.
Re-ranking (``propose``) and the reads behind :meth:`LinkPanel.refresh` run through the
task runner: the capture screen refreshes the panel every few seconds and after every
capture, and even indexed queries on the UI thread stalled the live preview.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain import PageLink, Person, idnumber
from hukou_scan.errors import HukouScanError, current_language
from hukou_scan.gui.i18n import local_time
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.registry.matching import describe_reason
from hukou_scan.services.linking import LinkingService
from hukou_scan.storage.registry import Proposal

_LINKED_BG = QColor(222, 240, 222)
VISIBLE_CANDIDATES = (
    5  # a household page's members, shown without scrolling  # rows of candidates already linked to the page
)


class LinkPanel(QWidget):
    """Candidates, confirmation, manual search and links of one page.

    Args:
        linking: the linking service.
        show_full_ids: show ID numbers unmasked (``guard.can_view_full_id()``).

    Signals:
        links_changed(str): the page's links changed (page id).
    """

    links_changed = Signal(str)
    candidates_loaded = Signal(str)

    def __init__(
        self,
        linking: LinkingService,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
        show_full_ids: bool = False,
    ) -> None:
        super().__init__(parent)
        self.linking = linking
        self.runner = runner or TaskRunner(self)
        self.show_full_ids = show_full_ids
        self.page_id: str | None = None
        self._proposals: list[Proposal] = []
        self._search_results: list[Person] = []
        self._links: list[PageLink] = []
        self._linker_names: dict[str, str] = {}  # user name → display name (who linked)
        self._loading = False  # a refresh read is in flight
        self._reload = False  # refresh asked for meanwhile: read again when it lands
        self._shown_for: str | None = None  # the page the tables were last filled for

        self.title = QLabel(self.tr("No page selected"))
        # Six narrow columns fit the side panel without sideways scrolling; the reasons,
        # the longest text, are shown for the selected candidate below the table.
        self.candidates_table = QTableWidget(0, 6)
        self.candidates_table.setHorizontalHeaderLabels(
            [
                self.tr("✓"),
                self.tr("Name"),
                self.tr("ID number"),
                self.tr("Birth date"),
                self.tr("Score"),
                self.tr("Household"),
            ]
        )
        self._setup_table(self.candidates_table)
        self.reasons_label = QLabel("")
        self.reasons_label.setWordWrap(True)
        self.confirm_button = QPushButton(self.tr("Confirm top candidate (Enter)"))
        self.confirm_all_button = QPushButton(self.tr("Link all ticked"))
        self.repropose_button = QPushButton(self.tr("Find candidates again"))

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search by name, ID number or household number"))
        self.search_button = QPushButton(self.tr("Search"))
        self.search_table = QTableWidget(0, 5)
        self.search_table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("ID number"),
                self.tr("Birth date"),
                self.tr("Household"),
                self.tr("Relation"),
            ]
        )
        self._setup_table(self.search_table)
        self.link_button = QPushButton(self.tr("Link selected person"))

        self.links_table = QTableWidget(0, 5)
        self.links_table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Role"), self.tr("How"), self.tr("By"), self.tr("When")]
        )
        self._setup_table(self.links_table)
        self.unlink_button = QPushButton(self.tr("Unlink"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(QLabel(self.tr("Candidates")))
        layout.addWidget(self.candidates_table, 2)
        layout.addWidget(self.reasons_label)
        row = QHBoxLayout()
        row.addWidget(self.confirm_button)
        row.addWidget(self.confirm_all_button)
        row.addStretch(1)
        row.addWidget(self.repropose_button)
        layout.addLayout(row)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 1)
        search_row.addWidget(self.search_button)
        layout.addLayout(search_row)
        layout.addWidget(self.search_table, 1)
        layout.addWidget(self.link_button)
        layout.addWidget(QLabel(self.tr("Linked persons")))
        layout.addWidget(self.links_table, 1)
        layout.addWidget(self.unlink_button)

        # Enter on the candidate list confirms (an event filter, not a QShortcut, so it also
        # works when the panel is embedded in a window that is not the active one).  The
        # search box keeps its Enter (search), so it never reaches the host's confirm key;
        # no button here is a default button that would take Enter for itself.
        self.candidates_table.installEventFilter(self)
        self.search_edit.installEventFilter(self)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.candidates_table.itemSelectionChanged.connect(self._show_reasons)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        self.confirm_all_button.clicked.connect(self._on_confirm_all_button_clicked)
        self.repropose_button.clicked.connect(self._on_repropose_button_clicked)
        self.search_button.clicked.connect(self._on_search_button_clicked)
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.unlink_button.clicked.connect(self._on_unlink_button_clicked)
        self._update_buttons()

    @staticmethod
    def _setup_table(table: QTableWidget) -> None:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the last column (household, relation, time) takes what is left and elides:
        # no sideways scrolling in a side panel
        header.setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # the scroll bar would otherwise show up stale after the panel widened (and hide a row)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    # -- public API ---------------------------------------------------------------------------
    def set_page(self, page_id: str | None, label: str = "") -> None:
        """Show the candidates and links of ``page_id`` (``None`` clears the panel).

        ``label`` is what the clerk calls the page (its page number: position in the batch);
        without one the start of the page id is shown.
        """
        self.page_id = page_id
        self.title.setText(
            self.tr("Page %1").replace("%1", label or page_id[:8]) if page_id else self.tr("No page selected")
        )
        self.refresh()

    def refresh(self) -> None:
        """Read the page's candidates and links off the UI thread; ``candidates_loaded`` when shown.

        At most one read is in flight; a refresh asked for meanwhile reads once more when
        it lands, so the newest state (and page) is always shown in the end.  Unchanged
        results leave the tables alone (the clerk's selection and ticks survive the timer).
        """
        page_id = self.page_id
        if page_id is None:
            self._show_loaded(None, [], [])
            return
        if self._loading:
            self._reload = True
            return
        self._loading = True
        linking = self.linking

        def read() -> tuple[str, list[Proposal], list[PageLink], dict[str, str]]:
            links = linking.links(page_id)
            return page_id, linking.candidates(page_id), links, linking.linker_names() if links else {}

        self.runner.run_simple(read, on_done=self._on_refresh_loaded, on_error=self._on_refresh_failed)

    def _on_refresh_loaded(self, result: tuple[str, list[Proposal], list[PageLink], dict[str, str]]) -> None:
        self._loading = False
        page_id, proposals, links, names = result
        self._linker_names.update(names)
        if self._reload or page_id != self.page_id:
            self._reload = False
            self.refresh()
            return
        self._show_loaded(page_id, proposals, links)
        self.candidates_loaded.emit(page_id)

    def _on_refresh_failed(self, error: BaseException) -> None:
        self._loading = self._reload = False
        self._on_task_failed(error)

    def _show_loaded(self, page_id: str | None, proposals: list[Proposal], links: list[PageLink]) -> None:
        if (page_id, proposals, links) != (self._shown_for, self._proposals, self._links):
            self._shown_for, self._proposals, self._links = page_id, proposals, links
            self._fill_candidates()
            self._fill_links()
        self._update_buttons()

    def repropose(self) -> None:
        """Rank the page again (e.g. after the registry was re-imported)."""
        page_id = self.page_id
        if page_id is None:
            return
        self.repropose_button.setEnabled(False)
        self.runner.run_simple(
            lambda: self.linking.propose(page_id),
            on_done=lambda _r: self._after_change(page_id, False),
            on_error=self._on_task_failed,
        )

    def confirm_top(self) -> None:
        """The clerk's one key: link the pre-selected/top candidate (or the selected row)."""
        if self.page_id is None or not self._proposals:
            return
        row = self.candidates_table.currentRow()
        person_id = self._proposals[row].person.id if 0 <= row < len(self._proposals) else None
        self._act(lambda pid=self.page_id: self.linking.confirm(pid, person_id))

    def confirm_ticked(self) -> None:
        if self.page_id is None:
            return
        ids = [
            p.person.id
            for r, p in enumerate(self._proposals)
            if (item := self.candidates_table.item(r, 0)) is not None
            and item.checkState() == Qt.CheckState.Checked
        ]
        if ids:
            self._act(lambda pid=self.page_id: self.linking.confirm_all(pid, ids))

    def search(self, text: str | None = None) -> None:
        if text is not None:
            self.search_edit.setText(text)
        self._search_results = self.linking.search(self.search_edit.text())
        t = self.search_table
        t.setRowCount(len(self._search_results))
        for r, p in enumerate(self._search_results):
            values = [
                p.name,
                self._id(p),
                p.birth_date.isoformat() if p.birth_date else "",
                p.household_no,
                p.relation,
            ]
            for c, v in enumerate(values):
                t.setItem(r, c, QTableWidgetItem(v))
        if self._search_results:
            t.selectRow(0)
        self._update_buttons()

    def link_selected_search_result(self, role: str = "") -> None:
        row = self.search_table.currentRow()
        if self.page_id is None or not 0 <= row < len(self._search_results):
            return
        person_id = self._search_results[row].id
        self._act(lambda pid=self.page_id: self.linking.link_manual(pid, person_id, role))

    def unlink_selected(self) -> None:
        row = self.links_table.currentRow()
        if self.page_id is None or not 0 <= row < len(self._links):
            return
        person_id = self._links[row].person_id
        self._act(lambda pid=self.page_id: self.linking.unlink(pid, person_id))

    # -- internals ----------------------------------------------------------------------------
    def _id(self, p: Person) -> str:
        number = p.id_number_raw or p.id_number
        return number if self.show_full_ids or not number else idnumber.mask(number)

    def _act(self, fn: object) -> None:
        page_id = self.page_id
        assert page_id is not None and callable(fn)
        try:
            fn()
        except HukouScanError as e:
            self._show_error(e.user_message())
            return
        self._after_change(page_id, True)

    def _after_change(self, page_id: str, changed: bool) -> None:
        if page_id == self.page_id:
            self.refresh()
        if changed:
            self.links_changed.emit(page_id)

    def _fill_candidates(self) -> None:
        t = self.candidates_table
        t.setRowCount(len(self._proposals))
        lang = current_language()
        linked = {lk.person_id for lk in self._links}
        for r, prop in enumerate(self._proposals):
            p = prop.person
            tick = QTableWidgetItem("")
            tick.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            )
            tick.setCheckState(Qt.CheckState.Checked if prop.preselected else Qt.CheckState.Unchecked)
            t.setItem(r, 0, tick)
            name = p.name + (f"（{prop.role}）" if prop.role else "")
            why = "；".join(describe_reason(code, lang) for code in prop.reasons)
            values = [
                name,
                self._id(p),
                p.birth_date.isoformat() if p.birth_date else "",
                f"{prop.score:.0f}",
                p.household_no,
            ]
            is_linked = p.id in linked
            for c, v in enumerate(values, start=1):
                item = QTableWidgetItem(v)
                item.setToolTip(f"{v}\n{why}" if why else v)  # the full value when elided
                t.setItem(r, c, item)
            if is_linked:  # a tinted row instead of a text column: the panel stays narrow
                for c in range(t.columnCount()):
                    cell = t.item(r, c)
                    if cell is not None:
                        cell.setBackground(_LINKED_BG)
                        cell.setToolTip(self.tr("Already linked") + "\n" + cell.toolTip())
        if self._proposals:
            t.selectRow(0)
        self._fit_candidates()
        self._show_reasons()

    def _fit_candidates(self) -> None:
        """Five candidate rows (a household page) and every header fit without scrolling.

        The table asks for the width its columns need (the household column keeps a
        little and elides), so the capture screen's splitter gives the panel that much
        and takes it from the live preview; and for the height of five rows.
        """
        t = self.candidates_table
        header = t.horizontalHeader()
        t.resizeColumnsToContents()
        last = t.columnCount() - 1
        columns = sum(header.sectionSize(c) for c in range(last))
        hint = max(header.sectionSizeHint(last), 8 * t.fontMetrics().horizontalAdvance("0"))
        frame = 2 * t.frameWidth() + t.verticalScrollBar().sizeHint().width()
        t.setMinimumWidth(columns + hint + frame)
        row = t.verticalHeader().defaultSectionSize()
        t.setMinimumHeight(header.height() + VISIBLE_CANDIDATES * row + 2 * t.frameWidth())

    def _show_reasons(self) -> None:
        """Why the selected candidate was proposed (which fields matched)."""
        row = self.candidates_table.currentRow()
        if not 0 <= row < len(self._proposals):
            self.reasons_label.setText("")
            return
        lang = current_language()
        why = "；".join(describe_reason(code, lang) for code in self._proposals[row].reasons)
        linked = {lk.person_id for lk in self._links}
        text = self.tr("Why: %1").replace("%1", why)
        for c in self._proposals[row].corrections:
            raw, corrected = c.raw, c.corrected
            if c.field == "id_number" and not self.show_full_ids:
                raw, corrected = idnumber.mask(raw), idnumber.mask(corrected)
            what = self.tr("ID number") if c.field == "id_number" else self.tr("Name")
            text += "\n" + (
                self.tr("%1 read as %2, would be corrected to %3 (%4) when you confirm")
                .replace("%1", what)
                .replace("%2", raw)
                .replace("%3", corrected)
                .replace("%4", f"{c.share:.0%}")
            )
        if self._proposals[row].person.id in linked:
            text = self.tr("Already linked") + " · " + text
        self.reasons_label.setText(text)

    def _fill_links(self) -> None:
        t = self.links_table
        t.setRowCount(len(self._links))
        names = {p.person.id: p.person.name for p in self._proposals}
        names.update({p.id: p.name for p in self._search_results})
        methods = {
            "confirmed": self.tr("confirmed"),
            "manual": self.tr("manual"),
            "auto": self.tr("automatic"),
        }
        for r, lk in enumerate(self._links):
            name = names.get(lk.person_id) or self._person_name(lk.person_id)
            when = local_time(lk.linked_at)  # stored as UTC; the clerk reads the office clock
            by = self._linker_names.get(lk.linked_by) or lk.linked_by  # 张丽, not zhangli
            for c, v in enumerate([name, lk.role, methods.get(lk.method.value, lk.method.value), by, when]):
                t.setItem(r, c, QTableWidgetItem(v))
        # a household page linked to five persons lists all five (it showed one and a half
        # rows under an empty search table); the search results give up the room
        rows = min(max(len(self._links), 1), VISIBLE_CANDIDATES)
        t.setMinimumHeight(
            t.horizontalHeader().sizeHint().height()
            + rows * t.verticalHeader().defaultSectionSize()
            + 2 * t.frameWidth()
        )

    def _person_name(self, person_id: str) -> str:
        try:
            return self.linking.persons.get(person_id).name
        except HukouScanError:
            return person_id[:8]

    def _update_buttons(self) -> None:
        has_page = self.page_id is not None
        self.confirm_button.setEnabled(has_page and bool(self._proposals))
        self.confirm_all_button.setEnabled(has_page and len(self._proposals) > 1)
        self.repropose_button.setEnabled(has_page)
        self.link_button.setEnabled(has_page and bool(self._search_results))
        self.unlink_button.setEnabled(has_page and bool(self._links))

    def _show_error(self, message: str) -> None:
        self.title.setText(message)
        if self.isVisible():
            QMessageBox.warning(self, self.tr("Linking"), message)

    # -- slots ----------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            if watched is self.candidates_table:
                self.confirm_top()
                return True
            if watched is self.search_edit:
                self.search()
                return True
        return super().eventFilter(watched, event)

    def _on_confirm_button_clicked(self) -> None:
        self.confirm_top()

    def _on_confirm_all_button_clicked(self) -> None:
        self.confirm_ticked()

    def _on_repropose_button_clicked(self) -> None:
        self.repropose()

    def _on_search_button_clicked(self) -> None:
        self.search()

    def _on_link_button_clicked(self) -> None:
        self.link_selected_search_result()

    def _on_unlink_button_clicked(self) -> None:
        self.unlink_selected()

    def _on_task_failed(self, error: BaseException) -> None:
        self._update_buttons()
        self._show_error(error.user_message() if isinstance(error, HukouScanError) else str(error))

    def closeEvent(self, event: object) -> None:
        self.runner.wait_all()
        super().closeEvent(event)  # type: ignore[arg-type]
