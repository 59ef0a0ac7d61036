import type { UploadedLine } from './line-reader';
import { MAX_RAW_LINE_LENGTH, TOO_LONG } from './line-reader';

/** A token of stream-json's parser run with every value streamed and none packed. */
export interface JsonToken {
  name: string;
  value?: unknown;
}

/** Why a JSON body is not one array of elements we can read; the whole upload is refused. */
export class JsonShapeError extends Error {}

/** Arrays or objects nested deeper than this inside an element end the read (the parser keeps a stack per level). */
const MAX_ELEMENT_DEPTH = 64;

/**
 * Turns the token stream of a JSON array into numbered lines, element n being line n, like a
 * text file: a string element is collected piece by piece and, past MAX_RAW_LINE_LENGTH, no
 * longer kept (so a 100 MB string costs no more than a short one); anything else is "not a
 * string" and its pieces are never kept at all.
 */
export class JsonElementReader {
  private depth = 0;
  private number = 0;
  private inString = false;
  private pieces: string[] = [];
  private length = 0;
  private overflow = false;

  /** Takes the next token; returns the element it completes, if any. */
  take(token: JsonToken): UploadedLine | undefined {
    if (this.depth === 0) return this.top(token);
    if (this.depth === 1) return this.element(token);
    return this.nested(token);
  }

  /** Whether the array was closed (anything after it is the parser's to refuse). */
  get finished(): boolean {
    return this.depth === -1;
  }

  private top(token: JsonToken): undefined {
    if (token.name !== 'startArray') throw new JsonShapeError('the body is not an array');
    this.depth = 1;
    return undefined;
  }

  private element(token: JsonToken): UploadedLine | undefined {
    switch (token.name) {
      case 'startString':
        this.inString = true;
        return undefined;
      case 'stringChunk':
        if (this.inString) this.collect(token.value as string);
        return undefined;
      case 'endString':
        return this.finishString();
      case 'startObject':
      case 'startArray':
        this.depth = 2;
        return undefined;
      case 'endArray':
        this.depth = -1;
        return undefined;
      case 'startNumber':
      case 'numberChunk':
        return undefined;
      default:
        // endNumber, trueValue, falseValue, nullValue
        return { number: ++this.number, problem: 'not a string' };
    }
  }

  private nested(token: JsonToken): UploadedLine | undefined {
    if (token.name === 'startObject' || token.name === 'startArray') {
      if (++this.depth > MAX_ELEMENT_DEPTH + 1)
        throw new JsonShapeError(`element ${this.number + 1} nests arrays or objects more than ${MAX_ELEMENT_DEPTH} deep`);
    } else if (token.name === 'endObject' || token.name === 'endArray') {
      if (--this.depth === 1) return { number: ++this.number, problem: 'not a string' };
    }
    return undefined;
  }

  private collect(piece: string): void {
    if (this.overflow) return;
    if (this.length + piece.length > MAX_RAW_LINE_LENGTH) {
      this.overflow = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(piece);
    this.length += piece.length;
  }

  private finishString(): UploadedLine {
    const line: UploadedLine = this.overflow ? { number: ++this.number, problem: TOO_LONG } : { number: ++this.number, text: this.pieces.join('') };
    this.inString = false;
    this.pieces = [];
    this.length = 0;
    this.overflow = false;
    return line;
  }
}
