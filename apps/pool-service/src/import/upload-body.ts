import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import withParser from 'stream-json/utils/with-parser.js';
import { JsonElementReader, type JsonToken } from './json-elements';
import { UploadedLine, readLines } from './line-reader';

export type UploadForm = 'text' | 'multipart' | 'json';

/** Which of the accepted forms a request body is, judged on its headers before it is read. */
export function uploadFormOf(headers: IncomingHttpHeaders): UploadForm {
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/plain' || type === 'application/octet-stream') return 'text';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/json') return 'json';
  throw new UnsupportedMediaTypeException(
    'Send the licenses as text/plain (one per line), as a multipart/form-data file field named "file", or as a JSON array of strings',
  );
}

/**
 * The lines of an upload, however it came: a raw text/plain body, a multipart/form-data file
 * (streamed with busboy), or a JSON array of strings (streamed token by token with stream-json).
 * No form is ever read whole, and no single line or element is kept past MAX_RAW_LINE_LENGTH.
 * The JSON route is exempt from the platform's JSON parser (streamJsonBodiesOf in the controller).
 */
export async function uploadedLines(form: UploadForm, headers: IncomingHttpHeaders, body: Readable): Promise<AsyncIterable<UploadedLine>> {
  if (form === 'text') return readLines(body);
  if (form === 'multipart') return readLines(await firstFile(headers, body));
  return jsonLines(body);
}

function firstFile(headers: IncomingHttpHeaders, body: Readable): Promise<Readable> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { files: 1 } });
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
    body.pipe(parser);
  });
}

async function* jsonLines(body: Readable): AsyncGenerator<UploadedLine> {
  // Nothing packed: the parser hands strings over in pieces and never assembles one whole. The
  // reader runs inside the parser's stream, token by token, so only whole lines come out of it.
  const reader = new JsonElementReader();
  const tokensToLines = () => (token: JsonToken) => reader.take(token);
  const elements = pipeline(body, withParser.asStream(tokensToLines, { packValues: false, streamValues: true }), () => undefined);
  try {
    for await (const line of elements as AsyncIterable<UploadedLine>) yield line;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BadRequestException(`The JSON body must be one array of strings, one license each; it could not be read: ${reason}. Nothing was stored`);
  }
}
