// Launch profiles: the exact command each framework runs, with its own reloader always off.
// No `vscode` import.
import * as path from 'node:path';
import { asgiAppVariable, type FrameworkId } from './frameworks';
import { parseCustomCommand, type PlaceholderValues } from './placeholders';
import { APP_ALIAS, checkRoutableStem, importableStem, observablePage } from './app-names';
import { forwardedPrefix, voilaTornadoSettings, websocketOriginArgs } from './origins';
import { preloadModules } from './preload';

export { APP_ALIAS, FileNameError, importableStem } from './app-names';
export { forwardedPrefix, voilaTornadoSettings } from './origins';

export interface LaunchContext {
  readonly framework: FrameworkId;
  readonly filePath: string;
  /** Source text (FastAPI: finds the app variable). */
  readonly text: string;
  /** The Python interpreter (absolute path or a name on PATH). */
  readonly python: string;
  readonly host: string;
  readonly port: number;
  readonly workspaceFolder: string;
  /**
   * Origins (`scheme://host:port`) other than the loopback one that the browser may load the app
   * from (port forwarding: code-server's /proxy/, Codespaces, Remote-SSH). Frameworks that check a
   * websocket's Origin are told to accept them.
   */
  readonly extraOrigins?: readonly string[];
  /**
   * The path that a forwarding proxy puts before the app's own paths in the browser's URL
   * (code-server: `/proxy/<port>/`, which it strips again), when there is one.
   */
  readonly forwardedPath?: string;
  /** Observable Framework project root (folder holding observablehq.config.*). */
  readonly observableRoot?: string | undefined;
  /** Custom command (string or argv) with placeholders. */
  readonly customCommand?: string | readonly string[];
  /** URL path for custom commands and script servers. */
  readonly urlPath?: string;
  /** Absolute path of the extension's Python launcher (`python/dap_launch.py`). */
  readonly launcherPath: string;
  /** The platform the command runs on (default: this one). */
  readonly platform?: NodeJS.Platform;
}

/**
 * What the supervisor starts. `python` describes the run for launch strategies that run the
 * framework's CLI in-process (the warm standby); cold launches just spawn
 * `command` + `args`.
 */
export interface LaunchSpec {
  readonly framework: FrameworkId;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Variables added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Path of the page to show, starting with `/`. */
  readonly urlPath: string;
  /** Path whose answer means "ready", when it is not `urlPath` (Debug App: one that runs no app code). */
  readonly readyPath?: string;
  readonly python?: {
    readonly module?: string;
    readonly script?: string;
    readonly argv: readonly string[];
    /** What a warm standby pre-imports for this run (framework modules + the app's imports). */
    readonly preload: readonly string[];
    /** The cold run goes through dap_launch.py, which turns reloaders the app asks for off; a warm run must too. */
    readonly reloadersOff?: true;
    /** Debug App: debugpy listens on this `host:port` and waits for the debugger before app code runs. */
    readonly debug?: string;
    /** The app file is imported under this module name (its own name cannot be imported: see APP_ALIAS). */
    readonly alias?: { readonly name: string; readonly file: string };
  };
}

/** The launcher's arguments for a Python run: `[launcher, --debug …, --alias …, --module|--script …, argv…]`. */
export function launcherArgs(launcherPath: string, py: NonNullable<LaunchSpec['python']>, debug?: string): string[] {
  return [
    launcherPath,
    ...(debug ? ['--debug', debug] : []),
    ...(py.alias ? ['--alias', `${py.alias.name}=${py.alias.file}`] : []),
    ...(py.module ? ['--module', py.module] : ['--script', py.script!]),
    ...py.argv,
  ];
}

function pythonModule(ctx: LaunchContext, module: string, argv: string[], extra: Partial<LaunchSpec> = {}, aliased = false): LaunchSpec {
  const preload = preloadModules(ctx.framework, ctx.text);
  if (aliased) {
    // Through the launcher, which imports the file under APP_ALIAS (and turns reloaders off).
    const python = { module, argv, preload, reloadersOff: true as const, alias: { name: APP_ALIAS, file: ctx.filePath } };
    return {
      framework: ctx.framework,
      command: ctx.python,
      args: launcherArgs(ctx.launcherPath, python),
      cwd: path.dirname(ctx.filePath),
      env: {},
      urlPath: '/',
      python,
      ...extra,
    };
  }
  return {
    framework: ctx.framework,
    command: ctx.python,
    args: ['-m', module, ...argv],
    cwd: path.dirname(ctx.filePath),
    env: {},
    urlPath: '/',
    python: { module, argv, preload },
    ...extra,
  };
}

