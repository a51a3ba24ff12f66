#!/usr/bin/env node
// Launcher for the bundled CLI (dist/cli.js is produced by `npm run build`).
"use strict";
require("../dist/cli.js").runCli();
