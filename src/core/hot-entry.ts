// How each framework's server is started as a hot standby, ahead of the save. Streamlit runs
// the script only when a page connects, so its own command serves. Bokeh and Panel read and
// compile the app file when the server starts, which would be the version before the save: their
// hot server is given a small entry of ours, named like the app (its URL stays /<stem>), that
// reads and compiles the app file when the first page connects (then keeps it, as they do).
// No `vscode` import.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LaunchSpec } from './launch';

/** The variable that names the app file for the entry. */
export const HOT_FILE_VAR = 'DATA_APP_HOT_FILE';

/** The query of the one request that warms the framework's first-session code up (no app code). */
export const WARMUP_QUERY = '__dap_warmup=1';

/**
 * The entry (Python). It runs in each session's module, so what it keeps lives in sys.modules.
 * The warm-up request gets a document of ours (Panel's or Bokeh's own widgets, no app code), so
 * that the first real page does not pay for the framework's first session in this process.
 */
export const HOT_ENTRY = `# Data App Preview: the hot standby's entry. It reads the app file when the first page connects.
import os as _dap_os, sys as _dap_sys, types as _dap_types
from bokeh.io import curdoc as _dap_curdoc
_dap_context = _dap_curdoc().session_context
_dap_request = _dap_context.request if _dap_context else None
if _dap_request is not None and "${WARMUP_QUERY.split('=')[0]}" in (_dap_request.arguments or {}):
    if "panel" in _dap_sys.modules:
        import panel as _dap_pn
        _dap_pn.Column(_dap_pn.pane.Markdown("# warming up"), _dap_pn.widgets.IntSlider(name="n")).servable()
    else:
        from bokeh.models import Div as _dap_Div
        _dap_curdoc().add_root(_dap_Div(text="warming up"))
else:
    _dap_kept = _dap_sys.modules.setdefault("_data_app_preview_hot", _dap_types.ModuleType("_data_app_preview_hot"))
    if not hasattr(_dap_kept, "code"):
        _dap_kept.file = _dap_os.environ["${HOT_FILE_VAR}"]
        _dap_sys.path.insert(0, _dap_os.path.dirname(_dap_kept.file))
        with open(_dap_kept.file, encoding="utf-8") as _dap_f:
            _dap_kept.code = compile(_dap_f.read(), _dap_kept.file, "exec")
    __file__ = _dap_kept.file
    _dap_sys.argv = [_dap_kept.file]
    exec(_dap_kept.code, globals())
`;

/** The request that warms a hot Bokeh or Panel server up before it takes over (its entry serves it without app code). */
export function hotWarmupPath(spec: LaunchSpec): string | undefined {
  return spec.framework === 'panel' || spec.framework === 'bokeh' ? `${spec.urlPath}?${WARMUP_QUERY}` : undefined;
}

/** A route of the framework's server that answers without running app code, when it can be kept hot. */
export function hotProbePath(spec: LaunchSpec): string | undefined {
  if (spec.python?.debug) return undefined;
  if (spec.framework === 'streamlit') return '/_stcore/health';
  if ((spec.framework === 'panel' || spec.framework === 'bokeh') && spec.args.includes('serve') && spec.python?.module === spec.framework) return '/static/js/bokeh.min.js';
  return undefined;
}

/**
 * The hot standby's launch for `spec` (with the variables it adds), and a cleanup for what it
 * wrote. Bokeh and Panel serve the entry (in a folder of its own, named like the app file)
 * instead of the app file.
 */
export function hotLaunch(spec: LaunchSpec): { spec: LaunchSpec; env: Record<string, string>; cleanup: () => void } {
  const appFile = spec.python?.argv[0] === 'serve' ? spec.python.argv[1] : undefined;
  if ((spec.framework !== 'panel' && spec.framework !== 'bokeh') || !appFile) return { spec, env: {}, cleanup: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-hot-'));
  const entry = path.join(dir, path.basename(appFile));
  fs.writeFileSync(entry, HOT_ENTRY);
  const at = spec.args.indexOf(appFile);
  // --args (last) names the app file on the command line, as ps and the Ports view show it.
  const args = at >= 0 ? [...spec.args.slice(0, at), entry, ...spec.args.slice(at + 1), '--args', appFile] : [...spec.args];
  return { spec: { ...spec, args }, env: { [HOT_FILE_VAR]: appFile }, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