function pythonScript(ctx: LaunchContext, env: Record<string, string>, viaLauncher: boolean): LaunchSpec {
  const argv = viaLauncher ? ['--script', ctx.filePath] : [];
  return {
    framework: ctx.framework,
    command: ctx.python,
    args: viaLauncher ? [ctx.launcherPath, ...argv] : [ctx.filePath],
    cwd: path.dirname(ctx.filePath),
    env,
    urlPath: normalizeUrlPath(ctx.urlPath ?? '/'),
    python: { script: ctx.filePath, argv: [], preload: preloadModules(ctx.framework, ctx.text), ...(viaLauncher ? { reloadersOff: true as const } : {}) },
  };
}

export function normalizeUrlPath(p: string): string {
  const trimmed = p.trim();
  return trimmed.startsWith('/') ? trimmed : '/' + trimmed;
}

export function buildLaunch(ctx: LaunchContext): LaunchSpec {
  const file = ctx.filePath;
  const prefix = forwardedPrefix(ctx);
  const prefixNoSlash = prefix?.slice(0, -1);
  const stem = path.basename(file).replace(/\.[^.]+$/, '');
  const port = String(ctx.port);
  switch (ctx.framework) {
    case 'panel':
    case 'bokeh':
      checkRoutableStem(stem, ctx.framework === 'panel' ? 'Panel' : 'Bokeh');
      // Never --autoreload / --dev: restarts are ours. Apps live at /<file stem>.
      // Behind a forwarded prefix, a Bokeh server page asks for /static/js/… at the root,
      // outside the prefix: with BokehJS inline in the page only relative URLs are left (its
      // websocket is relative). Panel's pages use relative URLs already.
      return pythonModule(ctx, ctx.framework, ['serve', file, '--port', port, '--address', ctx.host, ...websocketOriginArgs(ctx)], {
        urlPath: `/${encodeURIComponent(stem)}`,
        env: prefix && ctx.framework === 'bokeh' ? { BOKEH_RESOURCES: 'inline' } : {},
      });
    case 'streamlit':
      return pythonModule(
        ctx,
        'streamlit',
        [
          'run',
          file,
          '--server.port',
          port,
          '--server.address',
          ctx.host,
          '--server.headless',
          'true',
          '--server.runOnSave',
          'false',
          '--server.fileWatcherType',
          'none',
          '--browser.gatherUsageStats',
          'false',
          // The preview frame is cross-site to the webview, so the browser never sends the
          // SameSite=Lax _streamlit_xsrf cookie and every st.file_uploader upload gets 403.
          // CORS protection stays on: pages of other sites still cannot open its websocket.
          '--server.enableXsrfProtection',
          'false',
        ],
        {
          // A forwarded origin's websocket is refused (403) unless it is allow-listed. An
          // environment variable, not the flag: a release without the option ignores it, where
          // it would refuse an unknown flag.
          // Its page takes host messages (a rerun, from the front proxy's script) from these origins.
          env: ctx.extraOrigins?.length ? { STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS: ctx.extraOrigins.join(' '), STREAMLIT_CLIENT_ALLOWED_ORIGINS: ctx.extraOrigins.join(' ') } : {},
        },
      );
    case 'shiny': {
      // Shiny imports a core app's file by its name; an Express app it runs from its path.
      const aliased = !importableStem(stem) && !/\bshiny\.express\b|from\s+shiny\s+import\s+[^\n]*\bexpress\b/.test(ctx.text);
      return pythonModule(ctx, 'shiny', ['run', '--port', port, '--host', ctx.host, aliased ? `${APP_ALIAS}:app` : file], {}, aliased);
    }
    case 'solara':
      // --production turns Solara's file watching and hot reload off. --no-check-version: it
      // asks PyPI for its newest version at every start, before serving (up to 0.5 s).
      // Behind a forwarded prefix: --root-path (ASGI: requests arrive without it).
      return pythonModule(ctx, 'solara', [
        'run',
        file,
        '--port',
        port,
        '--host',
        ctx.host,
        '--no-open',
        '--production',
        '--no-check-version',
        ...(prefixNoSlash ? ['--root-path', prefixNoSlash] : []),
      ]);
    case 'voila':
      return pythonModule(ctx, 'voila', [
        file,
        '--port',
        port,
        '--no-browser',
        `--Voila.ip=${ctx.host}`,
        `--Voila.tornado_settings=${voilaTornadoSettings(ctx.extraOrigins)}`,
        // Behind a forwarded prefix the page asks for base_url/…, and the server serves at /.
        ...(prefix ? [`--Voila.base_url=${prefix}`, '--Voila.server_url=/'] : []),
      ]);
    case 'flask': {
      // `flask run` without --debug has no reloader; --no-reload makes that explicit.
      const aliased = !importableStem(stem);
      return pythonModule(
        ctx,
        'flask',
        ['--app', aliased ? APP_ALIAS : file, 'run', '--port', port, '--host', ctx.host, '--no-reload', '--no-debugger'],
        { env: { FLASK_DEBUG: '0' } },
        aliased,
      );
    }
    case 'fastapi': {
      const aliased = !importableStem(stem);
      const module = `${aliased ? APP_ALIAS : stem}:${asgiAppVariable(ctx.text)}`;
      return pythonModule(ctx, 'uvicorn', [module, '--port', port, '--host', ctx.host, '--app-dir', path.dirname(file)], {}, aliased);
    }
    case 'dash':
      // Dash reads HOST/PORT; app.run(debug=True) would fork Werkzeug's reloader, which the
      // launcher turns off. DASH_HOT_RELOAD=false stops its in-browser hot reload. Behind a
      // forwarded prefix its page asks for prefix/_dash-…, while its routes stay at /.
      return pythonScript(ctx, { HOST: ctx.host, PORT: port, DASH_HOT_RELOAD: 'false', ...(prefix ? { DASH_REQUESTS_PATHNAME_PREFIX: prefix } : {}) }, true);
    case 'gradio':
      return pythonScript(
        ctx,
        {
          GRADIO_SERVER_NAME: ctx.host,
          GRADIO_SERVER_PORT: port,
          GRADIO_ANALYTICS_ENABLED: 'False',
          ...(prefixNoSlash ? { GRADIO_ROOT_PATH: prefixNoSlash } : {}),
        },
        false,
      );
    case 'script':
      return pythonScript(ctx, { HOST: ctx.host, PORT: port }, false);
    case 'observable': {
      const root = ctx.observableRoot ?? path.dirname(file);
      const preview = ['preview', '--port', port, '--host', ctx.host, '--no-open'];
      // Windows: npx is npx.cmd, which Node spawns only through a shell; node runs the project's own CLI instead.
      const windows = (ctx.platform ?? process.platform) === 'win32';
      return {
        framework: 'observable',
        command: windows ? 'node' : 'npx',
        args: windows ? [path.join(root, 'node_modules', '@observablehq', 'framework', 'dist', 'bin', 'observable.js'), ...preview] : ['--no-install', 'observable', ...preview],
        cwd: root,
        env: {},
        urlPath: observablePage(root, file),
      };
    }
    case 'custom': {
      const values: PlaceholderValues = {
        file,
        fileDirname: path.dirname(file),
        fileBasename: path.basename(file),
        fileBasenameNoExtension: stem,
        port,
        host: ctx.host,
        workspaceFolder: ctx.workspaceFolder,
        python: ctx.python,
      };
      const argv = parseCustomCommand(ctx.customCommand ?? '', values);
      return {
        framework: 'custom',
        command: argv[0]!,
        args: argv.slice(1),
        cwd: path.dirname(file),
        env: { HOST: ctx.host, PORT: port },
        urlPath: normalizeUrlPath(ctx.urlPath ?? '/'),
        python: pythonEntry(argv, ctx.python, preloadModules('custom', ctx.text)),
      };
    }
  }
}

/** A custom command run by the app's interpreter as `-m module …` or `script.py …` (warm-startable). */
function pythonEntry(argv: readonly string[], python: string, preload: readonly string[]): LaunchSpec['python'] {
  if (argv[0] !== python) return undefined;
  if (argv[1] === '-m' && argv[2]) return { module: argv[2], argv: argv.slice(3), preload };
  if (argv[1]?.endsWith('.py')) return { script: argv[1], argv: argv.slice(2), preload };
  return undefined;
}

/** Flags that would turn a framework's own reloader on. Tests assert none ever appears. */
export const RELOADER_FLAGS: readonly string[] = ['--autoreload', '--dev', '--reload', '--debug', '--auto-restart', '-a', '--server.runOnSave=true'];
