/**
 * Shared fixtures of the verification tests: a small shop schema with every kind of object the
 * fingerprint covers, the user checks of a typical plan, and a collector of damage messages.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserCheck, captureBaseline, connect } from '../../runtime/integrity';

export const PG_SHOP_SCHEMA = `
create table customers (
  id serial primary key,
  email varchar(200) not null constraint customers_email_key unique,
  created_at timestamptz not null default now()
);
create table orders (
  id bigserial primary key,
  customer_id integer not null constraint orders_customer_fk references customers(id),
  amount numeric(12,2) not null constraint orders_amount_check check (amount >= 0),
  status text not null default 'new',
  created_at timestamptz not null default now()
);
create index orders_created_at_idx on orders (created_at);
create table audit_log (id serial primary key, note text);
insert into customers (email) select 'c' || g || '@example.com' from generate_series(1, 50) g;
insert into orders (customer_id, amount, created_at)
  select 1 + g % 50, (g * 7 % 1000)::numeric / 1, now() - (g || ' seconds')::interval from generate_series(1, 1000) g;
insert into audit_log (note) select 'n' || g from generate_series(1, 20) g;
analyze;
`;

export const MYSQL_SHOP_SCHEMA = `
create table customers (
  id int not null auto_increment primary key,
  email varchar(200) not null,
  created_at timestamp not null default current_timestamp,
  unique key customers_email_key (email)
) engine=InnoDB;
create table orders (
  id bigint not null auto_increment primary key,
  customer_id int not null,
  amount decimal(12,2) not null,
  status varchar(20) not null default 'new',
  created_at timestamp not null default current_timestamp,
  key orders_created_at_idx (created_at),
  key orders_customer_idx (customer_id),
  constraint orders_customer_fk foreign key (customer_id) references customers (id),
  constraint orders_amount_check check (amount >= 0)
) engine=InnoDB;
insert into customers (email) select concat('c', seq, '@example.com') from seq_1_to_50;
insert into orders (customer_id, amount, created_at)
  select 1 + seq % 50, seq * 7 % 1000, now() - interval seq second from seq_1_to_1000;
analyze table customers, orders;
`;

/** The checks a plan would declare: freshness, volume, a checksum of recent high-value rows. */
export const USER_CHECKS: UserCheck[] = [
  { name: 'latest-order-fresh', sql: 'select max(created_at) from orders', expect: 'newerThan', value: 3600 },
  { name: 'order-volume', sql: 'select count(*) from orders', expect: 'atLeast', value: 1000 },
  { name: 'high-value-checksum', sql: "select md5(group_concat_placeholder) from orders where amount > 900", expect: 'equals' },
  { name: 'has-customers', sql: 'select id from customers limit 1', expect: 'notEmpty' },
];

export function userChecksFor(engine: 'postgres' | 'mysql'): UserCheck[] {
  const agg = engine === 'postgres'
    ? "string_agg(id::text || ':' || amount::text, ',' order by id)"
    : "group_concat(concat(id, ':', amount) order by id separator ',')";
  return USER_CHECKS.map((c) => ({ ...c, sql: c.sql.replace('group_concat_placeholder', agg) }));
}

/** Damage cases and the message each produced, appended to a file the report quotes. */
export function recordDamage(file: string, engine: string, damage: string, message: string): void {
  // The default log lives in cdk.out/, which a fresh clone does not have yet.
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${engine} | ${damage} | ${message}\n`);
}

/**
 * Captures the baseline of database `shop` on a test server (with the plan's user checks of its
 * engine) into `<dir>/baseline.json`, as the baseline capture would; returns the file.
 */
export async function writeShopBaseline(server: { host: string; port: number; user: string; password: string }, engine: 'postgres' | 'mysql', dir: string): Promise<string> {
  const db = await connect({ engine, host: server.host, port: server.port, user: server.user, password: server.password, database: 'shop', tls: false });
  try {
    const file = join(dir, 'baseline.json');
    writeFileSync(file, JSON.stringify(await captureBaseline(db, { database: 'shop', userChecks: userChecksFor(engine) })));
    return file;
  } finally {
    await db.close();
  }
}
