/** The OpenAPI 3.1 document served at /docs; request bodies come from the same zod schemas the routes validate with. */
import { z } from 'zod';
import { ImagePatchBody } from './routes/images.js';
import { SearchBody } from './routes/search.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: STATUS_TEXT[c], content: json(ref('Error')) }]));
const STATUS_TEXT: Record<number, string> = {
  400: 'bad parameters',
  401: 'no valid key',
  404: 'unknown id',
  413: 'too large',
  415: 'not an image',
  422: 'undecodable',
  503: 'model or storage unavailable',
};

const imageSource = {
  'multipart/form-data': {
    schema: {
      type: 'object',
      properties: {
        file: {
          type: 'array',
          items: { type: 'string', format: 'binary' },
          description: 'one or many files (any field name)',
        },
        caption: { type: 'string' },
        folder: { type: 'string' },
        tags: { type: 'string', description: 'comma-separated, or a JSON array' },
        k: { type: 'integer', description: 'search by image only' },
      },
    },
  },
  'application/json': {
    schema: {
      type: 'object',
      properties: {
        url: { type: 'string', description: 'http(s); private addresses refused unless LOUPE_ALLOW_PRIVATE_URLS=1' },
        base64: { type: 'string', description: 'a data URL or plain base64' },
        filename: { type: 'string' },
        caption: { type: 'string' },
        folder: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        k: { type: 'integer' },
      },
    },
  },
};

