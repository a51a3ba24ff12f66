// QuantScope language server: the connection and the router from LSP method to handler (server process,
// started by the extension over node-ipc, or by any editor with --stdio).
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

connection.onInitialize(() => ({
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
  },
  serverInfo: { name: "quantscope", version: "0.1.0" },
}));

documents.listen(connection);
connection.listen();
