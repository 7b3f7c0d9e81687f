import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { asgiAppVariable, detectFramework, pythonImports, type FrameworkId } from '../../src/core/frameworks';

const detect = (text: string, file = '/w/app.py', observableRoot?: string) => detectFramework({ filePath: file, text, observableRoot })?.framework;

describe('pythonImports', () => {
  it('reads import and from-import forms, aliases and lists', () => {
    const text = ['import panel as pn', 'from bokeh.plotting import figure', 'import os, sys as system', '  import pandas.io', '# import streamlit', 'x = "import dash"'].join(
      '\n',
    );
    assert.deepEqual(pythonImports(text), ['panel', 'bokeh', 'os', 'sys', 'pandas']);
  });
});

describe('detectFramework', () => {
  const cases: Array<[string, FrameworkId]> = [
    ['import streamlit as st\nst.write(1)', 'streamlit'],
    ['import panel as pn\nfrom bokeh.plotting import figure\npn.panel(1).servable()', 'panel'],
    ['import solara\n@solara.component\ndef Page(): ...', 'solara'],
    ['import gradio as gr\ngr.Interface(fn=str, inputs="text", outputs="text").launch()', 'gradio'],
    ['from shiny import App, ui', 'shiny'],
    ['from dash import Dash, html\nimport flask', 'dash'],
    ['from bokeh.io import curdoc\ncurdoc().add_root(p)', 'bokeh'],
    ['from fastapi import FastAPI\napp = FastAPI()', 'fastapi'],
    ['from starlette.applications import Starlette', 'fastapi'],
    ['from flask import Flask\napp = Flask(__name__)', 'flask'],
    ['import tornado.web\nimport tornado.ioloop', 'script'],
    ['from http.server import HTTPServer', 'script'],
  ];
  for (const [text, expected] of cases) {
    it(`${expected}: ${text.split('\n')[0]}`, () => assert.equal(detect(text), expected));
  }
  it('a Bokeh script without curdoc() is not a server app', () => {
    assert.equal(detect('from bokeh.plotting import figure, show\nshow(figure())'), undefined);
  });
  it('notebooks are Voilà, markdown in an Observable project is Observable', () => {
    assert.equal(detect('{}', '/w/n.ipynb'), 'voila');
    assert.equal(detect('# Hi', '/w/proj/src/index.md', '/w/proj'), 'observable');
    assert.equal(detect('# Hi', '/w/README.md'), undefined);
  });
  it('unknown files give nothing, conventional names are a hint', () => {
    assert.equal(detect('print(1)'), undefined);
    assert.equal(detect('print(1)', '/w/streamlit_app.py'), 'streamlit');
  });
  it('gives the reason', () => {
    assert.match(detectFramework({ filePath: '/a.py', text: 'import panel' })!.reason, /imports panel/);
  });
});

describe('asgiAppVariable', () => {
  it('finds the ASGI variable or defaults to app', () => {
    assert.equal(asgiAppVariable('from fastapi import FastAPI\napi = FastAPI(title="x")'), 'api');
    assert.equal(asgiAppVariable('server: Starlette = Starlette()'), 'server');
    assert.equal(asgiAppVariable('import x'), 'app');
  });
});
