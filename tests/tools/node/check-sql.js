// Parses SQL statements with node-sql-parser's Trino and Athena grammars.
// Input: a JSON file {"shapes": [{"name", "sql"}], "literals": ["..."]}. Output (stdout): {"parsed": N, "failures": [...],
// "literals": [...]} where "literals" are those of the input found as string literal values in the parse trees
// (with '' read as '), so a value that was escaped wrongly would be missing or split. Exit code 1 on any failure.
'use strict';
const fs = require('fs');
const { Parser } = require('node-sql-parser');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const parser = new Parser();
const wanted = new Set(input.literals || []);
const found = new Set();
const failures = [];
let parsed = 0;

function collect(node) {
  if (Array.isArray(node)) { node.forEach(collect); return; }
  if (!node || typeof node !== 'object') return;
  if (typeof node.type === 'string' && node.type.includes('string') && typeof node.value === 'string') {
    const value = node.value.replace(/''/g, "'");
    if (wanted.has(value)) found.add(value);
  }
  Object.values(node).forEach(collect);
}

for (const shape of input.shapes) {
  for (const database of ['trino', 'athena']) {
    try {
      const ast = parser.astify(shape.sql, { database });
      if (!ast || (Array.isArray(ast) && ast.length !== 1)) throw new Error('not exactly one statement');
      collect(ast);
      parsed++;
    } catch (e) {
      failures.push({ shape: shape.name, database, error: String(e.message).slice(0, 300) });
    }
  }
}

process.stdout.write(JSON.stringify({ parsed, failures, literals: [...found] }));
process.exit(failures.length > 0 ? 1 : 0);
