-- The compute floor: the RFM table and the monthly KPIs straight from the raw table, written
-- by hand as one psql script, with the warehouse's default definitions (exact duplicates
-- dropped, a placed order is an invoice with a sale line, a purchase a placed order of a
-- known customer with a sale line at a positive price, NTILE(5) scores, the reference date
-- the day after the last invoice). No layers, no tests, no lineage: what the same answers
-- cost at least on this server. `python bench/run.py floor` times it and reports each build
-- as a ratio to it.
\set ON_ERROR_STOP on
set work_mem = '256MB';

create temp table floor_orders as
with lines as (
    select distinct invoice, stock_code, description, quantity, invoice_date, unit_price, customer_id, country
    from raw.retail_transactions
)
select
    invoice,
    min(invoice_date) as invoiced_at,
    max(customer_id) as customer_id,
    bool_or(invoice like 'C%') as is_cancelled,
    bool_or(invoice not like 'C%' and invoice not like 'A%' and quantity > 0) as has_sale,
    bool_or(invoice not like 'C%' and invoice not like 'A%' and quantity > 0 and unit_price > 0) as has_priced_sale,
    sum(case when invoice not like 'C%' and invoice not like 'A%' and quantity > 0 then quantity * unit_price else 0 end)
        as gross_amount,
    sum(case when invoice like 'C%' then quantity * unit_price else 0 end) as cancelled_amount,
    sum(quantity * unit_price) as net_amount,
    sum(case when invoice not like 'C%' and invoice not like 'A%' and quantity > 0 and unit_price > 0
        then quantity * unit_price else 0 end) as purchase_amount
from lines
group by invoice;

create temp table floor_rfm as
with reference as (
    select cast(max(invoiced_at) as date) + 1 as as_of from floor_orders
),
customers as (
    select
        customer_id,
        max(invoiced_at) as last_purchase_at,
        count(*) as frequency,
        sum(purchase_amount) as monetary
    from floor_orders
    where customer_id is not null and has_sale and not is_cancelled and has_priced_sale
    group by customer_id
),
measured as (
    select
        customers.*,
        floor(extract(epoch from (cast(reference.as_of as timestamp) - last_purchase_at)) / 86400) as recency_days
    from customers cross join reference
)
select
    *,
    6 - ntile(5) over (order by recency_days, customer_id) as r_score,
    ntile(5) over (order by frequency, customer_id) as f_score,
    ntile(5) over (order by monetary, customer_id) as m_score
from measured;

create temp table floor_monthly_kpis as
with first_seen as (
    select customer_id, date_trunc('month', min(invoiced_at)) as month_start
    from floor_orders
    where customer_id is not null
    group by customer_id
),
per_month as (
    select
        date_trunc('month', invoiced_at) as month_start,
        count(*) filter (where has_sale and not is_cancelled) as orders_placed,
        count(*) filter (where is_cancelled) as orders_cancelled,
        sum(gross_amount) as gross_sales,
        sum(cancelled_amount) as cancelled_sales,
        sum(net_amount) as net_sales,
        count(distinct customer_id) as active_customers
    from floor_orders
    group by 1
)
select
    per_month.*,
    (select count(*) from first_seen where first_seen.month_start = per_month.month_start) as new_customers
from per_month;

select (select count(*) from floor_rfm) as rfm_customers, (select count(*) from floor_monthly_kpis) as months;
