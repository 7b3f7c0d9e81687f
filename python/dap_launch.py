"""Data App Preview launcher: run an app script or module as __main__ with reloaders off.

Usage: python dap_launch.py --script FILE [ARGS...]
       python dap_launch.py --module NAME [ARGS...]

Dash's ``app.run(debug=True)`` would fork Werkzeug's reloader, which keeps a second
interpreter alive across edits. The extension restarts the whole process itself, so the
launcher forces ``use_reloader=False`` before the app runs. Nothing else is changed.
"""
import os
import runpy
import sys


def _force_werkzeug_reloader_off():
    try:
        import werkzeug.serving as serving
    except ImportError:
        return
    original = serving.run_simple

    def run_simple(*args, **kwargs):
        kwargs["use_reloader"] = False
        return original(*args, **kwargs)

    serving.run_simple = run_simple


def main(argv):
    if len(argv) < 2 or argv[0] not in ("--script", "--module"):
        sys.stderr.write(__doc__)
        return 2
    kind, target, rest = argv[0], argv[1], argv[2:]
    _force_werkzeug_reloader_off()
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
