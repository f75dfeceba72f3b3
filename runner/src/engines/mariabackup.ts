/** The `mariabackup` engine: MariaDB physical backups (implementation in ./mariabackup/engine.ts). */
import { registerEngine } from '../core/registry';
import { MARIABACKUP_TOOL } from './mariabackup/commands';
import { physicalEngine } from './mariabackup/engine';

export const mariabackupEngine = physicalEngine(MARIABACKUP_TOOL);
registerEngine(mariabackupEngine);
