import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTime, localTimeMs, newestBinlogTime, newestEventTime } from '../../../runner/src/engines/mariabackup/pitr';

/** A binlog file: the magic number, then v4 events (19-byte header: timestamp, type, server id, length, next position, flags). */
function binlog(events: Array<{ ts: number; type: number; body?: number }>, truncateBy = 0): Buffer {
  const parts = [Buffer.from([0xfe, 0x62, 0x69, 0x6e])];
  let pos = 4;
  for (const e of events) {
    const len = 19 + (e.body ?? 8);
    const ev = Buffer.alloc(len);
    ev.writeUInt32LE(e.ts, 0);
    ev.writeUInt8(e.type, 4);
    ev.writeUInt32LE(1, 5);
    ev.writeUInt32LE(len, 9);
    ev.writeUInt32LE(pos + len, 13);
    parts.push(ev);
    pos += len;
  }
  const all = Buffer.concat(parts);
  return all.subarray(0, all.length - truncateBy);
}

describe('binlog times for the point-in-time window', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'pitr-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the newest event timestamp from the event headers; a truncated last event is ignored; not a binlog is undefined', () => {
    writeFileSync(join(dir, 'mysql-bin.000001'), binlog([{ ts: 1796280000, type: 15, body: 100 }, { ts: 1796280007, type: 2 }, { ts: 1796280009, type: 16 }]));
    expect(newestEventTime(join(dir, 'mysql-bin.000001'))).toBe(1796280009);
    writeFileSync(join(dir, 'mysql-bin.000002'), binlog([{ ts: 1796280010, type: 15 }, { ts: 1796280020, type: 16, body: 40 }], 10));
    expect(newestEventTime(join(dir, 'mysql-bin.000002'))).toBe(1796280010);
    writeFileSync(join(dir, 'not-a-binlog'), 'hello world, not a binlog at all');
    expect(newestEventTime(join(dir, 'not-a-binlog'))).toBeUndefined();
  });

  it('takes the newest event of the last two files of the binlog base name, ignoring other files', () => {
    writeFileSync(join(dir, 'mysql-bin.000001'), binlog([{ ts: 1796280000, type: 15 }]));
    writeFileSync(join(dir, 'mysql-bin.000002'), binlog([{ ts: 1796280100, type: 15 }, { ts: 1796280150, type: 16 }, { ts: 1796280160, type: 4 }]));
    // The newest file holds only its header event (written at the rotation).
    writeFileSync(join(dir, 'mysql-bin.000010'), binlog([{ ts: 1796280160, type: 15 }]));
    writeFileSync(join(dir, 'other-bin.000003'), binlog([{ ts: 1896280000, type: 16 }]));
    writeFileSync(join(dir, 'mysql-bin.index'), 'mysql-bin.000001\n');
    expect(newestBinlogTime(dir, 'mysql-bin.000001')).toBe(1796280160 * 1000);
    // Unreadable events: the newest file's modification time.
    writeFileSync(join(dir, 'x-bin.000001'), 'garbage');
    utimesSync(join(dir, 'x-bin.000001'), new Date(1796280200 * 1000), new Date(1796280200 * 1000));
    expect(newestBinlogTime(dir, 'x-bin.000001')).toBe(1796280200 * 1000);
    expect(newestBinlogTime(dir, 'none-bin.000001')).toBeUndefined();
  });

  it('reads and writes targets in the runner\'s time zone, whole seconds, refusing impossible dates', () => {
    const t = '2026-11-23 06:15:00';
    expect(localTime(localTimeMs(t))).toBe(t);
    expect(localTime(localTimeMs(t) + 1000)).toBe('2026-11-23 06:15:01');
    expect(localTime(localTimeMs('2026-12-31 23:59:59') + 1000)).toBe('2027-01-01 00:00:00');
    expect(localTimeMs('2026-02-30 00:00:00')).toBeNaN();
    expect(localTimeMs('2026-11-23T06:15:00')).toBeNaN();
  });
});
