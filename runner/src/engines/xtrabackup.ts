/**
 * The `xtrabackup` engine: MySQL / Percona Server physical backups with Percona XtraBackup. Same
 * chain logic and command builder as mariabackup (./mariabackup/), with Percona's binaries
 * (xtrabackup, xbstream) and its prepare rule (--apply-log-only on all but the last step).
 */
import { registerEngine } from '../core/registry';
import { XTRABACKUP_TOOL } from './mariabackup/commands';
import { physicalEngine } from './mariabackup/engine';

export const xtrabackupEngine = physicalEngine(XTRABACKUP_TOOL);
registerEngine(xtrabackupEngine);
