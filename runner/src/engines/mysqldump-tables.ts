/**
 * Selective restore from a mysqldump stream, line by line (a dump is never held in memory).
 * mysqldump marks its sections with comment headers:
 *   -- Current Database: `shop`                 (dumps of several databases: CREATE DATABASE, USE)
 *   -- Table structure for table `orders`       (DROP TABLE, CREATE TABLE)
 *   -- Dumping data for table `orders`          (LOCK TABLES, INSERT ..., UNLOCK TABLES, its triggers)
 *   -- Temporary table structure for view `v` / -- Final view structure for view `v`
 *   -- Dumping routines / events for database 'shop'
 * The filter keeps the preamble, the sections of the chosen tables, and everywhere the session
 * lines (`/*!40101 SET ...*\/`, `DELIMITER`) that keep the client's state consistent; it drops
 * every other section (other tables, views, routines, events, CREATE DATABASE / USE, so the rows
 * land in the client's database: the scratch --target-db) and the chosen tables' triggers.
 */
import { Transform, TransformCallback, Writable } from 'node:stream';
import type { DumpTable } from '../core/table-selection';

const TABLE_HEADER = /^-- (?:Table structure|Dumping data) for table `((?:[^`]|``)+)`/;
const OTHER_HEADER = /^-- (?:Temporary table structure for view|Temporary view structure for view|Final view structure for view|Dumping routines for database|Dumping events for database|Current Database:)/;
const CURRENT_DB = /^-- Current Database: `((?:[^`]|``)+)`/;
const SESSION_LINE = /^(?:\/\*!\d+ SET |DELIMITER )/;

type Section = { kind: 'preamble' } | { kind: 'table'; schema: string | undefined; table: string } | { kind: 'other' };

/** Tracks which section a line belongs to. `defaultSchema` is the dumped database of a one-database dump. */
class SectionTracker {
  section: Section = { kind: 'preamble' };
  schema: string | undefined;
  constructor(defaultSchema: string | undefined) { this.schema = defaultSchema; }

  /** Reads a line (only its head when it cannot be a header) and returns whether it starts a table section. */
  see(line: Buffer): void {
    // Headers, SET and DELIMITER lines start with '-', '/' or 'D'; INSERT lines (the bulk) never do.
    const c = line[0];
    if (c !== 0x2d) return;
    const text = line.subarray(0, 4096).toString('utf8');
    const cur = CURRENT_DB.exec(text);
    if (cur) { this.schema = cur[1].replace(/``/g, '`'); this.section = { kind: 'other' }; return; }
    const t = TABLE_HEADER.exec(text);
    if (t) { this.section = { kind: 'table', schema: this.schema, table: t[1].replace(/``/g, '`') }; return; }
    if (OTHER_HEADER.test(text)) this.section = { kind: 'other' };
  }
}

/** Splits a byte stream into lines (each without its '\n'), keeping the bytes as they are. */
abstract class LineStream extends Transform {
  private rest: Buffer = Buffer.alloc(0);
  protected abstract line(line: Buffer, withNewline: Buffer): void;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let i: number;
    while ((i = buf.indexOf(0x0a)) >= 0) {
      this.line(buf.subarray(0, i), buf.subarray(0, i + 1));
      buf = buf.subarray(i + 1);
    }
    this.rest = Buffer.from(buf);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    if (this.rest.length) this.line(this.rest, this.rest);
    cb();
  }
}

/** Passes through only the chosen tables' sections (see the file comment). */
export class TableSectionFilter extends LineStream {
  private readonly tracker: SectionTracker;
  /** Tables whose section was seen, `schema.table`. */
  readonly seen = new Set<string>();
  constructor(private readonly tables: readonly DumpTable[], defaultSchema: string | undefined) {
    super();
    this.tracker = new SectionTracker(defaultSchema);
  }
  private inTrigger = false;
  protected line(line: Buffer, withNewline: Buffer): void {
    this.tracker.see(line);
    const s = this.tracker.section;
    // A table's triggers follow its rows: `/*!50003 CREATE*\/ ... TRIGGER ... *\/;;`, possibly over
    // several lines. They are left out like PostgreSQL's: they may write to tables not restored.
    const head = line.subarray(0, 32).toString('latin1');
    if (this.inTrigger || head.startsWith('/*!50003 CREATE*/ ')) {
      this.inTrigger = !/;;\s*$/.test(line.subarray(Math.max(0, line.length - 8)).toString('latin1'));
      return;
    }
    const keep = s.kind === 'preamble'
      || (s.kind === 'table' && this.tables.some((t) => t.table === s.table && (s.schema === undefined || t.schema === s.schema)))
      || SESSION_LINE.test(head);
    if (s.kind === 'table' && keep) this.seen.add(`${s.schema}.${s.table}`);
    if (keep) this.push(withNewline);
  }
}

/** Collects the tables of a dump (its "Table structure for table" sections) and discards the bytes. */
export class DumpTableLister extends Writable {
  readonly tables: DumpTable[] = [];
  private readonly splitter: LineStream;
  constructor(defaultSchema: string | undefined) {
    super();
    const tracker = new SectionTracker(defaultSchema);
    const tables = this.tables;
    this.splitter = new (class extends LineStream {
      protected line(line: Buffer): void {
        const before = tracker.section;
        tracker.see(line);
        const s = tracker.section;
        if (s !== before && s.kind === 'table' && line.subarray(0, 40).toString('latin1').startsWith('-- Table structure')) {
          tables.push({ schema: s.schema ?? '', table: s.table });
        }
      }
    })();
    this.splitter.resume();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.splitter.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.splitter.end(cb);
  }
}
