-- The raw layer: what `lgs load` writes and dbt reads as the `retail` source.
-- Idempotent: run before every load and build.

create schema if not exists raw;

create table if not exists raw.load_batches (
    batch_id bigint generated always as identity primary key,
    source_file text not null,
    source_path text,
    file_type text not null,
    checksum_sha256 text not null,
    status text not null check (status in ('loaded', 'replaced', 'unloaded', 'failed')),
    rows_read bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_rejected bigint not null default 0,
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    loaded_by text not null default current_user,
    note text,
    constraint rows_accounted_for check (status <> 'loaded' or rows_read = rows_loaded + rows_rejected)
);

-- Added after the first release: whether a batch is generated sample data (`lgs generate`),
-- and the status `unloaded` (`lgs unload`).
alter table raw.load_batches add column if not exists is_sample boolean not null default false;
do $$
begin
    if not exists (select 1 from pg_constraint where conname = 'load_batches_status_check'
                   and pg_get_constraintdef(oid) like '%unloaded%') then
        alter table raw.load_batches drop constraint if exists load_batches_status_check;
        alter table raw.load_batches add constraint load_batches_status_check
            check (status in ('loaded', 'replaced', 'unloaded', 'failed'));
    end if;
end
$$;

-- One live batch per file content: a second load of the same bytes is skipped, not doubled.
create unique index if not exists load_batches_one_live_per_checksum
    on raw.load_batches (checksum_sha256) where status = 'loaded';

-- One partition per load batch (store.add_batch_partition), so a load writes a table of its
-- own: created, filled and attached in the load's transaction, its rows skip the write-ahead
-- log (wal_level minimal) and take their lineage (batch, file) from the partition's own
-- column defaults, and a build reading the batches above a number reads only their
-- partitions.
--
-- A raw table from before partitioning keeps its rows: it is renamed and becomes the
-- partition of every batch up to the last one recorded, checked once as it is attached.
do $$
begin
    if exists (select 1 from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
               where n.nspname = 'raw' and c.relname = 'retail_transactions' and c.relkind = 'r') then
        alter table raw.retail_transactions rename to retail_transactions_before_partitioning;
    end if;
end
$$;

create table if not exists raw.retail_transactions (
    batch_id bigint not null,
    source_file text not null,
    source_sheet text,
    source_row bigint not null,
    invoice text not null,
    stock_code text not null,
    description text,
    quantity integer not null,
    invoice_date timestamp not null,
    unit_price numeric not null,
    customer_id numeric,
    country text,
    loaded_at timestamptz not null default now()
) partition by range (batch_id);

-- A typed COPY (lgs.loading.typed_copy) numbers the rows it writes with this counter, which
-- one load at a time uses (under an advisory lock). Every other insert numbers them itself.
create sequence if not exists raw.load_source_row cache 10000;

do $$
declare
    last_batch bigint;
begin
    if exists (select 1 from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
               where n.nspname = 'raw' and c.relname = 'retail_transactions_before_partitioning'
               and not c.relispartition) then
        select greatest((select max(batch_id) from raw.load_batches),
                        (select max(batch_id) from raw.retail_transactions_before_partitioning), 0)
            into last_batch;
        execute format('alter table raw.retail_transactions attach partition'
                       ' raw.retail_transactions_before_partitioning for values from (minvalue) to (%s)',
                       last_batch + 1);
    end if;
end
$$;

-- A big CSV file is COPYed in two parts at once (lgs.loading.typed_copy): the second over a
-- connection of its own, into a table it commits and the loading transaction then attaches
-- to the batch's partition, holding a lock on the batch meanwhile. A load killed in between
-- leaves that table behind, attached to nothing; it is dropped here, once no load holds it.
do $$
declare
    part record;
begin
    for part in
        select c.oid::regclass as name,
               substring(c.relname from '^retail_transactions_batch_([0-9]+)_part_[0-9]+$')::bigint as batch_id
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = 'raw' and c.relkind = 'r' and not c.relispartition
            and c.relname ~ '^retail_transactions_batch_[0-9]+_part_[0-9]+$'
    loop
        if pg_try_advisory_xact_lock(hashtextextended('lgs.batch_part', part.batch_id)) then
            execute format('drop table %s', part.name);
        end if;
    end loop;
end
$$;

create table if not exists raw.rejected_lines (
    batch_id bigint not null,
    source_file text not null,
    source_sheet text,
    source_row bigint,
    raw_content text,
    reason text not null,
    rejected_at timestamptz not null default now()
);
