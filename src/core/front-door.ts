// The front proxy follows the app's state: it holds requests while a run starts, sends them to
// the run that is ready, and answers at once with a page that says why when there is none.
// No `vscode` import.
import type { FrontProxy } from './front-proxy';
import type { AppState } from './state';
import type { AppSupervisor } from './supervisor';

/** Follows `sup` from its current state on. */
export function followSupervisor(proxy: FrontProxy, sup: AppSupervisor): { dispose(): void } {
  const follow = (state: AppState): void => {
    switch (state) {
      case 'ready': {
        const run = sup.currentRun;
        if (sup.port && run) proxy.switchTo(sup.port, run.id);
        break;
      }
      case 'starting':
      case 'restarting':
        proxy.hold();
        break;
      case 'crashed':
        proxy.down('The app crashed. The preview in the editor shows why; save a fix or restart it there.');
        break;
      case 'stopping':
      case 'stopped':
        proxy.down('The app is stopped. Start it again from the preview in the editor.');
        break;
    }
  };
  follow(sup.state);
  return sup.onDidChangeState((e) => follow(e.state));
}
