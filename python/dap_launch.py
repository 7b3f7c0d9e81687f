"""Data App Preview launcher: run an app script or module as __main__ with reloaders off.

Usage: python dap_launch.py [--debug HOST:PORT] [--alias NAME=FILE] --script FILE [ARGS...]
       python dap_launch.py [--debug HOST:PORT] [--alias NAME=FILE] --module NAME [ARGS...]

An app may turn its framework's reloader on from its own code: Dash's
``app.run(debug=True)`` forks Werkzeug's reloader, and ``Dash(backend="fastapi")`` with
``debug=True`` runs ``uvicorn --reload``. Each keeps a second interpreter alive across edits.
The extension restarts the whole process itself, so the launcher turns both off, whether the
module is already imported or is imported later (the warm standby calls disable_reloaders()
for the runs that go through this launcher cold). Nothing else is changed.

With --alias, importing NAME imports FILE: an app file whose own name is no module name
("app.v2.py", "-x.py", "my app.py") is handed to Flask, uvicorn or Shiny as NAME.

With --debug (Debug App), debugpy listens on HOST:PORT before any app code runs, prints
"\\0DAP-DEBUG-LISTENING {json}" on stdout, and waits until a debugger has attached and sent its
breakpoints (configurationDone). The run becomes a child subreaper first: debugpy's adapter
daemonizes (double fork), and would otherwise be reparented to init, outside the run's tree.
"""
import importlib.abc
import importlib.util
import json
import os
import runpy
import sys


def _forcing(owner, name, **forced):
    """Replaces owner.name with a wrapper that always passes the `forced` keyword arguments."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        kwargs.update(forced)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def _dash_fastapi(module):
    # With debug=True, Dash's FastAPI backend runs `python -m uvicorn … --reload` as a child.
    # Its run() inspects its caller's frame, so it is not wrapped: the child's command line is.
    real = module.subprocess

    class _Subprocess:
        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def Popen(args, *rest, **kwargs):
            if isinstance(args, (list, tuple)) and "uvicorn" in args:
                args = [a for a in args if a != "--reload"]
            return real.Popen(args, *rest, **kwargs)

    module.subprocess = _Subprocess()


GUARDS = {
    "werkzeug.serving": lambda serving: _forcing(serving, "run_simple", use_reloader=False),
    "dash.backends._fastapi": _dash_fastapi,
}


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then the guard; everything else is the real loader's."""

    def __init__(self, loader, guard):
        self._loader, self._guard = loader, guard

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._guard(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _GuardFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        guard = GUARDS.get(name)
        if guard is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, guard)
                return spec
        return None


_installed = False


def disable_reloaders():
    """Turns every known reloader off: now for imported modules, on import for the others."""
    global _installed
    if _installed:
        return
    _installed = True
    for name, guard in GUARDS.items():
        module = sys.modules.get(name)
        if module is not None:
            guard(module)
    sys.meta_path.insert(0, _GuardFinder())


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds one module name at one file path."""

    def __init__(self, name, path):
        self._name, self._path = name, os.path.abspath(path)

    def find_spec(self, name, path, target=None):
        if name != self._name:
            return None
        return importlib.util.spec_from_file_location(name, self._path)


def install_alias(name, path):
    """`import NAME` imports the file at `path` from now on."""
    sys.meta_path.insert(0, _AliasFinder(name, path))


DEBUG_SENTINEL = "\0DAP-DEBUG-LISTENING"
PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper():
    """Orphaned descendants (debugpy's daemonized adapter) are reparented to this process."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def start_debugging(address):
    """debugpy listens on "HOST:PORT"; returns once a debugger has attached and configured."""
    host, _, port = address.rpartition(":")
    extra = os.environ.get("DATA_APP_DEBUGPY_PATH")  # the Python Debugger extension's bundled copy
    if extra and extra not in sys.path:
        sys.path.insert(0, extra)
    try:
        import debugpy
    except ImportError as e:
        sys.stderr.write(f"Debug App: debugpy cannot be imported by {sys.executable} ({e}).\n"
                         f"Install it: {sys.executable} -m pip install debugpy\n")
        sys.stderr.flush()
        sys.exit(3)
    _become_subreaper()
    listening = debugpy.listen((host or "127.0.0.1", int(port)))
    sys.stdout.write(f"{DEBUG_SENTINEL} {json.dumps({'host': listening[0], 'port': listening[1], 'pid': os.getpid()})}\n")
    sys.stdout.flush()
    debugpy.wait_for_client()


def main(argv):
    debug = alias = None
    while len(argv) >= 2 and argv[0] in ("--debug", "--alias"):
        if argv[0] == "--debug":
            debug = argv[1]
        else:
            alias = argv[1].partition("=")
        argv = argv[2:]
    if len(argv) < 2 or argv[0] not in ("--script", "--module"):
        sys.stderr.write(__doc__)
        return 2
    kind, target, rest = argv[0], argv[1], argv[2:]
    disable_reloaders()
    if alias:
        install_alias(alias[0], alias[2])
    if debug:
        start_debugging(debug)
    if kind == "--script":
        sys.argv = [target, *rest]
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        runpy.run_path(target, run_name="__main__")
    else:
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
