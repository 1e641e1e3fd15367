-- Cohorts account for every purchase: the cohort sizes add up to the customers with a
-- purchase in `dim_customers`, month 0 keeps the whole cohort (retention 1), and purchases
-- and their amounts over all cohorts and months equal the purchases in `fct_orders`.
-- Returns a row naming each figure that differs.
with

cohorts as (
    select * from {{ ref('cohort_retention') }}
),

from_cohorts as (
    select
        sum(case when months_since_first_purchase = 0 then cohort_customers else 0 end) as customers,
        sum(purchases) as purchases,
        sum(net_sales) as purchase_amount,
        count(case when months_since_first_purchase = 0 and retention_rate <> 1 then 1 end) as month_zero_not_one
    from cohorts
),

from_orders as (
    select
        count(case when is_purchase then 1 end) as purchases,
        sum(purchase_amount) as purchase_amount
    from {{ ref('fct_orders') }}
),

from_customers as (
    select count(*) as customers
    from {{ ref('dim_customers') }}
    where first_purchase_at is not null
),

checks as (
    select
        'customers' as figure,
        from_cohorts.customers <> from_customers.customers as differs
    from from_cohorts cross join from_customers
    union all
    select
        'purchases' as figure,
        from_cohorts.purchases <> from_orders.purchases as differs
    from from_cohorts cross join from_orders
    union all
    select
        'purchase amount' as figure,
        from_cohorts.purchase_amount <> from_orders.purchase_amount as differs
    from from_cohorts cross join from_orders
    union all
    select
        'month 0 retention' as figure,
        from_cohorts.month_zero_not_one > 0 as differs
    from from_cohorts
)

select figure from checks
where differs
