import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { FRAMEWORK_IDS, type FrameworkId } from '../../src/core/frameworks';
import { APP_ALIAS, buildLaunch, importableStem, RELOADER_FLAGS, voilaTornadoSettings, type LaunchContext } from '../../src/core/launch';
import { CommandSyntaxError } from '../../src/core/placeholders';

const ctx = (framework: FrameworkId, extra: Partial<LaunchContext> = {}): LaunchContext => ({
  framework,
  filePath: '/ws/apps/my_app.py',
  text: '',
  python: '/venv/bin/python',
  host: '127.0.0.1',
  port: 5123,
  workspaceFolder: '/ws',
  launcherPath: '/ext/python/dap_launch.py',
  customCommand: '${python} ${file} --port ${port}',
  ...extra,
});

describe('buildLaunch: the exact command of each framework', () => {
  it('Panel: python -m panel serve, websocket origins, page at /<stem>', () => {
    const s = buildLaunch(ctx('panel', { extraOrigins: ['https://cs.example:8080'] }));
    assert.equal(s.command, '/venv/bin/python');
    assert.deepEqual(s.args, [
      '-m',
      'panel',
      'serve',
      '/ws/apps/my_app.py',
      '--port',
      '5123',
      '--address',
      '127.0.0.1',
      '--allow-websocket-origin',
      '127.0.0.1:5123',
      '--allow-websocket-origin',
      'localhost:5123',
      '--allow-websocket-origin',
      'cs.example:8080',
    ]);
    assert.equal(s.urlPath, '/my_app');
    assert.equal(s.cwd, '/ws/apps');
    assert.deepEqual(s.python, { module: 'panel', argv: s.args.slice(2), preload: ['panel', 'panel.command', 'bokeh.server.server'] });
  });
  it('Bokeh: the same flags as Panel', () => {
    assert.deepEqual(buildLaunch(ctx('bokeh')).args.slice(0, 8), ['-m', 'bokeh', 'serve', '/ws/apps/my_app.py', '--port', '5123', '--address', '127.0.0.1']);
  });
  it('Streamlit: headless, runOnSave false, no file watcher, uploads work in a cross-site frame', () => {
    const s = buildLaunch(ctx('streamlit'));
    assert.deepEqual(s.args, [
      '-m',
      'streamlit',
      'run',
      '/ws/apps/my_app.py',
      '--server.port',
      '5123',
      '--server.address',
      '127.0.0.1',
      '--server.headless',
      'true',
      '--server.runOnSave',
      'false',
      '--server.fileWatcherType',
      'none',
      '--browser.gatherUsageStats',
      'false',
      '--server.enableXsrfProtection',
      'false',
    ]);
    assert.deepEqual(s.env, {}, 'no CORS allow-list without a forwarded origin');
  });
  it('Streamlit: a forwarded origin is allow-listed for its websocket', () => {
    const s = buildLaunch(ctx('streamlit', { extraOrigins: ['https://cs.example:8080', 'http://b.example'] }));
    assert.deepEqual(s.env, {
      STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS: 'https://cs.example:8080 http://b.example',
      STREAMLIT_CLIENT_ALLOWED_ORIGINS: 'https://cs.example:8080 http://b.example',
    });
  });
  it('Shiny: shiny run without --reload', () => {
    assert.deepEqual(buildLaunch(ctx('shiny')).args, ['-m', 'shiny', 'run', '--port', '5123', '--host', '127.0.0.1', '/ws/apps/my_app.py']);
  });
  it('Dash: the launcher with HOST/PORT and hot reload off', () => {
    const s = buildLaunch(ctx('dash'));
    assert.deepEqual(s.args, ['/ext/python/dap_launch.py', '--script', '/ws/apps/my_app.py']);
    assert.deepEqual(s.env, { HOST: '127.0.0.1', PORT: '5123', DASH_HOT_RELOAD: 'false' });
  });
  it('Gradio: python FILE with GRADIO_SERVER_NAME/PORT', () => {
    const s = buildLaunch(ctx('gradio'));
    assert.deepEqual(s.args, ['/ws/apps/my_app.py']);
    assert.equal(s.env.GRADIO_SERVER_NAME, '127.0.0.1');
    assert.equal(s.env.GRADIO_SERVER_PORT, '5123');
  });
  it('Flask: flask --app FILE run --no-reload, FLASK_DEBUG=0', () => {
    const s = buildLaunch(ctx('flask'));
    assert.deepEqual(s.args, ['-m', 'flask', '--app', '/ws/apps/my_app.py', 'run', '--port', '5123', '--host', '127.0.0.1', '--no-reload', '--no-debugger']);
    assert.equal(s.env.FLASK_DEBUG, '0');
  });
  it('FastAPI: uvicorn module:variable with --app-dir, no --reload', () => {
    const s = buildLaunch(ctx('fastapi', { filePath: '/ws/api/main.py', text: 'api = FastAPI()' }));
    assert.deepEqual(s.args, ['-m', 'uvicorn', 'main:api', '--port', '5123', '--host', '127.0.0.1', '--app-dir', '/ws/api']);
  });
  it('Voilà: no browser, loopback, framable', () => {
    const s = buildLaunch(ctx('voila', { filePath: '/ws/n.ipynb' }));
    assert.deepEqual(s.args, ['-m', 'voila', '/ws/n.ipynb', '--port', '5123', '--no-browser', '--Voila.ip=127.0.0.1', `--Voila.tornado_settings=${voilaTornadoSettings()}`]);
    const settings = JSON.parse(voilaTornadoSettings());
    assert.match(settings.headers['Content-Security-Policy'], /frame-ancestors .*vscode-webview:/);
    assert.equal(settings.allow_origin_pat, undefined, 'no foreign origin is accepted without forwarding');
  });
  it('Voilà: a forwarded origin, and only it, is accepted for websockets', () => {
    const arg = buildLaunch(ctx('voila', { filePath: '/ws/n.ipynb', extraOrigins: ['https://CS.example:8080'] })).args.at(-1)!;
    const pat = new RegExp(JSON.parse(arg.replace('--Voila.tornado_settings=', '')).allow_origin_pat);
    assert.ok(pat.test('https://cs.example:8080'));
    for (const other of ['https://csxexample:8080', 'https://cs.example:8080.evil.test', 'http://cs.example:8080']) assert.ok(!pat.test(other), other);
  });
  it('behind a forwarded path prefix (code-server /proxy/P/), each framework builds its URLs under it', () => {
    const behind = { forwardedPath: '/proxy/5123/' };
    assert.equal(buildLaunch(ctx('dash', behind)).env.DASH_REQUESTS_PATHNAME_PREFIX, '/proxy/5123/');
    assert.equal(buildLaunch(ctx('gradio', behind)).env.GRADIO_ROOT_PATH, '/proxy/5123');
    assert.deepEqual(buildLaunch(ctx('solara', behind)).args.slice(-2), ['--root-path', '/proxy/5123']);
    assert.deepEqual(buildLaunch(ctx('voila', { ...behind, filePath: '/ws/n.ipynb' })).args.slice(-2), ['--Voila.base_url=/proxy/5123/', '--Voila.server_url=/']);
    assert.equal(buildLaunch(ctx('bokeh', behind)).env.BOKEH_RESOURCES, 'inline');
    assert.deepEqual(buildLaunch(ctx('panel', behind)).env, {}, 'Panel pages use relative URLs already');
    assert.equal(buildLaunch(ctx('dash', { forwardedPath: 'proxy/5123' })).env.DASH_REQUESTS_PATHNAME_PREFIX, '/proxy/5123/', 'slashes are normalized');
    for (const none of [{}, { forwardedPath: '/' }]) {
      for (const fw of ['dash', 'gradio', 'solara', 'voila', 'bokeh'] as const) {
        const s = buildLaunch(ctx(fw, none));
        assert.ok(!s.args.some((a) => /root-path|base_url|server_url/.test(a)), `${fw}: ${s.args.join(' ')}`);
        for (const k of ['DASH_REQUESTS_PATHNAME_PREFIX', 'GRADIO_ROOT_PATH', 'BOKEH_RESOURCES']) assert.equal(s.env[k], undefined, `${fw}: ${k}`);
      }
    }
  });
  it('Solara: --production (no watcher), --no-open, no version check', () => {
    assert.deepEqual(buildLaunch(ctx('solara')).args, [
      '-m',
      'solara',
      'run',
      '/ws/apps/my_app.py',
      '--port',
      '5123',
      '--host',
      '127.0.0.1',
      '--no-open',
      '--production',
      '--no-check-version',
    ]);
  });
  it('Observable Framework: observable preview in the project root, page from src/', () => {
    const s = buildLaunch(ctx('observable', { filePath: '/ws/site/src/reports/q1.md', observableRoot: '/ws/site' }));
    assert.equal(s.command, 'npx');
    assert.deepEqual(s.args, ['--no-install', 'observable', 'preview', '--port', '5123', '--host', '127.0.0.1', '--no-open']);
    assert.equal(s.cwd, '/ws/site');
    assert.equal(s.urlPath, '/reports/q1');
    assert.equal(buildLaunch(ctx('observable', { filePath: '/ws/site/src/index.md', observableRoot: '/ws/site' })).urlPath, '/');
    // Windows: node runs the project's CLI (npx.cmd would need a shell, which current Node refuses without shell: true).
    const win = buildLaunch(ctx('observable', { filePath: '/ws/site/src/index.md', observableRoot: '/ws/site', platform: 'win32' }));
    assert.equal(win.command, 'node');
    assert.deepEqual(win.args, [
      path.join('/ws/site', 'node_modules', '@observablehq', 'framework', 'dist', 'bin', 'observable.js'),
      'preview',
      '--port',
      '5123',
      '--host',
      '127.0.0.1',
      '--no-open',
    ]);
  });
  it('script: python FILE with HOST/PORT and the configured path', () => {
    const s = buildLaunch(ctx('script', { urlPath: 'dash' }));
    assert.deepEqual([s.command, ...s.args], ['/venv/bin/python', '/ws/apps/my_app.py']);
    assert.deepEqual(s.env, { HOST: '127.0.0.1', PORT: '5123' });
    assert.equal(s.urlPath, '/dash');
  });
  it('custom: placeholders expanded per argument, paths with spaces stay whole', () => {
    const s = buildLaunch(ctx('custom', { customCommand: '${python} -m myserver "${file}" --bind ${host}:${port} --root ${workspaceFolder}' }));
    assert.deepEqual([s.command, ...s.args], ['/venv/bin/python', '-m', 'myserver', '/ws/apps/my_app.py', '--bind', '127.0.0.1:5123', '--root', '/ws']);
  });
  it('custom: an unknown placeholder is a clear error', () => {
    assert.throws(
      () => buildLaunch(ctx('custom', { customCommand: 'serve ${fiel} ${port}' })),
      (e: Error) => e instanceof CommandSyntaxError && /\$\{fiel\}/.test(e.message) && /\$\{file\}/.test(e.message),
    );
  });
  it('no profile ever passes a reloader flag', () => {
    for (const id of FRAMEWORK_IDS) {
      const s = buildLaunch(ctx(id));
      for (const arg of s.args) {
        assert.ok(!RELOADER_FLAGS.includes(arg), `${id} passes ${arg}`);
        assert.ok(!/^--(autoreload|dev|reload)(=|$)/.test(arg), `${id} passes ${arg}`);
      }
      const i = s.args.indexOf('--server.runOnSave');
      if (i >= 0) assert.equal(s.args[i + 1], 'false');
    }
  });
});

