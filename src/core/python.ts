// Choosing the Python interpreter and checking that a framework is installed in it.
// No `vscode` import.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InterpreterChoice {
  readonly path: string;
  readonly source: 'python-extension' | 'setting' | 'PATH';
}

export class NoInterpreterError extends Error {
  override readonly name = 'NoInterpreterError';
  constructor(detail: string) {
    super(
      `No Python interpreter was found${detail ? ` (${detail})` : ''}. Select one with "Python: Select Interpreter", ` +
        `or set "dataAppPreview.pythonPath" to a Python executable.`,
    );
  }
}

/** Finds an executable by name on a PATH string. */
export function findOnPath(name: string, pathEnv: string | undefined, platform = process.platform): string | undefined {
  const exts = platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        const st = fs.statSync(candidate);
        if (st.isFile()) {
          if (platform !== 'win32') fs.accessSync(candidate, fs.constants.X_OK);
          return candidate;
        }
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * The interpreter, in order: the Python extension's choice for the file, this extension's
 * setting, then python3/python on PATH.
 */
export function chooseInterpreter(input: {
  fromPythonExtension?: string | undefined;
  setting?: string | undefined;
  pathEnv: string | undefined;
  platform?: NodeJS.Platform;
}): InterpreterChoice {
  if (input.fromPythonExtension) return { path: input.fromPythonExtension, source: 'python-extension' };
  const setting = input.setting?.trim();
  if (setting) {
    const found = path.isAbsolute(setting) ? (fs.existsSync(setting) ? setting : undefined) : findOnPath(setting, input.pathEnv, input.platform);
    if (!found) throw new NoInterpreterError(`"dataAppPreview.pythonPath" is "${setting}", which does not exist`);
    return { path: found, source: 'setting' };
  }
  for (const name of ['python3', 'python']) {
    const found = findOnPath(name, input.pathEnv, input.platform);
    if (found) return { path: found, source: 'PATH' };
  }
  throw new NoInterpreterError('none of python3 or python is on PATH');
}

export class ModuleMissingError extends Error {
  override readonly name = 'ModuleMissingError';
  /** The install as a command line for the user's shell (shown, copied); quoted so that nothing in the path is run. */
  readonly installCommand: string;
  /** The install as an argument array: run without any shell (Install in Terminal). */
  readonly installArgs: readonly string[];
  constructor(
    readonly module: string,
    readonly pipPackage: string,
    readonly python: string,
    label: string,
  ) {
    const args = ['-m', 'pip', 'install', pipPackage];
    const cmd = [python, ...args].map((a) => quoteForShell(a)).join(' ');
    super(`${label} is not installed for ${python} (no module "${module}").`);
    this.installCommand = cmd;
    this.installArgs = args;
  }
}

/**
 * One argument quoted for the shell the user pastes it into: POSIX single quotes (nothing
 * inside is expanded: no `$(…)`, no backquotes); on Windows double quotes, with `"` doubled.
 */
export function quoteForShell(arg: string, platform: NodeJS.Platform = process.platform): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (platform === 'win32') return `"${arg.replace(/"/g, '""')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `python -c` to see whether `module` can be imported (without importing it). */
export function hasModule(python: string, module: string, env: NodeJS.ProcessEnv, cwd: string): Promise<boolean> {
  const code = `import importlib.util,sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 3)`;
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', code], { env, cwd, timeout: 20_000, windowsHide: true }, (err) => {
      if (!err) return resolve(true);
      const code = (err as { code?: number | string }).code;
      if (code === 3) return resolve(false);
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'EACCES') return reject(new NoInterpreterError(`could not run ${python}: ${e.code}`));
      reject(new Error(`Could not check for module "${module}" with ${python}: ${err.message}`));
    });
  });
}

/** The package that provides `module` on PyPI, where the names differ. */
const PIP_NAMES: Readonly<Record<string, string>> = {
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  cv2: 'opencv-python',
  PIL: 'pillow',
  yaml: 'pyyaml',
  bs4: 'beautifulsoup4',
  dotenv: 'python-dotenv',
  dateutil: 'python-dateutil',
  jose: 'python-jose',
  docx: 'python-docx',
  attr: 'attrs',
  serial: 'pyserial',
  Crypto: 'pycryptodome',
};

export function pipPackageFor(module: string): string {
  const top = module.split('.')[0]!;
  return PIP_NAMES[top] ?? top;
}

/** How pip may install into an interpreter. */
export interface InterpreterKind {
  /** A virtual environment (venv, virtualenv) or a conda environment: pip installs into it. */
  readonly isEnvironment: boolean;
  /** PEP 668: the system's package manager owns it; pip refuses to install into it. */
  readonly externallyManaged: boolean;
}

const KIND_SCRIPT = [
  'import json,os,sys,sysconfig',
  'env = sys.prefix != sys.base_prefix or os.path.isdir(os.path.join(sys.prefix, "conda-meta"))',
  'managed = os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))',
  'print(json.dumps({"env": env, "managed": managed}))',
].join('\n');

/** Asks the interpreter what it is (a few tens of ms). */
export function interpreterKind(python: string): Promise<InterpreterKind> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', KIND_SCRIPT], { timeout: 20_000, windowsHide: true }, (err, stdout) => {
      if (err) return reject(new Error(`Could not ask ${python} what it is: ${err.message}`));
      try {
        const v = JSON.parse(stdout) as { env: boolean; managed: boolean };
        resolve({ isEnvironment: !!v.env, externallyManaged: !v.env && !!v.managed });
      } catch {
        reject(new Error(`${python} gave an unexpected answer: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** The pip install of `pkg` for `python`, or why there is none (an externally managed interpreter). */
export function installPlan(python: string, pkg: string, kind: InterpreterKind): { args: string[]; command: string } | { refused: string } {
  if (kind.externallyManaged && !kind.isEnvironment) {
    return {
      refused:
        `${python} is managed by the system (PEP 668): pip does not install into it. ` +
        'Create a virtual environment for this folder (Python: Create Environment, or python3 -m venv .venv), select it, and install there.',
    };
  }
  const args = ['-m', 'pip', 'install', pkg];
  return { args, command: [python, ...args].map((a) => quoteForShell(a)).join(' ') };
}
