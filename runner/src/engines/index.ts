/**
 * The engine registry: one side-effect import per engine module (each calls registerEngine).
 * Adding an engine is one line here.
 */
import './pg-dump';
import './mysqldump';
import './mongodump';
import './mariabackup';
import './xtrabackup';
import './pgbackrest';
import './wal-g';
