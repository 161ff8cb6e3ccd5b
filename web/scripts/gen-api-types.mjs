// npm run gen:api — rewrites src/api/schema.d.ts from the server's OpenAPI document.
import { writeFile } from 'node:fs/promises';
import { generateApiTypes, schemaPath } from './api-types.mjs';

await writeFile(schemaPath, await generateApiTypes());
console.log(`wrote ${schemaPath}`);
