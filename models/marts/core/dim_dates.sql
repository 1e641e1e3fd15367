-- A calendar from the first to the last invoice date (dbt's cross-database date_spine),
-- with the parts marts and analysts group by.
{%- set bounds_sql -%}
    select
        cast(min(invoice_date) as {{ dbt.type_string() }}),
        cast(max(invoice_date) as {{ dbt.type_string() }})
    from {{ ref('int_invoice_lines_deduplicated') }}
{%- endset -%}
{%- set first_day, last_day = '2009-12-01', '2009-12-01' -%}
{%- if execute -%}
    {%- set bounds = run_query(bounds_sql) -%}
    {%- if bounds.rows and bounds.rows[0][0] is not none -%}
        {%- set first_day, last_day = bounds.rows[0][0], bounds.rows[0][1] -%}
    {%- endif -%}
{%- endif %}

with

spine as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ first_day ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ last_day ~ "' as date)")
    ) }}
),

final as (
    select
        cast(date_day as date) as date_day,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as calendar_year,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as calendar_quarter,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as calendar_month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        {{ iso_date_part('isoyear', 'date_day') }} as iso_year,
        {{ iso_date_part('week', 'date_day') }} as iso_week,
        {{ iso_date_part('isodow', 'date_day') }} as iso_day_of_week,
        case {{ iso_date_part('isodow', 'date_day') }}
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            else 'Sunday'
        end as day_name,
        {{ iso_date_part('isodow', 'date_day') }} >= 6 as is_weekend
    from spine
)

select * from final
