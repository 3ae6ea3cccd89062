// tests/e2e/spec_schema.js: checks specs/pcdr-v1.schema.json (the JSON
// Schema editors use) against the shared spec cases. For each YAML file
// given on the command line it prints one line:
//   FILE<TAB>valid            or   FILE<TAB>invalid<TAB>PATH PATH ...
// (the distinct instance paths of the schema errors, "/" for the root)
//   FILE<TAB>unparsable<TAB>message   when the yaml package cannot read it
// The C validator is checked against the same folders by
// tests/unit/specs/test_spec.c, so the two agree through those files.
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, '..', 'node_modules');
const Ajv2020 = require(path.join(modules, 'ajv', 'dist', '2020')).default;
const YAML = require(path.join(modules, 'yaml'));

const top = path.join(__dirname, '..', '..');
const schema = JSON.parse(fs.readFileSync(path.join(top, 'specs', 'pcdr-v1.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

for (const file of process.argv.slice(2)) {
	let doc;
	try {
		doc = YAML.parse(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		console.log(`${file}\tunparsable\t${String(e.message).split('\n')[0]}`);
		continue;
	}
	if (validate(doc)) {
		console.log(`${file}\tvalid`);
	} else {
		const paths = [...new Set(validate.errors.map((e) => e.instancePath || '/'))];
		console.log(`${file}\tinvalid\t${paths.join(' ')}`);
	}
}
