/** Types for jsonparse 1.3 (MIT): a streaming JSON tokenizer/parser, used for the AWS bulk offer files. */
declare module 'jsonparse' {
  interface Frame {
    value: unknown;
    key: string | number | undefined;
  }
  class Parser {
    stack: Frame[];
    key: string | number | undefined;
    value: Record<string, unknown> | unknown[] | undefined;
    onValue(this: Parser, value: unknown): void;
    onError(error: Error): void;
    write(chunk: Buffer | string): void;
  }
  export = Parser;
}
