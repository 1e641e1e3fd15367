-- One row per customer with a purchase: what the lifetime-value models take, in days up to
-- the reference date (as pymc-marketing's rfm_summary computes them; tested equal):
-- frequency = repeat purchase days (days with a purchase after the first), recency = days
-- from the first to the last purchase day, T = days from the first purchase day to the
-- reference date, monetary_value = mean purchase amount of the repeat days (0 without).
with

days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

ranked as (
    select
        *,
        row_number() over (partition by customer_id order by purchase_date) as day_number
    from days
),

per_customer as (
    select
        customer_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        max(reference_date) as reference_date,
        count(*) - 1 as frequency,
        sum(case when day_number > 1 then purchase_amount else 0 end) as repeat_amount
    from ranked
    group by customer_id
),

final as (
    select
        customer_id,
        cast(frequency as {{ dbt.type_int() }}) as frequency,
        cast(
            {{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as recency,
        cast(
            {{ dbt.datediff('first_purchase_date', 'reference_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as t,
        cast(
            case when frequency > 0 then repeat_amount / frequency else 0 end
            as {{ dbt.type_float() }}
        ) as monetary_value,
        first_purchase_date,
        last_purchase_date,
        reference_date
    from per_customer
)

select * from final
