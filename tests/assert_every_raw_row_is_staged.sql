-- Reconciliation: every raw row appears in staging exactly once (and nothing else does).
-- Returns the raw rows missing from staging and any staged row not in raw.
with

raw_rows as (
    select batch_id, source_sheet, source_row
    from {{ source('retail', 'retail_transactions') }}
),

staged_rows as (
    select batch_id, source_sheet, source_row
    from {{ ref('stg_retail__invoice_lines') }}
),

missing_from_staging as (
    select 'raw row missing from staging' as problem, * from raw_rows
    except
    select 'raw row missing from staging' as problem, * from staged_rows
),

not_in_raw as (
    select 'staged row not in raw' as problem, * from staged_rows
    except
    select 'staged row not in raw' as problem, * from raw_rows
),

count_mismatch as (
    select
        'row counts differ: raw ' || cast(raw_count as {{ dbt.type_string() }})
        || ', staging ' || cast(staged_count as {{ dbt.type_string() }}) as problem,
        cast(null as {{ dbt.type_bigint() }}) as batch_id,
        cast(null as {{ dbt.type_string() }}) as source_sheet,
        cast(null as {{ dbt.type_bigint() }}) as source_row
    from
        (select count(*) as raw_count from raw_rows) as r
        cross join (select count(*) as staged_count from staged_rows) as s
    where raw_count <> staged_count
)

select * from missing_from_staging
union all
select * from not_in_raw
union all
select * from count_mismatch
