#!/usr/bin/env node
// The built CLI lives in dist/ (npm run build). Kept tiny: everything heavy loads per command.
import '../dist/bin.js';
