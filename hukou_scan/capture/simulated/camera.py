"""SimulatedCamera: a 高拍仪 on a desk, for the demo, the tests and the benchmarks.

It behaves like the real thing seen through :class:`~hukou_scan.capture.source.CameraSource`:
8 MP BGR frames at a steady rate, a desk, pages placed, held still, removed, a hand
passing or resting on a page, a page swapped quickly, and it can be "unplugged".

Why hand-written: no library simulates a document camera.  Cost is the design
constraint: rendering a page and warping it onto an 8 MP desk takes about two
seconds, far too slow for a 25 fps preview.  So each sample page is rendered once
(module cache), each still scene ("page k lying on the desk") is composed once per
camera (small LRU), and a frame costs only a saturating add of one of two
pre-made sensor-noise layers plus, while a hand is in view, a masked copy of a
pre-made hand sprite over a small region.  That is a few milliseconds per frame at
8 MP on this machine.

Scripts (:class:`Step` lists) describe exactly what the camera shows, frame by
frame, so tests can assert the exact captures; without a script the camera loops a
realistic demo (place page, hold still, take it away, next page).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from hukou_scan.capture.grabber import downscale
from hukou_scan.capture.simulated.forms import (
    RenderedPage,
    render_blank_back,
    render_household_page,
    render_registration_form,
)
from hukou_scan.capture.simulated.scene import FRAME_8MP, compose_frame, empty_desk
from hukou_scan.capture.source import CameraInfo, Capabilities
from hukou_scan.domain.models import Quad
from hukou_scan.domain.sample import generate_households
from hukou_scan.errors import DeviceError

log = logging.getLogger(__name__)

SIMULATED_INFO = CameraInfo(id="simulated", name="模拟高拍仪 (Simulated document camera)", kind="simulated")

# What a step shows.  "page" = page lying still; "hand" = a hand sweeping over the
# scene (in and out); "hand_still" = a hand resting on the page's lower edge;
# "place" = a page being put down (hand withdrawing over the page, page settling).
STEP_KINDS = ("empty", "page", "hand", "hand_still", "place")


@dataclass(frozen=True)
class Step:
    """``frames`` consecutive frames of one kind; ``page`` indexes the sample pages (None = empty desk)."""

    kind: str
    frames: int
    page: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ValueError(f"unknown step kind {self.kind!r}")
        if self.kind in ("page", "place") and self.page is None:
            raise ValueError(f"step {self.kind!r} needs a page")


@dataclass(frozen=True)
class Truth:
    """What the last frame showed (ground truth for tests and benchmarks)."""

    index: int
    kind: str
    page: int | None
    quad: Quad | None
    hand: bool


# --- script helpers -----------------------------------------------------------------------
def place_page(page: int, *, fps: float = 25.0, settle_s: float = 0.6, still_s: float = 2.0) -> list[Step]:
    """A page put down (a hand withdrawing), then lying still for ``still_s``."""
    return [
        Step("place", max(2, round(settle_s * fps)), page),
        Step("page", max(1, round(still_s * fps)), page),
    ]


def remove_page(page: int, *, fps: float = 25.0, move_s: float = 0.5, empty_s: float = 1.0) -> list[Step]:
    """A hand takes the page away; the desk is empty for ``empty_s``."""
    return [Step("hand", max(2, round(move_s * fps)), page), Step("empty", max(1, round(empty_s * fps)))]


def demo_script(pages: int, *, fps: float = 25.0) -> list[Step]:
    """The looped demo: empty desk, then each page placed, held still, taken away."""
    steps = [Step("empty", round(fps))]
    for k in range(pages):
        steps += place_page(k, fps=fps, still_s=2.5)
        steps += remove_page(k, fps=fps)
    return steps


# --- page content ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _households() -> tuple[object, ...]:
    return tuple(generate_households(12))


@functools.lru_cache(maxsize=64)
def sample_page(index: int, dpi: int = 200) -> RenderedPage:
    """Sample page ``index`` (deterministic, cached): registration forms, household pages, a blank back.

    The order cycles through the fictional registry: the household page, then each
    member's 常住人口登记表; every seventh page is the blank back of the previous one.
    """
    households = _households()
    specs: list[tuple[int, int]] = []  # (household, member or -1 for the household page)
    for hi, h in enumerate(households):
        specs.append((hi, -1))
        specs.extend((hi, mi) for mi in range(len(h.members)))  # type: ignore[attr-defined]
    if index % 7 == 6:
        return render_blank_back(sample_page(index - 1, dpi), dpi=dpi, seed=index)
    hi, mi = specs[index % len(specs)]
    h = households[hi]
    if mi < 0:
        return render_household_page(list(h.members), h.household_no, h.address, dpi=dpi, seed=index)  # type: ignore[attr-defined]
    person = h.members[mi]  # type: ignore[attr-defined]
    return render_registration_form(person, h.head.name, dpi=dpi, seed=index, station=h.station)  # type: ignore[attr-defined]


# --- the camera --------------------------------------------------------------------------------
class SimulatedCamera:
    """A scripted or looping simulated document camera (implements ``CameraSource``).

    Args:
        script: the frames to show; ``None`` loops :func:`demo_script` forever.
        size: frame size (width, height); 8 MP by default, tests use small frames.
        fps: frame rate; with ``realtime`` ``read`` paces itself to it like a device.
        desk: desk texture (see ``scene.DESKS``).
        loop: repeat the script when it ends (otherwise ``read`` raises ``DeviceError``).
        seed: varies page placement.
    """

    def __init__(
        self,
        script: Sequence[Step] | None = None,
        *,
        size: tuple[int, int] = FRAME_8MP,
        fps: float = 25.0,
        realtime: bool = True,
        desk: str = "dark_wood",
        loop: bool | None = None,
        seed: int = 0,
        demo_pages: int = 24,
        info: CameraInfo = SIMULATED_INFO,
    ) -> None:
        self.info = info
        self.size = size
        self.fps = fps
        self.realtime = realtime
        self.desk = desk
        self.seed = seed
        self.script: list[Step] = list(script) if script is not None else demo_script(demo_pages, fps=fps)
        self.loop = (script is None) if loop is None else loop
        self._open = False
        self._unplugged = False
        self._lock = threading.Lock()
        self._scenes: OrderedDict[int | None, _Scene] = OrderedDict()
        self._small_noises: dict[tuple[int, int], np.ndarray] = {}
        self._small_hands: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._max_scenes = 4
        self._pos = 0  # step index
        self._in_step = 0  # frame within step
        self._index = 0
        self._next_t = 0.0
        self._noise: list[np.ndarray] = []
        self._hand_mask: np.ndarray | None = None
        self._hand_colour: np.ndarray | None = None
        self.last_truth: Truth | None = None
        self._prefetching: set[int] = set()
        h = size[1]
        self.page_dpi = max(50, round(200 * h / FRAME_8MP[1]))

    # CameraSource ---------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> Capabilities:
        if self._unplugged:
            raise DeviceError("模拟高拍仪未连接。", "The simulated camera is unplugged.")
        if self.finished:  # a played-out script stays "unplugged" (no flapping reconnects)
            raise DeviceError("模拟脚本已结束。", "The simulated camera's script has ended.")
        if not self._noise:
            rng = np.random.default_rng(self.seed + 7)
            w, h = self.size
            self._noise = [rng.integers(0, 5, (h, w, 3), dtype=np.uint8) for _ in range(2)]
            self._make_hand()
        # compose the scenes of the first steps now so the first frames are on time
        for st in self.script[:3]:
            self._scene(st.page)
        self._open = True
        self._next_t = time.monotonic()
        w, h = self.size
        return Capabilities(width=w, height=h, fps=self.fps, fourcc="SIM", requested=(w, h))

    def close(self) -> None:
        self._open = False

    def read(self) -> np.ndarray:
        return self.read_lazy().full()

    def read_lazy(self) -> _SimFrame:
        """The next frame, cheap to preview; the 8 MP pixels are composed only if ``full()`` is called."""
        if not self._open or self._unplugged:
            self._open = False
            raise DeviceError("高拍仪已断开。", "The camera was disconnected.")
        if self.realtime:
            now = time.monotonic()
            if self._next_t > now:
                time.sleep(self._next_t - now)
            self._next_t = max(self._next_t + 1.0 / self.fps, time.monotonic() - 1.0 / self.fps)
        with self._lock:
            step, k = self._advance()
            return self._frame(step, k)

    # test controls -----------------------------------------------------------------------------
    def unplug(self) -> None:
        """Simulate pulling the USB cable: reads fail until :meth:`replug`."""
        self._unplugged = True

    def replug(self) -> None:
        self._unplugged = False

    def prepare(self) -> None:
        """Compose every scene the script needs now (tests call this before timing anything)."""
        pages = sorted({st.page for st in self.script if st.page is not None})
        self._max_scenes = max(self._max_scenes, len(pages) + 1)
        for page in pages:
            self._scene(page)
        self._scene(None)

    def scene_image(self, page: int | None) -> np.ndarray:
        """The still scene showing ``page`` (``None`` = empty desk) without sensor noise; for tests."""
        return self._scene(page).image

    @property
    def finished(self) -> bool:
        return not self.loop and self._pos >= len(self.script)

    # internals -----------------------------------------------------------------------------------
    def _advance(self) -> tuple[Step, int]:
        while True:
            if self._pos >= len(self.script):
                if not self.loop:
                    raise DeviceError("模拟脚本已结束。", "The simulated camera's script has ended.")
                self._pos = 0
            st = self.script[self._pos]
            if self._in_step < st.frames:
                k = self._in_step
                self._in_step += 1
                if self._in_step == 1:
                    self._prefetch_ahead()
                return st, k
            self._pos += 1
            self._in_step = 0

    def _prefetch_ahead(self) -> None:
        """Compose the next page scene in the background so a looping demo never stalls."""
        ahead = [st.page for st in self.script[self._pos + 1 : self._pos + 4] if st.page is not None]
        if self.loop and self._pos + 4 > len(self.script):
            ahead += [st.page for st in self.script[:3] if st.page is not None]
        for page in ahead:
            if page not in self._scenes and page not in self._prefetching:
                self._prefetching.add(page)
                threading.Thread(
                    target=self._prefetch_one, args=(page,), name="sim-camera-prefetch", daemon=True
                ).start()

    def _prefetch_one(self, page: int) -> None:
        try:
            self._scene(page)
        finally:
            self._prefetching.discard(page)

    def _scene(self, page: int | None) -> _Scene:
        cached = self._scenes.get(page)
        if cached is not None:
            self._scenes.move_to_end(page)
            return cached
        if page is None:
            fr = empty_desk(self.desk, seed=self.seed, size=self.size, light=0.2)
        else:
            rendered = sample_page(page, self.page_dpi)
            fr = compose_frame(
                rendered.image,
                desk=self.desk,
                seed=self.seed,
                placement_seed=self.seed * 1000 + page,
                size=self.size,
                max_rotation=6.0,
                light=0.2,
            )
        scene = _Scene(fr.image, fr.quad)
        self._scenes[page] = scene
        while len(self._scenes) > self._max_scenes:
            self._scenes.popitem(last=False)
        log.debug("simulated camera composed scene for page %s", page)
        return scene

    def _make_hand(self) -> None:
        """A hand-and-forearm sprite (boolean mask) reaching in from the bottom edge."""
        w, h = self.size
        sw, sh = int(w * 0.22), int(h * 0.55)
        layer = np.zeros((sh, sw), np.uint8)
        palm_w = int(sw * 0.42)
        cx = sw // 2
        for i in range(4):
            x = int(cx + (i - 1.5) * palm_w * 0.42)
            cv2.line(
                layer, (x, int(sh * 0.45)), (x + (i - 2) * 6, int(sh * 0.06)), 255, max(3, int(palm_w * 0.2))
            )
        cv2.line(
            layer,
            (cx - palm_w // 2, int(sh * 0.55)),
            (cx - palm_w, int(sh * 0.35)),
            255,
            max(3, int(palm_w * 0.2)),
        )
        cv2.ellipse(layer, (cx, int(sh * 0.55)), (palm_w // 2, int(sh * 0.16)), 0, 0, 360, 255, -1)
        cv2.rectangle(layer, (cx - int(palm_w * 0.4), int(sh * 0.55)), (cx + int(palm_w * 0.4), sh), 255, -1)
        self._hand_mask = layer > 127
        # skin tone with soft shading, precomputed as a colour image of the sprite's size
        shade = np.linspace(0.85, 1.05, sw, dtype=np.float32)[None, :, None]
        skin = np.array([120, 150, 200], np.float32)[None, None, :] * shade
        self._hand_colour = np.broadcast_to(np.clip(skin, 0, 255).astype(np.uint8), (sh, sw, 3)).copy()

    def _hand_pos(self, step: Step, k: int, quad: Quad | None) -> tuple[int, int]:
        """Top-left of the hand sprite for frame ``k`` of ``step``."""
        w, h = self.size
        assert self._hand_mask is not None
        sh, sw = self._hand_mask.shape
        anchor_x = int(quad.bl[0] + (quad.br[0] - quad.bl[0]) * 0.35) if quad else w // 2
        anchor_x -= sw // 2
        deepest = int(h * 0.45)  # how far the fingertips reach up into the frame
        if step.kind == "hand_still":
            top = h - int(sh * 0.45)
        else:
            n = max(1, step.frames - 1)
            phase = k / n
            if step.kind == "place":  # hand withdrawing after putting the page down
                reach = 1.0 - phase
            else:  # sweep in and out
                reach = 1.0 - abs(2 * phase - 1)
            top = h - int((h - deepest) * reach) - 1
        drift = int(w * 0.04 * np.sin(k * 0.7)) if step.kind != "hand_still" else 0
        return anchor_x + drift, top

    def _frame(self, step: Step, k: int) -> _SimFrame:
        scene = self._scene(step.page)
        hand = step.kind in ("hand", "hand_still", "place")
        pos = self._hand_pos(step, k, scene.quad) if hand and self._hand_mask is not None else None
        self.last_truth = Truth(self._index, step.kind, step.page, scene.quad, hand)
        frame = _SimFrame(self, scene, self._index % 2, pos)
        self._index += 1
        return frame

    def _small_noise(self, k: int, i: int) -> np.ndarray:
        key = (k, i)
        n = self._small_noises.get(key)
        if n is None:
            full = self._noise[i]
            h, w = full.shape[:2]
            n = np.ascontiguousarray(full[: h - h % k : k, : w - w % k : k])
            self._small_noises[key] = n
        return n

    def _small_hand(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        hit = self._small_hands.get(k)
        if hit is None:
            assert self._hand_mask is not None and self._hand_colour is not None
            hit = (
                np.ascontiguousarray(self._hand_mask[::k, ::k]),
                np.ascontiguousarray(self._hand_colour[::k, ::k]),
            )
            self._small_hands[k] = hit
        return hit

    def _blit_hand(self, out: np.ndarray, x: int, y: int, k: int = 1) -> None:
        """Copy the hand sprite (reduced by ``k`` for previews) into ``out`` at (x, y) in its pixels."""
        if k == 1:
            assert self._hand_mask is not None and self._hand_colour is not None
            mask, colour = self._hand_mask, self._hand_colour
        else:
            mask, colour = self._small_hand(k)
        h, w = out.shape[:2]
        sh, sw = mask.shape
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(w, x + sw), min(h, y + sh)
        if x1 <= x0 or y1 <= y0:
            return
        m = mask[y0 - y : y1 - y, x0 - x : x1 - x]
        c = colour[y0 - y : y1 - y, x0 - x : x1 - x]
        np.copyto(out[y0:y1, x0:x1], c, where=m[..., None])


@dataclass
class _Scene:
    image: np.ndarray  # full resolution, composed once
    quad: Quad | None
    smalls: dict[int, np.ndarray] = field(default_factory=dict)  # reduced by an integer factor

    def small(self, k: int) -> np.ndarray:
        hit = self.smalls.get(k)
        if hit is None:
            hit = downscale(self.image, self.image.shape[1] // k)
            self.smalls[k] = hit
        return hit


class _SimFrame:
    """One simulated frame (a :class:`~hukou_scan.capture.source.LazyFrame`)."""

    def __init__(self, cam: SimulatedCamera, scene: _Scene, noise: int, hand: tuple[int, int] | None) -> None:
        self.cam = cam
        self.scene = scene
        self.noise = noise
        self.hand = hand
        self.size = (int(scene.image.shape[1]), int(scene.image.shape[0]))

    def full(self) -> np.ndarray:
        out = cv2.add(self.scene.image, self.cam._noise[self.noise])
        if self.hand is not None:
            self.cam._blit_hand(out, *self.hand)
        return np.asarray(out)

    def preview(self, width: int) -> np.ndarray:
        k = max(1, self.size[0] // max(1, width))
        small = self.scene.small(k)
        out = cv2.add(small, self.cam._small_noise(k, self.noise))
        if self.hand is not None:
            self.cam._blit_hand(out, self.hand[0] // k, self.hand[1] // k, k)
        return np.asarray(out)
