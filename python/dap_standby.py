"""Data App Preview warm standby: an interpreter that has already imported the heavy modules
an app needs, waiting to become the app's next run.

Usage: DATA_APP_STANDBY_SPEC=PRELOAD_JSON python -u dap_standby.py --for APP_NAME
       python -u dap_standby.py PRELOAD_JSON
  PRELOAD_JSON = {"modules": [...], "workspace": "/abs/folder"}
  (APP_NAME only names the app on the command line, for ps and the Ports view.)

1. Imports each top-level module in "modules" that resolves outside the workspace
   (third-party and standard library). It never imports a workspace module, never runs app
   code and starts no thread or event loop of its own.
2. Prints one line "\\0DAP-STANDBY-READY <json>" with what it imported and the files behind them.
3. Waits for one line on stdin: {"mode": "module"|"script", "target": ..., "argv": [...],
   "cwd": ..., "env": {...}, "reloaders_off": bool, "debug": "HOST:PORT"?}. EOF (the editor went away) exits.
4. If a file behind a pre-imported module changed since it was imported, it prints
   "\\0DAP-STANDBY-STALE <file>" and exits 75: the editor then starts the run cold.
   Otherwise it prints "\\0DAP-STANDBY-GO", takes the run's environment, directory and
   arguments, turns framework reloaders off where the cold run would (dap_launch.py; "go" says
   "reloaders_off"), starts debugpy and waits for the debugger when "go" has "debug" (Debug
   App, as the cold run does: dap_launch.start_debugging), and runs the framework's CLI as
   `python -m` (or the script) would. A standby may have pre-imported debugpy; importing it
   starts no thread (a test counts them), listening does, and only after "go".
"""
import importlib
import importlib.util
import json
import os
import runpy
import site
import sys

SENTINEL = "\0DAP-STANDBY-"


def _inside(path, folder):
    try:
        return os.path.commonpath([os.path.realpath(path), os.path.realpath(folder)]) == os.path.realpath(folder)
    except ValueError:
        return False


def _interpreter_dirs():
    dirs = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    try:
        dirs.update(site.getsitepackages())
        dirs.add(site.getusersitepackages())
    except AttributeError:
        pass
    return [d for d in dirs if d]


INTERPRETER_DIRS = _interpreter_dirs()


def _workspace_code(path, workspace):
    """Inside the workspace and not part of the interpreter (a .venv in the workspace is not app code)."""
    return _inside(path, workspace) and not any(_inside(path, d) for d in INTERPRETER_DIRS)


def _resolves_outside(name, workspace):
    """Whether `name` is importable and lives outside the workspace (found without importing it)."""
    saved = list(sys.path)
    try:
        sys.path.insert(0, workspace)  # a workspace module shadowing the name must be seen
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    finally:
        sys.path[:] = saved
    if spec is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    locations = [loc for loc in [spec.origin, *(spec.submodule_search_locations or [])] if loc]
    return not any(_workspace_code(loc, workspace) for loc in locations)


def _module_files():
    files = {}
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if f and f not in files:
            try:
                files[f] = os.stat(f).st_mtime_ns
            except OSError:
                pass
    return files


def _preload(spec):
    workspace = os.path.realpath(spec.get("workspace") or os.getcwd())
    # Neither our own folder nor the workspace is on the path while preloading.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p not in ("", here) and not _workspace_code(p, workspace)]
    imported, skipped, failed = [], [], {}
    for name in spec.get("modules", []):
        # Decide on the top-level package: finding a dotted name imports its parents.
        if not _resolves_outside(name.split(".")[0], workspace):
            skipped.append(name)
            continue
        try:
            importlib.import_module(name)
            imported.append(name)
        except BaseException as e:  # a broken package must not kill the standby
            failed[name] = f"{type(e).__name__}: {e}"
    return imported, skipped, failed


def _stale(files):
    for f, mtime in files.items():
        try:
            if os.stat(f).st_mtime_ns != mtime:
                return f
        except OSError:
            return f
    return None


def _launcher():
    """python/dap_launch.py beside this file (not on sys.path: it is loaded by its path)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dap_launch.py")
    spec = importlib.util.spec_from_file_location("dap_launch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    raw = os.environ.pop("DATA_APP_STANDBY_SPEC", None)
    if raw is None and argv and argv[0].startswith("{"):
        raw = argv[0]
    spec = json.loads(raw) if raw else {}
    imported, skipped, failed = _preload(spec)
    files = _module_files()
    ready = {"pid": os.getpid(), "imported": imported, "skipped": skipped, "failed": failed, "files": len(files)}
    sys.stdout.write(f"{SENTINEL}READY {json.dumps(ready)}\n")
    sys.stdout.flush()

    line = sys.stdin.readline()
    if not line:
        return 0  # the editor is gone
    go = json.loads(line)
    changed = _stale(files)
    if changed:
        sys.stdout.write(f"{SENTINEL}STALE {changed}\n")
        sys.stdout.flush()
        return 75
    sys.stdout.write(f"{SENTINEL}GO\n")
    sys.stdout.flush()

    os.environ.clear()
    os.environ.update(go["env"])
    # fsspec reads FSSPEC_* variables (e.g. FSSPEC_ABFS_ACCOUNT_HOST) when it is imported,
    # which in a standby was before this run's environment existed: read them again.
    fsspec_config = sys.modules.get("fsspec.config")
    if fsspec_config is not None:
        fsspec_config.set_conf_env(fsspec_config.conf)
    os.chdir(go["cwd"])
    sys.stdin = open(os.devnull)  # like the cold launch: no stdin for the app
    if go.get("reloaders_off") or go.get("debug") or go.get("alias"):  # the cold run goes through dap_launch.py: so does this one
        launcher = _launcher()
        if go.get("reloaders_off"):
            launcher.disable_reloaders()
        if go.get("alias"):
            launcher.install_alias(go["alias"]["name"], go["alias"]["file"])
        if go.get("debug"):
            launcher.start_debugging(go["debug"])
    target, rest = go["target"], list(go.get("argv", []))
    if go["mode"] == "module":
        sys.path.insert(0, os.getcwd())  # as `python -m` does
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))  # as `python FILE` does
        sys.argv = [target, *rest]
        runpy.run_path(target, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
