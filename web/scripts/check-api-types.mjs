// Part of `npm run lint`: fails when src/api/schema.d.ts is not what the server's OpenAPI
// document generates, so the console cannot drift from the API it calls.
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiTypes, openapiPath, schemaPath } from './api-types.mjs';

const expected = await generateApiTypes();
let committed = '';
try {
  committed = await readFile(schemaPath, 'utf8');
} catch {
  // A missing file is reported below like any other difference.
}
if (committed !== expected) {
  const dir = await mkdtemp(join(tmpdir(), 'yutang-api-types-'));
  const fresh = join(dir, 'schema.d.ts');
  await writeFile(fresh, expected);
  console.error(
    `src/api/schema.d.ts is out of date with ${openapiPath}.\n` +
      `Run \`npm run gen:api\` in web/ and commit the result (diff: diff -u src/api/schema.d.ts ${fresh}).`,
  );
  process.exitCode = 1;
} else {
  console.log('API types match the OpenAPI document.');
}
