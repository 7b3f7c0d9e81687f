import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { APP_STATES, canTransition, IllegalTransitionError, isRunningState, transition, type AppEvent } from '../../src/core/state';

describe('state machine', () => {
  it('walks the normal life of an app', () => {
    let s = transition('stopped', 'start');
    assert.equal(s, 'starting');
    s = transition(s, 'ready');
    assert.equal(s, 'ready');
    s = transition(s, 'restart');
    assert.equal(s, 'restarting');
    s = transition(s, 'fail');
    assert.equal(s, 'crashed');
    s = transition(s, 'restart');
    assert.equal(s, 'restarting');
    s = transition(s, 'ready');
    s = transition(s, 'exit');
    assert.equal(s, 'crashed');
    s = transition(s, 'stop');
    assert.equal(s, 'stopping');
    assert.equal(transition(s, 'stopped'), 'stopped');
  });
  it('rejects illegal transitions', () => {
    assert.throws(() => transition('stopped', 'ready'), IllegalTransitionError);
    assert.throws(() => transition('ready', 'start'), IllegalTransitionError);
    assert.throws(() => transition('stopping', 'restart'), IllegalTransitionError);
  });
  it('every state can be stopped, and stopping always ends in stopped', () => {
    for (const s of APP_STATES) assert.ok(canTransition(s, 'stop'), s);
    const events: AppEvent[] = ['start', 'restart', 'ready', 'fail', 'exit', 'stopped'];
    assert.deepEqual(
      events.filter((e) => canTransition('stopping', e)),
      ['stopped'],
    );
  });
  it('knows which states may have a process', () => {
    assert.deepEqual(APP_STATES.filter(isRunningState), ['starting', 'ready', 'restarting']);
  });
});
