// What a warm standby pre-imports for an app. No `vscode` import.
import type { FrameworkId } from './frameworks';
import { pythonImportPaths } from './frameworks';

/** The framework's own modules that its CLI imports before serving. */
export const FRAMEWORK_PRELOAD: Readonly<Record<FrameworkId, readonly string[]>> = {
  panel: ['panel', 'panel.command', 'bokeh.server.server'],
  bokeh: ['bokeh', 'bokeh.__main__', 'bokeh.server.server'],
  streamlit: ['streamlit', 'streamlit.web.cli', 'streamlit.web.bootstrap'],
  shiny: ['shiny', 'shiny._main', 'uvicorn'],
  dash: ['dash', 'flask', 'werkzeug.serving'],
  gradio: ['gradio'],
  flask: ['flask', 'flask.cli'],
  fastapi: ['uvicorn', 'uvicorn.main', 'fastapi', 'starlette'],
  voila: ['voila.app'],
  solara: ['solara', 'solara.__main__'],
  observable: [],
  script: [],
  custom: [],
};

/** Modules a package loads lazily on first use, which an app pays for on its first request. */
export const LAZY_COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  matplotlib: ['matplotlib.backends.backend_agg'],
  'matplotlib.pyplot': ['matplotlib.backends.backend_agg'],
  pandas: ['pandas.io.formats.format'],
};

/**
 * Framework modules first, then every module path the app file imports. The standby itself
 * skips any whose top-level package resolves inside the workspace (the app's own modules).
 */
export function preloadModules(framework: FrameworkId, appText: string): string[] {
  const own = pythonImportPaths(appText);
  const companions = own.flatMap((m) => LAZY_COMPANIONS[m] ?? []);
  return [...new Set([...FRAMEWORK_PRELOAD[framework], ...own, ...companions])].filter((m) => m !== '__main__');
}
