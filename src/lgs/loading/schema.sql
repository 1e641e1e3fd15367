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
);

-- PostgreSQL 17+ loads COPY straight into this table, typed as it is read (lgs.loading.
-- typed_copy): the lineage columns then come from the loading transaction's settings and
-- the row counter below, which one load at a time uses (under an advisory lock). Every
-- other insert names them itself.
create sequence if not exists raw.load_source_row cache 10000;
do $$
begin
    if not exists (select 1 from pg_attrdef as d
                   join pg_attribute as a on a.attrelid = d.adrelid and a.attnum = d.adnum
                   where d.adrelid = 'raw.retail_transactions'::regclass and a.attname = 'source_row') then
        alter table raw.retail_transactions
            alter column batch_id set default cast(current_setting('lgs.batch_id') as bigint),
            alter column source_file set default current_setting('lgs.source_file'),
            alter column source_row set default nextval('raw.load_source_row');
    end if;
end
$$;

-- Batches arrive in id order, so a BRIN index finds a batch's rows at almost no load cost.
create index if not exists retail_transactions_batch_brin
    on raw.retail_transactions using brin (batch_id);

create table if not exists raw.rejected_lines (
    batch_id bigint not null,
    source_file text not null,
    source_sheet text,
    source_row bigint,
    raw_content text,
    reason text not null,
    rejected_at timestamptz not null default now()
);
