/**
 * The plan file as written (snake_case), after schema validation and before normalization.
 * Internal to the loader and its checks: the JSON allows unions (`true | false | "auto"`) that
 * the public, jsii-compatible types in types.ts do not.
 */

/** The plan file's top level. */
export interface PlanFile {
  name?: string;
  primary_region: string;
  dr_region: string;
  account?: string;
  dr_account?: string;
  dr_vault_arn?: string;
  tags?: Record<string, string>;
  vault_lock?: VaultLockFile;
  alarm_email?: string;
  sns_topic_arn?: string;
  runner_image?: string;
  audit?: { enabled?: boolean };
  network?: { vpc_id: string; availability_zones: string[]; private_subnet_ids: string[] };
  dr_network?: { vpc_id: string; availability_zones: string[]; private_subnet_ids: string[] };
  databases: DatabaseFile[];
}

export interface VaultLockFile {
  mode: 'governance' | 'compliance';
  min_retention_days: number;
  max_retention_days?: number;
  changeable_for_hours?: number;
}

/**
 * One entry of `databases`. The schema lets `name` and `deployment` out; the loader fills their
 * defaults (`withEntryDefaults`) before any check reads the entry, so they are always set here.
 */
export interface DatabaseFile {
  name: string;
  db_type: string;
  deployment: string;
  rpo_minutes: number;
  rto_minutes: number;
  schedule_cron: string;
  retention_days: number;
  retention?: { daily?: number; weekly?: number; monthly?: number };
  size_gb?: number;
  continuous_backup?: boolean | 'auto';
  logical_backup?: boolean;
  archive?: string;
  archive_timeout_seconds?: number;
  existing_resource_arn?: string;
  host?: { address: string; port: number; secret_arn: string; database_names?: string[]; user?: string; pg_data_path?: string; tls_secret_arn?: string };
  verification?: {
    schedule_cron?: string; max_age_days?: number; database_name?: string; master_secret_arn?: string; read_only_secret_arn?: string;
    checks?: Array<{ name: string; sql: string; expect?: string; expected?: string | number | boolean; max_age_minutes?: number }>;
  };
  tags?: Record<string, string>;
  selection?: string;
}
