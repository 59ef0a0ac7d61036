import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import { pipeline, type Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { UploadedLine, readLines } from './line-reader';

/**
 * The lines of an upload, however it came: a raw text/plain body, a multipart/form-data file
 * (streamed with busboy), or a JSON array of strings (streamed with stream-json, element by
 * element). No form is ever read whole. The JSON route is exempt from the platform's JSON
 * parser (streamJsonBodiesOf in the controller).
 */
export async function uploadedLines(request: Request): Promise<AsyncIterable<UploadedLine>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/plain' || type === 'application/octet-stream') return readLines(request);
  if (type === 'multipart/form-data') return readLines(await firstFile(request));
  if (type === 'application/json') return jsonLines(request);
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
      // A client that goes away mid-upload must end the read (and the import's transaction),
      // not leave the file stream waiting for the rest forever.
      request.once('close', () => {
        if (!request.complete) stream.destroy(new Error('the upload was abandoned before its end'));
      });
      resolve(stream);
    });
    parser.on('error', () => reject(new BadRequestException('The multipart body is malformed')));
    parser.on('close', () => {
      if (!found) reject(new BadRequestException('The multipart body has no file: attach the .txt in a field named "file"'));
    });
    request.pipe(parser);
  });
}

async function* jsonLines(body: Readable): AsyncGenerator<UploadedLine> {
  // pipeline, not pipe: a client that goes away mid-upload must end the read (and the import's
  // transaction with it) instead of leaving the parser waiting for the rest forever.
  const elements = pipeline(body, streamArray.withParserAsStream(), () => undefined);
  try {
    for await (const { key, value } of elements as AsyncIterable<streamArray.StreamArrayItem>) {
      if (typeof value === 'string') yield { number: key + 1, text: value };
      else yield { number: key + 1, problem: 'not a string' };
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BadRequestException(`The JSON body must be one array of strings, one license each; it could not be read: ${reason}. Nothing was stored`);
  }
}