describe('buildLaunch: what a warm standby can run', () => {
  it('framework modules and scripts carry their Python entry', () => {
    assert.deepEqual(buildLaunch(ctx('streamlit')).python?.module, 'streamlit');
    assert.deepEqual(buildLaunch(ctx('gradio', { text: 'import gradio as gr' })).python, { script: '/ws/apps/my_app.py', argv: [], preload: ['gradio'] });
    assert.equal(buildLaunch(ctx('observable', { observableRoot: '/ws' })).python, undefined);
  });
  it('a run that goes through the launcher cold (Dash) asks the standby to turn reloaders off too', () => {
    const dash = buildLaunch(ctx('dash'));
    assert.equal(dash.args[0], '/ext/python/dap_launch.py');
    assert.equal(dash.python?.reloadersOff, true);
    for (const fw of ['gradio', 'script', 'panel', 'streamlit'] as const) assert.equal(buildLaunch(ctx(fw)).python?.reloadersOff, undefined, fw);
  });
  it('a custom command run by the interpreter is warm-startable; any other is not', () => {
    assert.deepEqual(buildLaunch(ctx('custom', { customCommand: '${python} -m myserver ${file} --port ${port}', text: 'import pandas' })).python, {
      module: 'myserver',
      argv: ['/ws/apps/my_app.py', '--port', '5123'],
      preload: ['pandas', 'pandas.io.formats.format'],
    });
    assert.deepEqual(buildLaunch(ctx('custom', { customCommand: '${python} ${file} ${port}' })).python, { script: '/ws/apps/my_app.py', argv: ['5123'], preload: [] });
    assert.equal(buildLaunch(ctx('custom', { customCommand: 'node server.js ${port}' })).python, undefined);
    assert.equal(buildLaunch(ctx('custom', { customCommand: '/usr/bin/env python3 ${file}' })).python, undefined);
  });
});

