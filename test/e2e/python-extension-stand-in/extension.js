// The stand-in's whole behaviour. The interpreter is $DAP_STAND_IN_PYTHON; the environment
// variables for a file are this process's plus FROM_PYTHON_EXTENSION=<the file's name>, as the
// real extension gives the process's variables plus its python.envFile's. Each command appends
// its id to $DAP_STAND_IN_CALLS.
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

exports.activate = (context) => {
  for (const id of ['python.setInterpreter', 'python.createEnvironment']) {
    context.subscriptions.push(vscode.commands.registerCommand(id, () => fs.appendFileSync(process.env.DAP_STAND_IN_CALLS, `${id}\n`)));
  }
  const python = process.env.DAP_STAND_IN_PYTHON;
  return {
    ready: Promise.resolve(),
    environments: {
      getActiveEnvironmentPath: () => ({ id: python, path: python }),
      resolveEnvironment: async () => ({ id: python, path: python, executable: { uri: vscode.Uri.file(python) } }),
      onDidChangeActiveEnvironmentPath: () => ({ dispose() {} }),
      getEnvironmentVariables: (resource) => ({ ...process.env, FROM_PYTHON_EXTENSION: resource ? path.basename(resource.fsPath) : 'none' }),
      onDidEnvironmentVariablesChange: () => ({ dispose() {} }),
    },
  };
};
