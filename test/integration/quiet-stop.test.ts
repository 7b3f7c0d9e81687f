// The output a user reads around a stop, with real processes through the real supervisor: the
// shutdown traceback that a SIGINT gives an asyncio app (Tornado) is folded into one line, a
// crash's traceback is kept whole, and neither shows our launcher's frames.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { StderrView } from '../../src/core/stderr-view';
import { startable, waitFor } from './harness';

/** What the output channel would show: stderr through a StderrView, fed as the session feeds it. */
function shownStderr() {
  const view = new StderrView();
  const shown: string[] = [];
  const ended: string[] = [];
  return {
    shown,
    ended,
    onOutput: (stream: 'stdout' | 'stderr', text: string, run: { readonly id: string; readonly stopping: boolean }) => {
      if (stream === 'stderr') shown.push(view.push(text, run.id, run.stopping));
    },
    onRunEnded: (runId: string) => {
      ended.push(runId);
      shown.push(view.ended(runId));
    },
  };
}

describe('a quiet stop', () => {
  it('Tornado stopped by our SIGINT: its CancelledError/KeyboardInterrupt traceback is one line', async () => {
    const out = shownStderr();
    const raw: string[] = [];
    const app = startable('tornado_app.py', 'script', {
      onOutput: (s, t, run) => {
        if (s === 'stderr') raw.push(t);
        out.onOutput(s, t, run);
      },
      onRunEnded: out.onRunEnded,
    });
    try {
      await app.startReady();
      const runId = app.controller.supervisor.currentRun!.id;
      await app.controller.stop();
      await waitFor('the run ended', () => out.ended.includes(runId) || undefined, 5000);
      const all = raw.join('');
      // The precondition: the real app printed a shutdown traceback.
      assert.match(all, /Traceback \(most recent call last\)[\s\S]*(KeyboardInterrupt|CancelledError)/);
      const shown = out.shown.join('');
      assert.doesNotMatch(shown, /Traceback/);
      assert.match(shown, /\[shutdown after the stop signal: (KeyboardInterrupt|asyncio\.exceptions\.CancelledError|CancelledError) traceback folded \(\d+ lines\)\]/);
      console.log(`  raw shutdown stderr: ${all.split('\n').length} lines; shown: ${JSON.stringify(shown.trim())}`);
    } finally {
      await app.dispose();
    }
  });

  it('a crash through our launcher (Dash runs the file with it) is not folded, and shows no frame of ours', async () => {
    const out = shownStderr();
    const raw: string[] = [];
    const app = startable('crash_at_import.py', 'dash', {
      onOutput: (s, t, run) => {
        if (s === 'stderr') raw.push(t);
        out.onOutput(s, t, run);
      },
      onRunEnded: out.onRunEnded,
    });
    try {
      const outcome = await app.controller.start();
      assert.equal(outcome.kind, 'failed');
      await waitFor('the run ended', () => out.ended.length > 0 || undefined, 5000);
      assert.match(raw.join(''), /dap_launch\.py/, 'the precondition: the real traceback has our frames');
      const shown = out.shown.join('');
      assert.match(shown, /JSONDecodeError/);
      assert.match(shown, /^ {2}File ".*crash_at_import\.py", line 9, in <module>$/m);
      assert.doesNotMatch(shown, /dap_launch|dap_standby|runpy/);
    } finally {
      await app.dispose();
    }
  });
});
