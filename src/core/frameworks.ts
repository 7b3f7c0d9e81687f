// Framework identities and detection from a file's name and text. No `vscode` import.

export const FRAMEWORK_IDS = ['panel', 'bokeh', 'streamlit', 'shiny', 'dash', 'gradio', 'flask', 'fastapi', 'voila', 'solara', 'observable', 'script', 'custom'] as const;

export type FrameworkId = (typeof FRAMEWORK_IDS)[number];

export interface FrameworkInfo {
  readonly id: FrameworkId;
  readonly label: string;
  /** The Python module that must be importable for the launch to work (undefined: not Python). */
  readonly pythonModule?: string;
  /** Its page follows a restart by itself (Streamlit: it reconnects, and the front proxy's script asks it to rerun). */
  readonly pageFollows?: boolean;
  /** What to tell the user to install when `pythonModule` is missing. */
  readonly pipPackage?: string;
}

export const FRAMEWORKS: Readonly<Record<FrameworkId, FrameworkInfo>> = {
  panel: { id: 'panel', label: 'Panel', pythonModule: 'panel', pipPackage: 'panel' },
  bokeh: { id: 'bokeh', label: 'Bokeh server', pythonModule: 'bokeh', pipPackage: 'bokeh' },
  streamlit: { id: 'streamlit', label: 'Streamlit', pythonModule: 'streamlit', pipPackage: 'streamlit', pageFollows: true },
  shiny: { id: 'shiny', label: 'Shiny for Python', pythonModule: 'shiny', pipPackage: 'shiny' },
  dash: { id: 'dash', label: 'Dash', pythonModule: 'dash', pipPackage: 'dash' },
  gradio: { id: 'gradio', label: 'Gradio', pythonModule: 'gradio', pipPackage: 'gradio' },
  flask: { id: 'flask', label: 'Flask', pythonModule: 'flask', pipPackage: 'flask' },
  fastapi: { id: 'fastapi', label: 'FastAPI / Starlette (uvicorn)', pythonModule: 'uvicorn', pipPackage: 'uvicorn' },
  voila: { id: 'voila', label: 'Voilà', pythonModule: 'voila', pipPackage: 'voila' },
  solara: { id: 'solara', label: 'Solara', pythonModule: 'solara', pipPackage: 'solara' },
  observable: { id: 'observable', label: 'Observable Framework' },
  script: { id: 'script', label: 'Python server' },
  custom: { id: 'custom', label: 'Custom command' },
};

export function isFrameworkId(value: unknown): value is FrameworkId {
  return typeof value === 'string' && (FRAMEWORK_IDS as readonly string[]).includes(value);
}

export interface DetectInput {
  /** Absolute path of the file to preview. */
  readonly filePath: string;
  /** The file's text (for notebooks: the raw JSON is fine). */
  readonly text: string;
  /** Whether an Observable Framework config file sits in the file's folder or an ancestor within the workspace. */
  readonly observableRoot?: string | undefined;
}

export interface Detection {
  readonly framework: FrameworkId;
  /** Why: shown in the log and in the quick pick. */
  readonly reason: string;
}

/** Top-level modules a Python source imports, in order of first appearance. */
export function pythonImports(text: string): string[] {
  return [...new Set(pythonImportPaths(text).map((m) => m.split('.')[0]!))];
}

/** Full module paths a Python source imports (`import a.b`, `from a.b import c` → a.b). */
export function pythonImportPaths(text: string): string[] {
  const found = new Set<string>();
  const re = /^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([^\n#;]+))/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const names = m[1] ? [m[1]] : m[2]!.split(',').map((p) => p.trim().split(/\s+/)[0] ?? '');
    for (const n of names) if (/^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*$/.test(n)) found.add(n);
  }
  return [...found];
}

/**
 * Ordered rules: the first match wins. The order matters because frameworks build on each
 * other (a Panel app imports bokeh, a Dash app imports flask, Solara imports ipywidgets).
 */
const RULES: ReadonlyArray<{ framework: FrameworkId; modules: readonly string[]; also?: RegExp }> = [
  { framework: 'streamlit', modules: ['streamlit'] },
  { framework: 'panel', modules: ['panel'] },
  { framework: 'solara', modules: ['solara'] },
  { framework: 'gradio', modules: ['gradio'] },
  { framework: 'shiny', modules: ['shiny'] },
  { framework: 'dash', modules: ['dash'] },
  { framework: 'bokeh', modules: ['bokeh'], also: /\bcurdoc\s*\(/ },
  { framework: 'fastapi', modules: ['fastapi', 'starlette'] },
  { framework: 'flask', modules: ['flask'] },
  { framework: 'script', modules: ['http', 'tornado', 'aiohttp', 'socketserver', 'wsgiref'] },
];

export function detectFramework(input: DetectInput): Detection | undefined {
  const lower = input.filePath.toLowerCase();
  if (input.observableRoot && /\.(md|js|ts|jsx|tsx)$/.test(lower)) {
    return { framework: 'observable', reason: `observablehq.config found in ${input.observableRoot}` };
  }
  if (lower.endsWith('.ipynb')) {
    return { framework: 'voila', reason: 'a Jupyter notebook is served with Voilà' };
  }
  if (!lower.endsWith('.py')) return undefined;
  const imports = pythonImports(input.text);
  for (const rule of RULES) {
    const hit = rule.modules.find((m) => imports.includes(m));
    if (hit && (!rule.also || rule.also.test(input.text))) {
      return { framework: rule.framework, reason: `imports ${hit}` };
    }
  }
  // Conventional names as a last hint.
  const base = lower.split(/[\\/]/).pop() ?? '';
  if (base === 'streamlit_app.py') return { framework: 'streamlit', reason: 'file name streamlit_app.py' };
  return undefined;
}

/** The variable holding the ASGI app in a FastAPI/Starlette module (`app = FastAPI()`), default `app`. */
export function asgiAppVariable(text: string): string {
  const m = /^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:fastapi\.)?(?:FastAPI|Starlette)\s*\(/m.exec(text);
  return m?.[1] ?? 'app';
}