describe('file names that are no module names', () => {
  const ctx = (framework: 'flask' | 'fastapi' | 'shiny', file: string, text = 'app = 1') =>
    buildLaunch({ framework, filePath: file, text, python: '/venv/bin/python', host: '127.0.0.1', port: 8000, workspaceFolder: '/w', launcherPath: '/ext/python/dap_launch.py' });

  it('are imported through the launcher under one alias, never passed where they would read as options or packages', () => {
    for (const name of ['-rf.py', 'app.v2.py', 'my app.py']) {
      for (const fw of ['flask', 'fastapi', 'shiny'] as const) {
        const spec = ctx(fw, `/w/${name}`);
        assert.deepEqual(
          spec.args.slice(0, 5),
          ['/ext/python/dap_launch.py', '--alias', `${APP_ALIAS}=/w/${name}`, '--module', fw === 'fastapi' ? 'uvicorn' : fw],
          `${fw} ${name}`,
        );
        assert.ok(!spec.args.slice(3).some((a) => a.includes(name.replace('.py', ''))), `${fw} ${name}: the name appears only in the alias`);
        assert.deepEqual(spec.python?.alias, { name: APP_ALIAS, file: `/w/${name}` });
      }
    }
  });

  it('leave importable names (unicode letters too) and Shiny Express apps as they were', () => {
    assert.deepEqual(ctx('fastapi', '/w/café.py').args.slice(0, 3), ['-m', 'uvicorn', 'café:app']);
    assert.equal(ctx('flask', '/w/app.py').args[3], '/w/app.py');
    assert.equal(ctx('shiny', '/w/my app.py', 'from shiny.express import input, ui').args.at(-1), '/w/my app.py');
    assert.ok(importableStem('_x1') && !importableStem('1x') && !importableStem('a-b'));
  });
});
