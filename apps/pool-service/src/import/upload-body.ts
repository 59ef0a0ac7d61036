import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { UploadedLine, readLines } from './line-reader';

/**
 * The lines of an upload, however it came: a raw text/plain body, a multipart/form-data file
 * (streamed with busboy, never buffered), or a JSON array of strings (small lists only: the
 * platform's JSON parser reads it whole).
 */
export async function uploadedLines(request: Request): Promise<AsyncIterable<UploadedLine>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/plain' || type === 'application/octet-stream') return readLines(request);
  if (type === 'multipart/form-data') return readLines(await firstFile(request));
  if (type === 'application/json') return jsonLines(request.body);
  throw new UnsupportedMediaTypeException(
    'Send the licenses as text/plain (one per line), as a multipart/form-data file field named "file", or as a JSON array of strings',
  );
}

function firstFile(request: Request): Promise<Readable> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { files: 1 } });
    } catch {
      reject(new BadRequestException('The multipart body is malformed: its boundary is missing'));
      return;
    }
    let found = false;
    parser.on('file', (_field, stream) => {
      if (found) return void stream.resume();
      found = true;
      resolve(stream);
    });
    parser.on('error', () => reject(new BadRequestException('The multipart body is malformed')));
    parser.on('close', () => {
      if (!found) reject(new BadRequestException('The multipart body has no file: attach the .txt in a field named "file"'));
    });
    request.pipe(parser);
  });
}

async function* jsonLines(body: unknown): AsyncGenerator<UploadedLine> {
  if (!Array.isArray(body)) throw new BadRequestException('A JSON upload must be an array of strings, one license each');
  for (const [index, item] of body.entries()) {
    if (typeof item === 'string') yield { number: index + 1, text: item };
    else yield { number: index + 1, problem: 'not a string' };
  }
}
