import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { matchTables, parseTables } from '../../../runner/src/core/table-selection';
import { parseToc, tocLinesFor, tocTables } from '../../../runner/src/engines/pg-dump';
import { DumpTableLister, TableSectionFilter } from '../../../runner/src/engines/mysqldump-tables';
import { ConfigurationError } from '../../../runtime/errors';

describe('--tables', () => {
  test('parses schema.table and bare names; reports every bad name at once', () => {
    expect(parseTables(' public.a, b ')).toEqual({ tables: [{ schema: 'public', table: 'a', given: 'public.a' }, { table: 'b', given: 'b' }], problems: [] });
    expect(parseTables('a,,x.y.z,.t,a').problems).toEqual([
      '--tables has an empty name in "a,,x.y.z,.t,a"', '--tables: "x.y.z" is not schema.table or table', '--tables: ".t" is not schema.table or table', '--tables names "a" twice']);
    expect(parseTables(' , ').problems).toEqual(['--tables must name at least one table, got " , "']);
  });

  test('matches against the dump: absent and ambiguous names are refused together, with the dump\'s tables', () => {
    const dump = [{ schema: 'public', table: 'a' }, { schema: 's', table: 'a' }, { schema: 's', table: 'b' }];
    expect(matchTables(parseTables('a,s.b').tables, dump, 'public', 'B1')).toEqual([{ schema: 'public', table: 'a' }, { schema: 's', table: 'b' }]);
    let err: ConfigurationError | undefined;
    try { matchTables(parseTables('nope,a,s.c').tables, dump, undefined, 'B1'); } catch (e) { err = e as ConfigurationError; }
    expect(err?.problems).toEqual(['--tables: "nope" is not a table of backup B1', '--tables: "s.c" is not a table of backup B1',
      '--tables: "a" is ambiguous in backup B1 (public.a, s.a): qualify it', 'backup B1 holds 3 tables: public.a, s.a, s.b']);
  });
});

describe('pg_restore --list', () => {
  const toc = [
    '; Archive created at 2026-12-03 13:34:38 UTC',
    '6; 2615 16384 SCHEMA - s2 postgres',
    '219; 1259 16403 TABLE public Mixed Case postgres',
    '216; 1259 16386 TABLE public a postgres',
    '3397; 0 0 COMMENT public TABLE a postgres',
    '218; 1259 16397 TABLE s2 a postgres',
    '221; 1259 16417 VIEW public va postgres',
    '3225; 0 0 TABLE ATTACH public p1 postgres',
    '3226; 2604 16389 DEFAULT public a id postgres',
    '3386; 0 16403 TABLE DATA public Mixed Case postgres',
    '3383; 0 16386 TABLE DATA public a postgres',
    '3385; 0 16397 TABLE DATA s2 a postgres',
    '3229; 2606 16393 CONSTRAINT public a a_pkey postgres',
    '3234; 2606 16402 CONSTRAINT s2 a a_pkey postgres',
    '3230; 1259 16416 INDEX public a_v_idx postgres',
    '3238; 2620 16423 TRIGGER public a tr postgres',
    '3237; 2606 16411 FK CONSTRAINT public a a_b_id_fkey postgres',
  ].join('\n');

  test('tables (not views, attachments) with names that hold spaces', () => {
    expect(tocTables(parseToc(toc))).toEqual([{ schema: 'public', table: 'Mixed Case' }, { schema: 'public', table: 'a' }, { schema: 's2', table: 'a' }]);
  });

  test('the use-list of a table: definition, rows, constraints; not its FK, index, trigger, default, nor the same name in another schema', () => {
    expect(tocLinesFor(parseToc(toc), [{ schema: 'public', table: 'a' }])).toEqual([
      '216; 1259 16386 TABLE public a postgres', '3383; 0 16386 TABLE DATA public a postgres', '3229; 2606 16393 CONSTRAINT public a a_pkey postgres']);
  });
});

describe('mysqldump sections', () => {
  const dump = [
    '/*!40101 SET NAMES utf8mb4 */;',
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    '--', '-- Table structure for table `a`', '--', '',
    'DROP TABLE IF EXISTS `a`;', '/*!40101 SET @saved_cs_client     = @@character_set_client */;', 'CREATE TABLE `a` (', '  `id` int', ');',
    '--', '-- Dumping data for table `a`', '--', '', 'LOCK TABLES `a` WRITE;', 'INSERT INTO `a` VALUES (1),(2);', 'UNLOCK TABLES;',
    'DELIMITER ;;', '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t AFTER INSERT ON a FOR EACH ROW',
    'INSERT INTO b VALUES (NEW.id) */;;', 'DELIMITER ;',
    '--', '-- Table structure for table `b`', '--', 'CREATE TABLE `b` (`id` int);',
    '--', '-- Dumping data for table `b`', '--', 'INSERT INTO `b` VALUES (9);',
    '--', '-- Temporary table structure for view `v`', '--', 'CREATE TABLE `v` (`id` int);',
    '--', '-- Dumping routines for database \'shop\'', '--', 'DELIMITER ;;', 'CREATE PROCEDURE p() SELECT 1 ;;', 'DELIMITER ;',
    '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;', '-- Dump completed on 2026-12-03 13:40:00', '',
  ].join('\n');

  test('lists the tables of the structure sections (a view\'s stand-in table is not one)', async () => {
    const lister = new DumpTableLister('shop');
    await pipeline(Readable.from([Buffer.from(dump.slice(0, 200)), Buffer.from(dump.slice(200))]), lister);
    expect(lister.tables).toEqual([{ schema: 'shop', table: 'a' }, { schema: 'shop', table: 'b' }]);
  });

  test('keeps the preamble, session lines and the chosen table\'s sections, without its trigger', async () => {
    const filter = new TableSectionFilter([{ schema: 'shop', table: 'a' }], 'shop');
    const chunks: Buffer[] = [];
    filter.on('data', (c: Buffer) => chunks.push(c));
    // Split inside lines: the filter must reassemble them.
    await pipeline(Readable.from([...Array(Math.ceil(dump.length / 7)).keys()].map((i) => Buffer.from(dump.slice(i * 7, i * 7 + 7)))), filter);
    const out = Buffer.concat(chunks).toString();
    expect(out).toContain('CREATE TABLE `a` (\n  `id` int\n);');
    expect(out).toContain('INSERT INTO `a` VALUES (1),(2);');
    expect(out).toContain('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;');
    for (const gone of ['TRIGGER', 'INSERT INTO b', 'CREATE TABLE `b`', 'CREATE TABLE `v`', 'CREATE PROCEDURE']) expect(out).not.toContain(gone);
    expect(out.match(/^DELIMITER /gm)).toHaveLength(4);
    expect([...filter.seen]).toEqual(['shop.a']);
  });
});
