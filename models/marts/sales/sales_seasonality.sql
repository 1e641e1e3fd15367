-- One row per ISO week of the year, ISO day of the week and hour of the day with an order:
-- orders placed, net sales and how many distinct days they fell on, over all years of the
-- data. Group by any one of the three to see the season, the week or the day's rhythm.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

timed as (
    select
        invoice_date,
        is_placed,
        net_amount,
        {{ iso_date_part('week', 'invoice_date') }} as iso_week,
        {{ iso_date_part('isodow', 'invoice_date') }} as iso_day_of_week,
        cast(extract(hour from invoiced_at) as {{ dbt.type_int() }}) as hour_of_day
    from orders
),

final as (
    select
        iso_week,
        iso_day_of_week,
        hour_of_day,
        cast(count(case when is_placed then 1 end) as {{ dbt.type_int() }}) as orders_placed,
        cast(count(*) as {{ dbt.type_int() }}) as orders,
        cast(sum(net_amount) as {{ type_money() }}) as net_sales,
        cast(count(distinct invoice_date) as {{ dbt.type_int() }}) as days_with_orders
    from timed
    group by iso_week, iso_day_of_week, hour_of_day
)

select * from final