export function openApiDocument() {
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  return {
    openapi: '3.1.0',
    info: { title: 'Loupe', version: '0.1.0', description: 'Self-hosted image indexing and semantic search.' },
    paths: {
      '/api/v1/images': {
        post: {
          summary: 'Upload images (multipart) or add one by URL or base64 (JSON); indexing runs as a background job',
          parameters: [
            { name: 'wait', in: 'query', schema: { type: 'boolean' }, description: 'answer after indexing' },
          ],
          requestBody: { required: true, content: imageSource },
          responses: {
            '201': {
              description: 'records (an exact duplicate answers with the existing record)',
              content: json(ref('UploadResult')),
            },
            ...errors(400, 413, 415, 422),
          },
        },
        get: {
          summary:
            'Gallery page, newest first: by when added (order=added, default) or taken (order=taken; undated images by when added)',
          parameters: ['folder', 'cursor', 'order']
            .map((name) => ({ name, in: 'query', schema: { type: 'string' } }))
            .concat([{ name: 'limit', in: 'query', schema: { type: 'integer' } } as never]),
          responses: { '200': { description: '{items, nextCursor}' }, ...errors(400) },
        },
      },
      '/api/v1/images/{id}': {
        get: {
          summary: 'One image (or a pending upload)',
          parameters: [idParam],
          responses: { '200': { description: 'record', content: json(ref('Image')) }, ...errors(404) },
        },
        patch: {
          summary: 'Edit caption, tags, folder',
          parameters: [idParam],
          requestBody: { content: json(z.toJSONSchema(ImagePatchBody)) },
          responses: { '200': { description: 'record' }, ...errors(400, 404) },
        },
        delete: {
          summary: 'Delete the record, its stored files and vectors',
          parameters: [idParam],
          responses: { '204': { description: 'deleted' }, ...errors(404) },
        },
      },
      '/api/v1/images/{id}/file': {
        get: {
          summary: 'The original',
          parameters: [idParam],
          responses: { '200': { description: 'image bytes' }, ...errors(404) },
        },
      },
      '/api/v1/images/{id}/thumbnail': {
        get: {
          summary: 'WebP thumbnail (ETag, immutable caching)',
          parameters: [idParam],
          responses: { '200': { description: 'image/webp' }, '304': { description: 'not modified' }, ...errors(404) },
        },
      },
      '/api/v1/duplicates': {
        get: {
          summary:
            'Groups of exact and near duplicates to review (delete the copies you do not want with DELETE /api/v1/images/{id})',
          parameters: [
            { name: 'maxBits', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 12, default: 10 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
            { name: 'cursor', in: 'query', description: '`next` of the previous page', schema: { type: 'string' } },
          ],
          responses: { '200': { description: '{total, next, groups: [{kind, maxDistance, images}]}' }, ...errors(400) },
        },
      },
      '/api/v1/images/{id}/similar': {
        get: {
          summary:
            'Images similar to this one (filters as query parameters: after, before, taken, year, camera, near=LAT,LON,KM, country, type, minWidth, minHeight, orientation, has, tags; sort)',
          parameters: [
            idParam,
            { name: 'k', in: 'query', schema: { type: 'integer' } },
            { name: 'minSimilarity', in: 'query', schema: { type: 'number', minimum: 0, maximum: 100 } },
          ],
          responses: { '200': { description: 'results', content: json(ref('SearchResults')) }, ...errors(400, 404) },
        },
      },
      '/api/v1/images/search': {
        post: {
          summary: "Search by text, by a query vector (`vector`, the library model's dimension), or both",
          requestBody: { content: json(z.toJSONSchema(SearchBody)) },
          responses: { '200': { description: 'results', content: json(ref('SearchResults')) }, ...errors(400) },
        },
      },
      '/api/v1/images/search/by-image': {
        post: {
          summary: 'Search by an image (multipart file, or JSON url / base64)',
          requestBody: { content: imageSource },
          responses: {
            '200': { description: 'results', content: json(ref('SearchResults')) },
            ...errors(400, 413, 415, 422),
          },
        },
      },
      '/api/v1/images/similar': {
        get: {
          summary:
            'Photos like several at once (?ids=a,b,c, the mean of their vectors; the given ones left out), with the filters of /images/{id}/similar',
          responses: { '200': { description: 'results', content: json(ref('SearchResults')) }, ...errors(400, 404) },
        },
      },
      '/api/v1/images/zip': {
        post: {
          summary:
            'The originals of several images as one streamed zip (form field or JSON `ids`); what cannot be read is listed in NOT-INCLUDED.txt',
          responses: { '200': { description: 'application/zip' }, ...errors(400) },
        },
      },
      '/api/v1/images/timeline': {
        get: {
          summary: 'Photos per month taken ({months: [{month: "2021-03", count}], undated}), newest first; ?folder=',
          responses: { '200': { description: 'timeline' } },
        },
      },
      '/api/v1/images/places': {
        get: {
          summary: 'Photos with GPS by country ({places: [{country, count, lat, lon}]}, lat/lon their mean); ?folder=',
          responses: { '200': { description: 'places' } },
        },
      },
      '/api/v1/images/places/outlines.svg': {
        get: {
          summary:
            "Every country's outline (equirectangular, viewBox 0 0 360 180), drawn offline from country-coder's borders",
          responses: { '200': { description: 'image/svg+xml' } },
        },
      },
      '/api/v1/spaces': {
        get: {
          summary:
            'The spaces the caller may open ({items: [{name}], current}); name one with X-Loupe-Space, ?space= or the loupe_space cookie',
          responses: { '200': { description: 'spaces' } },
        },
      },
      '/api/v1/session': {
        get: {
          summary: 'Whether the web UI is signed in, and as whom (the key is in an HttpOnly cookie)',
          responses: { '200': { description: '{auth, signedIn, user}' }, ...errors(401) },
        },
        post: {
          summary: 'Sign in with an API key: sets the HttpOnly session cookie (and clears any planted at other paths)',
          requestBody: {
            content: json({ type: 'object', properties: { key: { type: 'string' } }, required: ['key'] }),
          },
          responses: { '200': { description: '{auth, signedIn, user}' }, ...errors(400, 401) },
        },
        delete: { summary: 'Sign out', responses: { '204': { description: 'signed out' } } },
      },
      '/api/v1/stats': {
        get: { summary: 'Counts, folders, models, queue', responses: { '200': { description: 'stats' } } },
      },
      '/api/v1/events': {
        get: {
          summary: 'Server-sent events: `progress` (queue counts) and `job` (an upload finished or failed)',
          responses: { '200': { description: 'text/event-stream' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics: ingest rate, queue depth and age, job failures, search latency, inference time',
          security: [],
          responses: { '200': { description: 'text/plain; version=0.0.4' } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'ok' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: database and model files',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/api/index-image': {
        post: {
          summary: 'Compatibility: Flask/ChromaDB demo upload → {success, filename, caption, url}',
          responses: { '200': { description: 'ok' } },
        },
      },
      '/api/search-images': {
        post: {
          summary:
            'Compatibility: {query, n_results} → {success, results: [{image_path, caption, similarity, url}], count}',
          responses: { '200': { description: 'ok' } },
        },
      },
      '/api/get-all-images': {
        get: { summary: 'Compatibility: {success, results, count}', responses: { '200': { description: 'ok' } } },
      },
      '/api/stats': {
        get: { summary: 'Compatibility: {success, total_images}', responses: { '200': { description: 'ok' } } },
      },
      '/api/demo_backend_v2/image_search/search': {
        post: {
          summary: 'Compatibility: {query, k, folder} → [{distance (L2), folder, s3_path, image_url}]',
          responses: { '200': { description: 'ok' } },
        },
      },
      '/api/demo_backend_v2/image_search/search_by_image': {
        post: {
          summary: 'Compatibility: multipart file, k → [{distance, folder, s3_path, image_url}]',
          responses: { '200': { description: 'ok' } },
        },
      },
    },
    // With LOUPE_AUTH=on every /api route needs a key; a key for several spaces picks one with X-Loupe-Space.
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key from `loupe keys create --space NAME` (required when the server runs with LOUPE_AUTH=on; 401 without it, 429 past LOUPE_RATE_LIMIT)',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string', description: 'a code, e.g. NOT_AN_IMAGE' },
            message: { type: 'string' },
            requestId: { type: 'string' },
          },
        },
        Image: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            status: { enum: ['pending', 'running', 'ready', 'failed'] },
            duplicate: { type: 'boolean' },
            filename: { type: 'string' },
            folder: { type: 'string' },
            caption: { type: ['string', 'null'] },
            tags: { type: 'array', items: { type: 'string' } },
            width: { type: 'integer' },
            height: { type: 'integer' },
            url: { type: ['string', 'null'] },
            thumbnailUrl: { type: ['string', 'null'] },
          },
        },
        UploadResult: {
          type: 'object',
          properties: {
            images: { type: 'array', items: ref('Image') },
            errors: { type: 'array', items: ref('Error') },
          },
        },
        SearchResults: {
          type: 'object',
          properties: {
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  folder: { type: 'string' },
                  caption: { type: ['string', 'null'] },
                  score: { type: 'number' },
                  similarity: { type: 'number' },
                  distance: { type: 'number' },
                  url: { type: 'string' },
                  thumbnailUrl: { type: 'string' },
                  s3Path: { type: 'string', description: 'images indexed from a bucket' },
                  sourceUrl: { type: 'string', description: 'presigned URL of the original in its bucket' },
                },
              },
            },
            applied: { type: 'object', properties: { folder: { type: ['string', 'null'] } } },
          },
        },
      },
    },
  };
}
