"""The one place an OpenGL context is made: headless EGL, no X server.

Mesa's llvmpipe serves it on machines without a GPU; on a GPU server the NVIDIA EGL device is used.
``GLRENDER_EGL_DEVICE`` picks an EGL device by index when a machine has several.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import moderngl

from glrender.errors import GLUnavailableError
from glrender.gpu import preload

_lock = threading.Lock()


def _egl_hint() -> str:
    import ctypes.util  # only on failure: it imports shutil and friends (3 ms of every cold start)

    if ctypes.util.find_library("EGL") is None:
        return (
            "libEGL.so.1 was not found; install Mesa's EGL (Debian/Ubuntu: "
            "apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri) or your GPU vendor's EGL driver"
        )
    return "libEGL is present but no EGL device could be initialised (check the driver / GLRENDER_EGL_DEVICE)"


def create_gl_context() -> moderngl.Context:
    """A standalone OpenGL 3.3+ core context on EGL. Raises GLUnavailableError with the reason."""
    settings: dict[str, Any] = {"standalone": True, "backend": "egl", "require": 330}
    dev = os.environ.get("GLRENDER_EGL_DEVICE")
    if dev:
        try:
            settings["device_index"] = int(dev)
        except ValueError as exc:
            raise GLUnavailableError(f"GLRENDER_EGL_DEVICE must be an integer, got {dev!r}") from exc
    # Mesa must not try to talk to an X server or Wayland compositor.
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    with _lock:
        preload.wait()  # a display being initialised in the background is the one opened below
        try:
            # The sonames every Linux EGL (Mesa, NVIDIA through libglvnd) installs: naming them saves
            # glcontext's find_library, which runs ldconfig in a subprocess on each cold start.
            return moderngl.create_context(**{**settings, "libgl": "libGL.so.1", "libegl": "libEGL.so.1"})
        except Exception:  # noqa: BLE001 - retried with the libraries glcontext finds itself
            pass
        try:
            return moderngl.create_context(**settings)
        except Exception as exc:  # moderngl raises plain Exception subclasses for EGL failures
            raise GLUnavailableError(f"cannot create an OpenGL context: {exc}; {_egl_hint()}") from exc


_flush_fn: Any = None


def flush() -> None:
    """glFlush on the current context: hand the queued draws to the driver now. llvmpipe then
    rasterizes them on its own threads while Python goes on (label placement), instead of all at the
    read-back. moderngl has no flush of its own; without a GL library to call it does nothing."""
    global _flush_fn
    if _flush_fn is None:
        import ctypes

        _flush_fn = False
        for name in ("libGL.so.1", "libOpenGL.so.0"):
            try:
                _flush_fn = ctypes.CDLL(name).glFlush
                _flush_fn.restype = None
                _flush_fn.argtypes = []
                break
            except (OSError, AttributeError):
                continue
    if _flush_fn:
        _flush_fn()
