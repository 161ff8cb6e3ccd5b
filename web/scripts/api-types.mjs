// Generates the console's API types from the server's OpenAPI document with openapi-typescript.
// Shared by gen-api-types.mjs (writes src/api/schema.d.ts) and check-api-types.mjs (lint).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const openapiPath = fileURLToPath(new URL('../../src/yutang/http/openapi.json', import.meta.url));
export const schemaPath = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));

const header = `// Generated from src/yutang/http/openapi.json by openapi-typescript — do not edit.
// Regenerate with \`npm run gen:api\` (in web/) after the server's API changes;
// \`npm run lint\` fails while this file and the document disagree.

`;

/** The text schema.d.ts must hold for the OpenAPI document as it is now. */
export async function generateApiTypes() {
  const document = JSON.parse(await readFile(openapiPath, 'utf8'));
  const ast = await openapiTS(document, { alphabetize: false, exportType: false });
  return header + astToString(ast);
}
