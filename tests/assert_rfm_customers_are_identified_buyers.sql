-- Reconciliation: rfm_segments holds exactly the identified customers with at least one
-- sale line at a positive price. Returns customers on one side only.
with

buyers as (
    select distinct customer_id
    from {{ ref('fct_sales') }}
    where
        is_sale
        and unit_price > 0
        and not is_guest
),

scored as (
    select customer_id from {{ ref('rfm_segments') }}
)

select
    'buyer without an RFM row' as problem,
    customer_id
from (
    select customer_id from buyers
    except
    select customer_id from scored
) as missing
union all
select
    'RFM row for a non-buyer' as problem,
    customer_id
from (
    select customer_id from scored
    except
    select customer_id from buyers
) as extra
