"""Load the EGL driver on a background thread while Python is still importing and parsing.

Initialising an EGL display loads and sets up the whole GL driver: Mesa's llvmpipe takes about 25 ms
of a cold process, about half of making the context. That work is C code, and ctypes releases the
GIL around foreign calls, so a thread can do it while the main thread imports glrender and parses
the style. The display initialised here is the one glcontext opens later for a standalone context:
the EGL device at ``GLRENDER_EGL_DEVICE`` (default 0) on the device platform, no attributes. EGL
hands out one display per device and leaves it initialised, so ``create_gl_context`` then only makes
the context.

Every failure is silent: ``create_gl_context`` reports a missing or broken EGL with its own clear
error. ``GLRENDER_PRELOAD=0`` turns the thread off. Only plain ctypes is used here (no moderngl),
so importing this module costs next to nothing.
"""

from __future__ import annotations

import atexit
import os
import threading

_EGL_PLATFORM_DEVICE_EXT = 0x313F

_thread: threading.Thread | None = None
_lock = threading.Lock()
# What the thread did, for tests and diagnostics: "off", "running", "ready" or "failed: <reason>".
status = "off"


def _initialise_display(device_index: int) -> str:
    import ctypes

    try:
        egl = ctypes.CDLL("libEGL.so.1")
        ctypes.CDLL("libGL.so.1")  # glcontext opens it too; loading it here is part of the same cost
    except OSError as exc:
        return f"failed: {exc}"
    vp = ctypes.c_void_p
    get_proc = egl.eglGetProcAddress
    get_proc.restype = vp
    get_proc.argtypes = [ctypes.c_char_p]
    query_addr = get_proc(b"eglQueryDevicesEXT")
    display_addr = get_proc(b"eglGetPlatformDisplayEXT")
    if not query_addr or not display_addr:
        return "failed: EGL has no device enumeration"
    query_devices = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_int, ctypes.POINTER(vp),
                                     ctypes.POINTER(ctypes.c_int))(query_addr)
    platform_display = ctypes.CFUNCTYPE(vp, ctypes.c_uint, vp, vp)(display_addr)
    devices = (vp * 16)()
    count = ctypes.c_int(0)
    if not query_devices(16, devices, ctypes.byref(count)) or not 0 <= device_index < count.value:
        return f"failed: no EGL device {device_index}"
    display = platform_display(_EGL_PLATFORM_DEVICE_EXT, devices[device_index], None)
    if not display:
        return "failed: no EGL display"
    initialise = egl.eglInitialize
    initialise.restype = ctypes.c_uint
    initialise.argtypes = [vp, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
    major, minor = ctypes.c_int(0), ctypes.c_int(0)
    if not initialise(display, ctypes.byref(major), ctypes.byref(minor)):
        return "failed: eglInitialize"
    return "ready"


def _run(device_index: int) -> None:
    global status
    try:
        status = _initialise_display(device_index)
    except Exception as exc:  # noqa: BLE001 - a preload never fails anything; the real create reports
        status = f"failed: {exc}"


def start() -> None:
    """Begin initialising the EGL display in the background (once per process)."""
    global _thread, status
    if os.environ.get("GLRENDER_PRELOAD", "1") == "0":
        return
    try:
        device_index = int(os.environ.get("GLRENDER_EGL_DEVICE") or 0)
    except ValueError:
        return  # create_gl_context names the bad value
    with _lock:
        if _thread is not None:
            return
        # Mesa must not look for an X server or Wayland compositor (as in create_gl_context).
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        status = "running"
        _thread = threading.Thread(target=_run, args=(device_index,), name="glrender-egl-preload",
                                   daemon=True)
        _thread.start()
        # A process that exits at once must not tear the driver down under the thread's feet.
        atexit.register(wait)


def wait() -> None:
    """Block until the background initialisation (if any) has finished."""
    t = _thread
    if t is not None and t is not threading.current_thread():
        t.join()
