// The debug types Debug App attaches with: our own (its adapter is the debugpy process itself, a
// debug adapter server on its port) and the Python Debugger extension's `debugpy`, when that is
// installed. Registered once; tells the apps when the debug toolbar asks for a restart.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dataAppOf, OWN_DEBUG_TYPE, PYTHON_DEBUGGER_TYPE } from '../core/debug';
import { Disposable } from '../util/dispose';

const PYTHON_DEBUGGER_EXTENSION = 'ms-python.debugpy';

interface PythonDebuggerApi {
  readonly debug?: { getDebuggerPackagePath?(): Promise<string | undefined> };
}

export class DebugTypes extends Disposable {
  private readonly restartEmitter = this._register(new vscode.EventEmitter<vscode.DebugSession>());
  private readonly attachedEmitter = this._register(new vscode.EventEmitter<vscode.DebugSession>());
  /** The debug toolbar's Restart on one of our sessions (VS Code then attaches it again to the same port). */
  readonly onRestartRequested = this.restartEmitter.event;
  /** One of our sessions got its attach response (also after a toolbar restart). */
  readonly onAttached = this.attachedEmitter.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    debugApp: (file: vscode.Uri | undefined) => Promise<unknown>,
  ) {
    super();
    this._register(
      vscode.debug.registerDebugAdapterDescriptorFactory(OWN_DEBUG_TYPE, {
        createDebugAdapterDescriptor(session) {
          const connect = session.configuration.connect as { host?: unknown; port?: unknown } | undefined;
          if (typeof connect?.port !== 'number') throw new Error('This debug configuration has no debugpy port. Use "Data App: Debug App" to start and attach.');
          return new vscode.DebugAdapterServer(connect.port, typeof connect.host === 'string' ? connect.host : '127.0.0.1');
        },
      }),
    );
    this._register(
      vscode.debug.registerDebugConfigurationProvider(OWN_DEBUG_TYPE, {
        provideDebugConfigurations: () => [{ type: OWN_DEBUG_TYPE, request: 'launch', name: 'Data App: Debug App', file: '${file}' }],
        resolveDebugConfiguration: (_folder, config) => {
          if (dataAppOf(config)) return config; // made by Debug App: attach
          // A launch.json entry, or F5 with none: Debug App for its file (it attaches by itself).
          const file = typeof config.file === 'string' && config.file ? vscode.Uri.file(config.file) : vscode.window.activeTextEditor?.document.uri;
          void debugApp(file);
          return undefined; // nothing more to launch here
        },
      }),
    );
    const tracker: vscode.DebugAdapterTrackerFactory = {
      createDebugAdapterTracker: (session) => {
        if (!dataAppOf(session.configuration)) return undefined;
        return {
          onWillReceiveMessage: (m: { type?: string; command?: string; arguments?: { restart?: boolean } }) => {
            if (m.type === 'request' && (m.command === 'disconnect' || m.command === 'terminate') && m.arguments?.restart) this.restartEmitter.fire(session);
          },
          onDidSendMessage: (m: { type?: string; command?: string; success?: boolean }) => {
            if (m.type === 'response' && m.command === 'attach' && m.success) this.attachedEmitter.fire(session);
          },
        };
      },
    };
    this._register(vscode.debug.registerDebugAdapterTrackerFactory(OWN_DEBUG_TYPE, tracker));
    this._register(vscode.debug.registerDebugAdapterTrackerFactory(PYTHON_DEBUGGER_TYPE, tracker));
  }

  /** The Python Debugger's type when it is installed, ours otherwise. */
  attachType(): typeof OWN_DEBUG_TYPE | typeof PYTHON_DEBUGGER_TYPE {
    return vscode.extensions.getExtension(PYTHON_DEBUGGER_EXTENSION) ? PYTHON_DEBUGGER_TYPE : OWN_DEBUG_TYPE;
  }

  /** The folder holding the Python Debugger extension's bundled `debugpy` package, when it is installed. */
  async bundledDebugpy(): Promise<string | undefined> {
    const ext = vscode.extensions.getExtension<PythonDebuggerApi>(PYTHON_DEBUGGER_EXTENSION);
    if (!ext) return undefined;
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const pkg = await api?.debug?.getDebuggerPackagePath?.();
      return pkg ? path.dirname(pkg) : undefined;
    } catch (e) {
      this.log.warn(`Could not ask the Python Debugger for its debugpy: ${(e as Error).message}`);
      return undefined;
    }
  }
}
