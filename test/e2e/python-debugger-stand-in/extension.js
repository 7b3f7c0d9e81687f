// The stand-in's whole behaviour: attach to debugpy's port (as the real extension does for a
// `connect` attach) and say where its bundled debugpy is ($DAP_STAND_IN_DEBUGPY, a copy made by
// the test, as the real one ships bundled/libs/debugpy).
const vscode = require('vscode');

exports.activate = (context) => {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('debugpy', {
      createDebugAdapterDescriptor: (session) => new vscode.DebugAdapterServer(session.configuration.connect.port, session.configuration.connect.host),
    }),
  );
  return { debug: { getDebuggerPackagePath: async () => process.env.DAP_STAND_IN_DEBUGPY } };
};
