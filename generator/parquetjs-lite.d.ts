// Types for the parts of parquetjs-lite that Pulse uses (the package ships none).
declare module 'parquetjs-lite' {
  interface FieldDefinition { type: string; optional?: boolean; compression?: string }
  class ParquetSchema {
    constructor(fields: Record<string, FieldDefinition>);
  }
  class ParquetWriter {
    static openFile(schema: ParquetSchema, path: string, options?: { rowGroupSize?: number }): Promise<ParquetWriter>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    close(): Promise<void>;
  }
  class ParquetReader {
    static openFile(path: string): Promise<ParquetReader>;
    getCursor(columns?: string[]): { next(): Promise<Record<string, unknown> | null> };
    getRowCount(): number | bigint;
    close(): Promise<void>;
  }
  const parquet: { ParquetSchema: typeof ParquetSchema; ParquetWriter: typeof ParquetWriter; ParquetReader: typeof ParquetReader };
  export default parquet;
  export type { ParquetSchema, ParquetWriter, ParquetReader };
}
