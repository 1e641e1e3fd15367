-- A calendar from the first to the last invoice date (dbt_utils' cross-database date_spine),
-- with the parts marts and analysts group by.
with

-- The bounds are subqueries, which dbt_utils evaluates to count the days.
spine as (
    {{ dbt_utils.date_spine(
        'day',
        "(select first_invoice_date from " ~ ref('int_reference_date') ~ ")",
        "(select " ~ dbt.dateadd('day', 1, 'last_invoice_date') ~ " from " ~ ref('int_reference_date') ~ ")"
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
